import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CATALOG, catalogProblems, findEventDefinition } from './catalog';
import { defineEvent } from './define-event';
import { EVENTS_DOC_COMMAND, renderEventsDoc } from './events-doc';
import { ProjectionRebuilt } from './platform.events';

describe('event catalog', () => {
  it('docs/events.md is generated from the current CATALOG', () => {
    const file = path.join(__dirname, '..', '..', '..', '..', 'docs', 'events.md');
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // a missing file is out of date too
    }
    if (current !== renderEventsDoc(CATALOG)) {
      throw new Error(`docs/events.md is out of date with the event catalog; regenerate it with: ${EVENTS_DOC_COMMAND}`);
    }
  });

  it('declares every event type once, with a schema version, category, producer and description', () => {
    expect(catalogProblems(CATALOG)).toEqual([]);
    for (const e of CATALOG) {
      expect(e.schemaVersion).toBeGreaterThanOrEqual(1);
      expect(e.category).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(e.description.length).toBeGreaterThan(10);
    }
    expect(findEventDefinition('ProjectionRebuilt')).toBe(ProjectionRebuilt);
    expect(findEventDefinition('NoSuchEvent')).toBeUndefined();
  });

  it('reports duplicate event types', () => {
    expect(catalogProblems([ProjectionRebuilt, ProjectionRebuilt])).toEqual([
      'event type ProjectionRebuilt is declared more than once',
    ]);
  });
});

describe('defineEvent', () => {
  const JobCreated = defineEvent({
    type: 'JobCreated',
    schemaVersion: 2,
    category: 'job',
    producer: 'scheduler',
    description: 'A backup job was defined.',
    data: z.object({ jobId: z.string(), objects: z.number().int(), createdAt: z.iso.datetime() }),
  });

  it('validates data when creating an event and keeps metadata', () => {
    const event = JobCreated.create(
      { jobId: 'j1', objects: 3, createdAt: '2026-01-01T00:00:00.000Z' },
      { correlationId: 'c1' },
    );
    expect(event).toEqual({
      type: 'JobCreated',
      data: { jobId: 'j1', objects: 3, createdAt: '2026-01-01T00:00:00.000Z' },
      metadata: { correlationId: 'c1' },
    });
    expect(() => JobCreated.create({ jobId: 'j1', objects: 1.5, createdAt: 'yesterday' })).toThrow(/objects|createdAt/);
  });

  it('narrows events by type', () => {
    expect(JobCreated.is({ type: 'JobCreated' })).toBe(true);
    expect(JobCreated.is({ type: 'ProjectionRebuilt' })).toBe(false);
  });

  it('rejects malformed declarations with a message naming the problem', () => {
    const base = { schemaVersion: 1, category: 'job', producer: 'scheduler' as const, description: 'x', data: z.object({}) };
    expect(() => defineEvent({ ...base, type: 'jobCreated' })).toThrow(/PascalCase/);
    expect(() => defineEvent({ ...base, type: 'JobCreated', schemaVersion: 0 })).toThrow(/schemaVersion/);
    expect(() => defineEvent({ ...base, type: 'JobCreated', category: 'Job_X' })).toThrow(/kebab-case/);
    expect(() => defineEvent({ ...base, type: 'JobCreated', description: 'two\nlines' })).toThrow(/one non-empty line/);
  });

  it('renders fields, types and requiredness into the catalog document', () => {
    const doc = renderEventsDoc([JobCreated]);
    expect(doc).toContain('| [JobCreated](#jobcreated) | 2 | job | scheduler | A backup job was defined. |');
    expect(doc).toContain('| jobId | string | yes |  |');
    expect(doc).toContain('| objects | integer | yes |  |');
    expect(doc).toContain('| createdAt | ISO date-time string | yes |  |');
  });
});

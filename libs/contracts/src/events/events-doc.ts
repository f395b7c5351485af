import { z } from 'zod';
import type { EventDefinition } from './define-event';

/** The command that regenerates docs/events.md from the catalog. */
export const EVENTS_DOC_COMMAND = 'node bin/ts-run.js tools/gen-events-doc.ts';

interface JsonSchema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
}

/** Renders the catalog as Markdown (the content of docs/events.md). Deterministic. */
export function renderEventsDoc(catalog: readonly EventDefinition[]): string {
  const events = [...catalog].sort((a, b) => a.category.localeCompare(b.category) || a.type.localeCompare(b.type));
  const out: string[] = [
    '# Event catalog',
    '',
    `<!-- Generated from CATALOG in libs/contracts/src/events by \`${EVENTS_DOC_COMMAND}\`. Do not edit by hand. -->`,
    '',
    'Every event a Holdfast service appends to the event store. Streams are named',
    '`<category>-<id>`; every event carries its MSP tenant, a schema version, and metadata',
    '(event id, correlation and causation ids, trace context, actor). Times are ISO strings.',
    '',
    '| Event | Schema version | Stream category | Producer | Description |',
    '| --- | --- | --- | --- | --- |',
    ...events.map(
      (e) =>
        `| [${e.type}](#${e.type.toLowerCase()}) | ${e.schemaVersion} | ${e.category} | ${e.producer} | ${cell(e.description)} |`,
    ),
  ];
  for (const e of events) {
    out.push('', `## ${e.type}`, '', e.description, '');
    out.push(`Schema version ${e.schemaVersion}, stream category \`${e.category}\`, produced by ${e.producer}.`, '');
    const schema = z.toJSONSchema(e.data, { unrepresentable: 'any' }) as JsonSchema;
    const fields = Object.entries(schema.properties ?? {});
    if (fields.length === 0) {
      out.push('No data fields.');
      continue;
    }
    out.push('| Field | Type | Required | Description |', '| --- | --- | --- | --- |');
    const required = new Set(schema.required ?? []);
    for (const [name, field] of fields) {
      out.push(`| ${name} | ${cell(typeOf(field))} | ${required.has(name) ? 'yes' : 'no'} | ${cell(field.description ?? '')} |`);
    }
  }
  return out.join('\n') + '\n';
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.anyOf) return s.anyOf.map(typeOf).join(' | ');
  if (s.type === 'array') return `array of ${s.items ? typeOf(s.items) : 'any'}`;
  const type = Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? 'any');
  if (s.format === 'date-time') return 'ISO date-time string';
  if (s.format) return `${type} (${s.format})`;
  return type;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

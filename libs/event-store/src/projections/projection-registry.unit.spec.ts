import { defineProjection, quoteTable } from './projection';
import { ProjectionRegistry } from './projection-registry';

const p = (name: string) => defineProjection({ name, handles: ['A'], handle: async () => undefined });

describe('ProjectionRegistry', () => {
  it('lists registered projections by name and selects named ones', () => {
    const a = p('svc.a');
    const b = p('svc.b');
    const registry = new ProjectionRegistry().register(b).register(a).register(a);
    expect(registry.names()).toEqual(['svc.a', 'svc.b']);
    expect(registry.select([])).toEqual([a, b]);
    expect(registry.select(['svc.b', 'svc.b'])).toEqual([b]);
    expect(registry.get('svc.a')).toBe(a);
  });

  it('rejects a second projection under a taken name', () => {
    const registry = new ProjectionRegistry().register(p('svc.a'));
    expect(() => registry.register(p('svc.a'))).toThrow(/already registered as svc.a/);
  });

  it('names unknown projections and lists the known ones', () => {
    expect(() => new ProjectionRegistry().select(['x'])).toThrow('unknown projection x; known: (none registered)');
    expect(() => new ProjectionRegistry().register(p('svc.a')).select(['x', 'y'])).toThrow(
      'unknown projections x, y; known: svc.a',
    );
  });
});

describe('defineProjection', () => {
  it('validates names, handled types and table names', () => {
    expect(() => p('Bad Name')).toThrow(/projection name "Bad Name"/);
    expect(() => defineProjection({ name: 'x', handles: [], handle: async () => undefined })).toThrow(/handles no event types/);
    expect(() =>
      defineProjection({ name: 'x', handles: ['A'], tables: ['t; DROP TABLE events'], handle: async () => undefined }),
    ).toThrow(/is not a table name/);
    expect(quoteTable('gateway.run_status')).toBe('"gateway"."run_status"');
  });
});

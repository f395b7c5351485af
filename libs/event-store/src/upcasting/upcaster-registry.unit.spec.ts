import { UpcasterRegistry } from './upcaster-registry';

describe('UpcasterRegistry', () => {
  const registry = () =>
    new UpcasterRegistry().register('SizeMeasured', {
      currentVersion: 3,
      upcasters: {
        1: (d) => ({ bytes: Number(d.kilobytes) * 1024 }),
        2: (d) => ({ ...d, unit: 'B' }),
      },
    });

  it('upcasts step by step to the current version', () => {
    expect(registry().upcast('SizeMeasured', 1, { kilobytes: 2 })).toEqual({
      schemaVersion: 3,
      data: { bytes: 2048, unit: 'B' },
    });
    expect(registry().upcast('SizeMeasured', 2, { bytes: 5 })).toEqual({ schemaVersion: 3, data: { bytes: 5, unit: 'B' } });
  });

  it('passes current, newer and unregistered events through unchanged', () => {
    const data = { bytes: 1, unit: 'B' };
    expect(registry().upcast('SizeMeasured', 3, data).data).toBe(data);
    expect(registry().upcast('SizeMeasured', 4, data)).toEqual({ schemaVersion: 4, data });
    expect(registry().upcast('Other', 1, data)).toEqual({ schemaVersion: 1, data });
    expect(registry().currentVersion('Other')).toBe(1);
    expect(registry().currentVersion('SizeMeasured')).toBe(3);
  });

  it('names the missing step when a chain is incomplete', () => {
    const r = new UpcasterRegistry().register('X', { currentVersion: 3, upcasters: { 2: (d) => d } });
    expect(() => r.upcast('X', 1, {})).toThrow('event type X has no upcaster from schema version 1 to 2');
  });

  it('rejects bad declarations', () => {
    expect(() => new UpcasterRegistry().register('X', { currentVersion: 0 })).toThrow(/currentVersion/);
    expect(() => new UpcasterRegistry().register('X', { currentVersion: 2, upcasters: { 2: (d) => d } })).toThrow(
      /outside 1..1/,
    );
    expect(() => registry().register('SizeMeasured', { currentVersion: 1 })).toThrow(/registered twice/);
  });

  it('takes current versions from a catalog without overriding explicit registrations', () => {
    const r = registry().registerCatalog([
      { type: 'SizeMeasured', schemaVersion: 3 },
      { type: 'JobCreated', schemaVersion: 2 },
    ]);
    expect(r.currentVersion('JobCreated')).toBe(2);
    expect(r.upcast('SizeMeasured', 1, { kilobytes: 1 }).data).toEqual({ bytes: 1024, unit: 'B' });
    expect(() => registry().registerCatalog([{ type: 'SizeMeasured', schemaVersion: 4 }])).toThrow(
      'event type SizeMeasured is version 4 in the catalog but 3 in the upcaster registry',
    );
  });
});

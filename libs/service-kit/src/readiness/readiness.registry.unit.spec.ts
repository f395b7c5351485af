import { ReadinessRegistry } from './readiness.registry';

describe('ReadinessRegistry', () => {
  it('is ready when every probe passes and names each failing one otherwise', async () => {
    const r = new ReadinessRegistry();
    r.register({ name: 'a', check: async () => undefined });
    expect(await r.check()).toEqual({ ready: true, checks: [{ name: 'a', ok: true }] });
    r.register({ name: 'b', check: async () => Promise.reject(new Error('down')) });
    expect(await r.check()).toEqual({
      ready: false,
      checks: [{ name: 'a', ok: true }, { name: 'b', ok: false, error: 'down' }],
    });
  });

  it('fails a probe that does not answer', async () => {
    const r = new ReadinessRegistry(20);
    r.register({ name: 'stuck', check: () => new Promise(() => undefined) });
    const report = await r.check();
    expect(report.ready).toBe(false);
    expect(report.checks[0].error).toMatch(/no answer/);
  });

  it('refuses the same name twice', () => {
    const r = new ReadinessRegistry();
    r.register({ name: 'a', check: async () => undefined });
    expect(() => r.register({ name: 'a', check: async () => undefined })).toThrow(/twice/);
  });
});

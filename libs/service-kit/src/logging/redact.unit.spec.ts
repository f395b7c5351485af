import { isSecretKey, REDACTED, redactSecrets } from './redact';

describe('redactSecrets', () => {
  it('replaces secret-named fields at any depth and keeps the rest', () => {
    const out = redactSecrets({
      user: 'ann',
      password: 'p',
      connection: { clientSecret: 's', tenantId: 't', nested: [{ accessToken: 'x', id: 1 }] },
      headers: { Authorization: 'Bearer abc' },
      key: 'k',
      masterKey: 'm',
    });
    expect(out).toEqual({
      user: 'ann',
      password: REDACTED,
      connection: { clientSecret: REDACTED, tenantId: 't', nested: [{ accessToken: REDACTED, id: 1 }] },
      headers: { Authorization: REDACTED },
      key: REDACTED,
      masterKey: REDACTED,
    });
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(redactSecrets(a)).toEqual({ name: 'a', self: '[circular]' });
  });

  it('keeps error messages but redacts secret fields on errors', () => {
    const e = Object.assign(new Error('failed'), { token: 't' });
    expect(redactSecrets({ err: e })).toMatchObject({ err: { message: 'failed', token: REDACTED } });
  });

  it('knows which names are secret', () => {
    for (const n of ['secret', 'password', 'token', 'authorization', 'clientSecret', 'key', 'apiKey', 'private_key']) {
      expect(isSecretKey(n)).toBe(true);
    }
    for (const n of ['tenantId', 'keyId', 'name', 'runId']) expect(isSecretKey(n)).toBe(false);
  });
});

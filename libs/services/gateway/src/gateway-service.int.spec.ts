import { bootServices, type RunningServices } from '@holdfast/service-kit';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { hashApiToken } from './api-tokens/api-token';
import { gatewayService } from './gateway-service.module';

// boots Nest, Postgres migrations and the bus: allow for a loaded CI machine
jest.setTimeout(60_000);

describe('gateway service', () => {
  let db: TestDatabase;
  const started: RunningServices[] = [];
  const env = (extra: Record<string, string> = {}) => ({
    DATABASE_URL: db.url,
    HOST: '127.0.0.1',
    PORT: '0',
    HOLDFAST_LOG_LEVEL: 'silent',
    ...extra,
  });
  async function boot(extra: Record<string, string> = {}) {
    const r = await bootServices({ services: [gatewayService], env: env(extra) });
    started.push(r);
    return r;
  }
  async function storedTokens(r: RunningServices) {
    return (await r.platform.db.query<{ token_hash: string; role: string }>('SELECT token_hash, role FROM gateway.api_tokens')).rows;
  }

  beforeEach(async () => {
    db = await createTestDatabase('hf_gateway');
  });
  afterEach(async () => {
    while (started.length) await started.pop()!.close();
    jest.restoreAllMocks();
    await db.drop();
  });

  it('creates the first administrator token once, prints it, and stores only its hash', async () => {
    const printed: string[] = [];
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    const r = await boot();
    const token = /(hf_[A-Za-z0-9_-]{43})/.exec(printed.join(''))?.[1];
    expect(token).toBeDefined();
    const rows = await storedTokens(r);
    expect(rows).toEqual([{ token_hash: hashApiToken(token!), role: 'msp_admin' }]);
    expect(JSON.stringify(rows)).not.toContain(token);

    const info = await fetch(`${r.url}/api/v1/system/info`, { headers: { authorization: `Bearer ${token}` } });
    expect(info.status).toBe(200);

    await r.close();
    started.pop();
    printed.length = 0;
    const again = await boot();
    expect(printed.join('')).not.toMatch(/hf_/);
    expect(await storedTokens(again)).toHaveLength(1);
  });

  it('accepts HOLDFAST_ADMIN_TOKEN and serves system info to it', async () => {
    const token = 'hf_test_admin_token_0123456789abcdef';
    const r = await boot({ HOLDFAST_ADMIN_TOKEN: token });
    const res = await fetch(`${r.url}/api/v1/system/info`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      product: 'holdfast',
      namespace: 'holdfast',
      services: ['gateway'],
      bus: 'in-process',
      database: { name: db.name },
    });
  });

  it('answers 401 with a message naming the problem', async () => {
    const r = await boot({ HOLDFAST_ADMIN_TOKEN: 'hf_test_admin_token_0123456789abcdef' });
    const none = await fetch(`${r.url}/api/v1/system/info`);
    expect(none.status).toBe(401);
    // problem+json (RFC 9457) that still carries the { error } member for existing clients
    expect(await none.json()).toMatchObject({ status: 401, code: 'unauthenticated', error: { code: 'unauthenticated', message: expect.stringMatching(/Missing API token/) } });
    const wrong = await fetch(`${r.url}/api/v1/system/info`, { headers: { authorization: 'Bearer hf_nope' } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toMatch(/Invalid or revoked/);
  });

  it('publishes an OpenAPI document with the API routes and bearer auth', async () => {
    const r = await boot({ HOLDFAST_ADMIN_TOKEN: 'hf_test_admin_token_0123456789abcdef' });
    const doc = (await (await fetch(`${r.url}/api/docs/json`)).json()) as {
      paths: Record<string, unknown>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1', '/api/v1/system/info']));
    expect(Object.keys(doc.paths)).not.toContain('/health');
    expect(doc.components.securitySchemes.bearer).toBeDefined();
    expect((await fetch(`${r.url}/api/docs`)).status).toBe(200);
    expect(await (await fetch(`${r.url}/api/v1`)).json()).toMatchObject({ product: 'holdfast', docs: '/api/docs' });
  });

  it('refuses a too short HOLDFAST_ADMIN_TOKEN, naming it', async () => {
    await expect(boot({ HOLDFAST_ADMIN_TOKEN: 'short' })).rejects.toThrow(/HOLDFAST_ADMIN_TOKEN/);
  });
});

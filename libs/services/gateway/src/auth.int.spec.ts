import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import type { RunningServices } from '@holdfast/service-kit';
import { bootGateway, TEST_ADMIN, TestClient } from './testing/gateway-test-client.int-helper';
import { totpAt } from './identity/totp';

jest.setTimeout(60_000);

describe('portal authentication', () => {
  let db: TestDatabase;
  let gw: RunningServices;

  beforeAll(async () => {
    db = await createTestDatabase('hf_gw_auth');
    gw = await bootGateway(db);
  });
  afterAll(async () => {
    await gw?.close();
    await db?.drop();
  });

  it('signs the first administrator in with an HttpOnly SameSite=Strict session cookie', async () => {
    const c = new TestClient(gw.url);
    const r = await c.login(TEST_ADMIN.email, TEST_ADMIN.password);
    expect(r.status).toBe(200);
    const cookie = r.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^holdfast_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toMatch(/Secure/i); // plain http in tests
    expect(r.body.user).toMatchObject({ email: TEST_ADMIN.email, role: 'msp_admin', totpEnabled: false });
    expect(r.text).not.toContain(c.cookie!.split('=')[1]);
    expect(r.text).not.toMatch(/password|scrypt/i);
    const me = await c.call('GET', '/api/v1/auth/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ role: 'msp_admin', kind: 'session', csrfToken: c.csrf });
  });

  it('stores a salted scrypt hash, not the password', async () => {
    const rows = (await gw.platform.db.query<{ password_hash: string }>('SELECT password_hash FROM gateway.users')).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0].password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(rows[0].password_hash).not.toContain(TEST_ADMIN.password);
  });

  it('refuses a wrong password with problem+json and no session', async () => {
    const c = new TestClient(gw.url);
    const r = await c.login(TEST_ADMIN.email, 'wrong password 123');
    expect(r.status).toBe(401);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.body).toMatchObject({ status: 401, code: 'unauthenticated', detail: 'Wrong email or password', title: expect.any(String) });
    expect(r.headers.get('set-cookie')).toBeNull();
  });

  it('requires the CSRF token for cookie-authenticated writes', async () => {
    const c = new TestClient(gw.url);
    await c.login(TEST_ADMIN.email, TEST_ADMIN.password);
    const without = await c.call('POST', '/api/v1/tenants', { name: 'No Csrf Ltd' }, { 'x-csrf-token': '' });
    expect(without.status).toBe(403);
    expect(without.body.detail).toMatch(/X-CSRF-Token/);
    const wrong = await c.call('POST', '/api/v1/tenants', { name: 'No Csrf Ltd' }, { 'x-csrf-token': 'x'.repeat(43) });
    expect(wrong.status).toBe(403);
    const right = await c.call('POST', '/api/v1/tenants', { name: 'Csrf Ltd' });
    expect(right.status).toBe(201);
    expect(right.body).toMatchObject({ id: 'csrf-ltd', name: 'Csrf Ltd' });
  });

  it('ends the session on sign-out, server-side', async () => {
    const c = new TestClient(gw.url);
    await c.login(TEST_ADMIN.email, TEST_ADMIN.password);
    const stolen = c.cookie;
    expect((await c.call('POST', '/api/v1/auth/logout')).status).toBe(204);
    c.cookie = stolen;
    const r = await c.call('GET', '/api/v1/auth/me');
    expect(r.status).toBe(401);
  });

  it('expires idle sessions and sessions past their absolute lifetime', async () => {
    const a = new TestClient(gw.url);
    await a.login(TEST_ADMIN.email, TEST_ADMIN.password);
    const b = new TestClient(gw.url);
    await b.login(TEST_ADMIN.email, TEST_ADMIN.password);
    const { sha256Hex } = await import('./identity/secrets');
    const hash = (c: TestClient) => sha256Hex(c.cookie!.split('=')[1]);
    await gw.platform.db.query(`UPDATE gateway.sessions SET idle_expires_at = now() - interval '1 second' WHERE id_hash = $1`, [hash(a)]);
    await gw.platform.db.query(`UPDATE gateway.sessions SET absolute_expires_at = now() - interval '1 second' WHERE id_hash = $1`, [hash(b)]);
    expect((await a.call('GET', '/api/v1/auth/me')).status).toBe(401);
    expect((await b.call('GET', '/api/v1/auth/me')).status).toBe(401);
  });

  it('enrols TOTP, then needs a code, refuses a replayed code and accepts each recovery code once', async () => {
    const admin = TestClient.withToken(gw.url, 'hf_test_admin_token_0123456789abcdef');
    const email = 'totp.user@msp.test';
    const password = 'a long enough password 1';
    expect((await admin.call('POST', '/api/v1/users', { email, password, role: 'msp_technician' })).status).toBe(201);

    const c = new TestClient(gw.url);
    await c.login(email, password);
    const enrol = await c.call('POST', '/api/v1/auth/totp/enrol');
    expect(enrol.status).toBe(200);
    const secret: string = enrol.body.secret;
    expect(enrol.body.otpauthUri).toBe(
      `otpauth://totp/Holdfast:${encodeURIComponent(email)}?secret=${secret}&issuer=Holdfast&algorithm=SHA1&digits=6&period=30`,
    );
    expect((await c.call('POST', '/api/v1/auth/totp/confirm', { code: '000000' === totpAt(secret, Date.now()) ? '111111' : '000000' })).status).toBe(400);
    // a code of the previous step is still accepted (window of one step)
    const confirm = await c.call('POST', '/api/v1/auth/totp/confirm', { code: totpAt(secret, Date.now() - 30_000) });
    expect(confirm.status).toBe(200);
    const codes: string[] = confirm.body.recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);

    const d = new TestClient(gw.url);
    const needs = await d.login(email, password);
    expect(needs.status).toBe(401);
    expect(needs.body.details).toEqual({ secondFactor: 'totp' });
    expect(needs.headers.get('set-cookie')).toBeNull();
    const code = totpAt(secret, Date.now());
    expect((await d.login(email, password, { totpCode: code })).status).toBe(200);
    // the same step again is a replay
    expect((await new TestClient(gw.url).login(email, password, { totpCode: code })).status).toBe(401);
    expect((await new TestClient(gw.url).login(email, password, { recoveryCode: codes[3].toUpperCase() })).status).toBe(200);
    expect((await new TestClient(gw.url).login(email, password, { recoveryCode: codes[3] })).status).toBe(401);

    const stored = await gw.platform.db.query('SELECT code_hash FROM gateway.recovery_codes');
    expect(JSON.stringify(stored.rows)).not.toContain(codes[0]);
    const audit = await gw.platform.db.query('SELECT * FROM gateway.audit_log');
    const dump = JSON.stringify(audit.rows);
    for (const secretValue of [secret, password, ...codes, code]) expect(dump).not.toContain(secretValue);
  });

  it('throttles an account after 5 failed sign-ins, even with the right password', async () => {
    const admin = TestClient.withToken(gw.url, 'hf_test_admin_token_0123456789abcdef');
    const email = 'throttled@msp.test';
    const password = 'another good password 2';
    await admin.call('POST', '/api/v1/users', { email, password, role: 'auditor' });
    for (let i = 0; i < 5; i++) expect((await new TestClient(gw.url).login(email, `wrong-${i}-password`)).status).toBe(401);
    const r = await new TestClient(gw.url).login(email, password);
    expect(r.status).toBe(429);
    expect(r.body).toMatchObject({ code: 'throttled', detail: expect.stringMatching(/Too many failed sign-ins/) });
  });

  it('issues user API tokens scoped to the user, hashed at rest, revocable', async () => {
    const c = new TestClient(gw.url);
    await c.login(TEST_ADMIN.email, TEST_ADMIN.password);
    const created = await c.call('POST', '/api/v1/auth/tokens', { name: 'script' });
    expect(created.status).toBe(201);
    const token: string = created.body.token;
    expect(token).toMatch(/^hf_/);
    const rows = await gw.platform.db.query('SELECT * FROM gateway.api_tokens');
    expect(JSON.stringify(rows.rows)).not.toContain(token);
    const t = TestClient.withToken(gw.url, token);
    const me = await t.call('GET', '/api/v1/auth/me');
    expect(me.body).toMatchObject({ kind: 'api_token', role: 'msp_admin' });
    const list = await c.call('GET', '/api/v1/auth/tokens');
    expect(list.text).not.toContain(token);
    expect((await c.call('DELETE', `/api/v1/auth/tokens/${created.body.id}`)).status).toBe(204);
    expect((await t.call('GET', '/api/v1/auth/me')).status).toBe(401);
  });
});

import type { RunningServices } from '@holdfast/service-kit';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import type { RecordedEvent } from '@holdfast/contracts';
import { bootGateway, TEST_ADMIN, TestClient } from '../testing/gateway-test-client.int-helper';
import { LiveEventHub } from '../live/live-event.hub';

jest.setTimeout(60_000);

describe('audit log, errors and live events', () => {
  let db: TestDatabase;
  let gw: RunningServices;
  let admin: TestClient;

  beforeAll(async () => {
    db = await createTestDatabase('hf_gw_audit');
    gw = await bootGateway(db);
    admin = new TestClient(gw.url, 'AuditBrowser/1.0');
    await admin.login(TEST_ADMIN.email, TEST_ADMIN.password);
  });
  afterAll(async () => {
    await gw?.close();
    await db?.drop();
  });

  it('records who changed what, when and from where', async () => {
    const before = new Date().toISOString();
    expect((await admin.call('POST', '/api/v1/tenants', { name: 'Contoso' })).status).toBe(201);
    const r = await admin.call('GET', '/api/v1/audit?action=tenant.create');
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(1);
    expect(r.body.items[0]).toMatchObject({
      actorKind: 'user',
      actorName: TEST_ADMIN.email,
      actorRole: 'msp_admin',
      action: 'tenant.create',
      tenantId: 'contoso',
      target: 'tenant:contoso',
      outcome: 'succeeded',
      status: 201,
      ip: expect.stringMatching(/127\.0\.0\.1/),
      userAgent: 'AuditBrowser/1.0',
      details: { name: 'Contoso' },
    });
    expect(r.body.items[0].at >= before).toBe(true);
  });

  it('records failed changes and sign-ins too', async () => {
    expect((await admin.call('POST', '/api/v1/tenants', { name: 'Contoso' })).status).toBe(409);
    await new TestClient(gw.url).login('nobody@msp.test', 'not the password');
    const failed = await admin.call('GET', '/api/v1/audit?action=tenant.create&sort=-at');
    expect(failed.body.items[0]).toMatchObject({ outcome: 'failed', status: 409 });
    const logins = await admin.call('GET', '/api/v1/audit?action=auth.*&actor=nobody@msp.test');
    expect(logins.body.items).toEqual([expect.objectContaining({ action: 'auth.login', actorKind: 'anonymous', actorName: 'nobody@msp.test', outcome: 'denied', status: 401 })]);
  });

  it('records refused writes, such as a missing CSRF token', async () => {
    const r = await admin.call('POST', '/api/v1/tenants', { name: 'Sneaky' }, { 'x-csrf-token': '' });
    expect(r.status).toBe(403);
    const denied = await admin.call('GET', '/api/v1/audit?action=access.denied');
    expect(denied.body.items[0]).toMatchObject({ actorName: TEST_ADMIN.email, outcome: 'denied', status: 403, target: 'POST /api/v1/tenants', details: { reason: 'forbidden' } });
  });

  it('searches by actor, action, tenant and time, and pages', async () => {
    await admin.call('POST', '/api/v1/tenants', { name: 'Fabrikam' });
    await admin.call('PATCH', '/api/v1/tenants/fabrikam', { name: 'Fabrikam Inc' });
    const byTenant = await admin.call('GET', '/api/v1/tenants/fabrikam/audit');
    expect(byTenant.body.items.map((e: { action: string }) => e.action)).toEqual(['tenant.update', 'tenant.create']);
    const page = await admin.call('GET', '/api/v1/audit?tenantId=fabrikam&sort=at&limit=1&offset=1');
    expect(page.body).toMatchObject({ total: 2, limit: 1, offset: 1, items: [expect.objectContaining({ action: 'tenant.update' })] });
    const future = await admin.call('GET', `/api/v1/audit?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.body.total).toBe(0);
    const bad = await admin.call('GET', '/api/v1/audit?from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(bad.body).toMatchObject({ status: 400, code: 'validation_failed', detail: 'Query parameter from must be an ISO date-time', instance: '/api/v1/audit?from=yesterday' });
  });

  it('exports CSV and JSON, and audits the export', async () => {
    const csv = await admin.call('GET', '/api/v1/audit/export?format=csv&tenantId=fabrikam');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="holdfast-audit-.*\.csv"/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,at,actorKind/);
    expect(lines).toHaveLength(3);
    const json = await admin.call('GET', '/api/v1/audit/export?format=json&tenantId=fabrikam');
    expect(json.body).toHaveLength(2);
    const exports = await admin.call('GET', '/api/v1/audit?action=audit.export');
    expect(exports.body.total).toBe(2);
  });

  it('is append-only in the database itself', async () => {
    await expect(gw.platform.db.query(`UPDATE gateway.audit_log SET actor_name = 'someone else'`)).rejects.toThrow(/append-only/);
    await expect(gw.platform.db.query('DELETE FROM gateway.audit_log')).rejects.toThrow(/append-only/);
    await expect(gw.platform.db.query('TRUNCATE gateway.audit_log')).rejects.toThrow(/append-only/);
  });

  it('streams live events of the caller\'s tenants only', async () => {
    const passwords = 'live test password 1';
    await admin.call('POST', '/api/v1/tenants', { name: 'Other' });
    await admin.call('POST', '/api/v1/tenants/contoso/users', { email: 'op@contoso.test', password: passwords, role: 'customer_operator' });
    const op = new TestClient(gw.url);
    await op.login('op@contoso.test', passwords);
    const ctrl = new AbortController();
    const res = await fetch(`${gw.url}/api/v1/events`, { headers: { cookie: op.cookie! }, signal: ctrl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const hub = gw.app.get(LiveEventHub);
    const event = (tenantId: string, id: string): RecordedEvent => ({
      eventId: id, type: 'RunProgressed', tenantId, streamId: 's', streamVersion: 1, globalPosition: '1', schemaVersion: 1,
      recordedAt: new Date().toISOString(), metadata: {}, data: { done: 3 },
    });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes(': connected')) text += decoder.decode((await reader.read()).value);
    hub.publish(event('other', 'ev-foreign'));
    hub.publish(event('contoso', 'ev-own'));
    while (!text.includes('ev-own')) text += decoder.decode((await reader.read()).value);
    ctrl.abort();
    expect(text).toContain('event: RunProgressed');
    expect(text).toContain('"tenantId":"contoso"');
    expect(text).not.toContain('ev-foreign');
  });
});

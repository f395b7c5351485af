import { ModulesContainer, Reflector } from '@nestjs/core';
import { PATH_METADATA } from '@nestjs/common/constants';
import type { RunningServices } from '@holdfast/service-kit';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { bootGateway, TEST_ADMIN, TestClient } from '../testing/gateway-test-client.int-helper';
import { routeAccess } from './access.guard';

jest.setTimeout(120_000);

type Who = 'anonymous' | 'msp_admin' | 'msp_technician' | 'customer_admin' | 'customer_operator' | 'auditor';
const ROLES_UNDER_TEST: Who[] = ['msp_admin', 'msp_technician', 'customer_admin', 'customer_operator', 'auditor'];

/**
 * The expected access of every API route, written out here on purpose: a new route fails
 * this test until someone decides who may call it.
 */
const ROUTES: Record<string, 'public' | 'authenticated' | Who[]> = {
  'GET /api/v1': 'public',
  'GET /api/v1/system/info': ['msp_admin'],
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/logout': 'authenticated',
  'GET /api/v1/auth/me': 'authenticated',
  'POST /api/v1/auth/totp/enrol': 'authenticated',
  'POST /api/v1/auth/totp/confirm': 'authenticated',
  'POST /api/v1/auth/password': 'authenticated',
  'GET /api/v1/auth/tokens': 'authenticated',
  'POST /api/v1/auth/tokens': 'authenticated',
  'DELETE /api/v1/auth/tokens/{tokenId}': 'authenticated',
  'GET /api/v1/tenants': ROLES_UNDER_TEST,
  'POST /api/v1/tenants': ['msp_admin'],
  'GET /api/v1/tenants/{tenantId}': ROLES_UNDER_TEST,
  'PATCH /api/v1/tenants/{tenantId}': ['msp_admin', 'msp_technician'],
  'GET /api/v1/users': ['msp_admin', 'customer_admin', 'auditor'],
  'GET /api/v1/tenants/{tenantId}/users': ['msp_admin', 'customer_admin', 'auditor'],
  'POST /api/v1/users': ['msp_admin', 'customer_admin'],
  'POST /api/v1/tenants/{tenantId}/users': ['msp_admin', 'customer_admin'],
  'PATCH /api/v1/users/{userId}': ['msp_admin', 'customer_admin'],
  'GET /api/v1/audit': ['msp_admin', 'customer_admin', 'auditor'],
  'GET /api/v1/tenants/{tenantId}/audit': ['msp_admin', 'customer_admin', 'auditor'],
  'GET /api/v1/audit/export': ['msp_admin', 'customer_admin', 'auditor'],
  'GET /api/v1/overview': ROLES_UNDER_TEST,
  'GET /api/v1/events': ROLES_UNDER_TEST,
  'POST /api/v1/organizations': ['msp_admin'],
  'GET /api/v1/organizations': ['msp_admin', 'msp_technician', 'customer_admin', 'auditor'],
  'POST /api/v1/organizations/device-code': ['msp_admin'],
  'GET /api/v1/organizations/{id}': ['msp_admin', 'msp_technician', 'customer_admin', 'auditor'],
  'POST /api/v1/organizations/{id}/check': ['msp_admin'],
  'POST /api/v1/organizations/{id}/grant': ['msp_admin'],
  'DELETE /api/v1/organizations/{id}': ['msp_admin'],
  'GET /api/v1/onboardings/{id}': ['msp_admin'],
  'POST /api/v1/organizations/{id}/inventory/sync': ['msp_admin', 'msp_technician'],
  'GET /api/v1/inventory': ROLES_UNDER_TEST,
};

/** Tenants each role reaches (alpha is "theirs"; bravo belongs to someone else, except for MSP-wide roles). */
const REACHES_BRAVO: Record<Who, boolean> = {
  anonymous: false,
  msp_admin: true,
  msp_technician: false,
  customer_admin: false,
  customer_operator: false,
  auditor: true,
};

describe('access to every API route, for every role', () => {
  let db: TestDatabase;
  let gw: RunningServices;
  const clients = {} as Record<Who, TestClient>;
  const passwords = 'role test password 123';
  let bravoUserId: string;
  let alphaUserId: string;

  beforeAll(async () => {
    db = await createTestDatabase('hf_gw_rbac');
    gw = await bootGateway(db);
    const admin = new TestClient(gw.url);
    await admin.login(TEST_ADMIN.email, TEST_ADMIN.password);
    clients.msp_admin = admin;
    clients.anonymous = new TestClient(gw.url);
    for (const name of ['Alpha', 'Bravo']) expect((await admin.call('POST', '/api/v1/tenants', { name })).status).toBe(201);
    const users: Array<[Who, Record<string, unknown>]> = [
      ['msp_technician', { role: 'msp_technician', assignedTenantIds: ['alpha'] }],
      ['customer_admin', { role: 'customer_admin', tenantId: 'alpha' }],
      ['customer_operator', { role: 'customer_operator', tenantId: 'alpha' }],
      ['auditor', { role: 'auditor' }],
    ];
    for (const [who, spec] of users) {
      const email = `${who.replace('_', '.')}@msp.test`;
      const r = await admin.call('POST', '/api/v1/users', { email, password: passwords, ...spec });
      expect(r.status).toBe(201);
      if (who === 'customer_operator') alphaUserId = r.body.id;
      const c = new TestClient(gw.url);
      expect((await c.login(email, passwords)).status).toBe(200);
      clients[who] = c;
    }
    const bravo = await admin.call('POST', '/api/v1/tenants/bravo/users', { email: 'op@bravo.test', password: passwords, role: 'customer_operator' });
    expect(bravo.status).toBe(201);
    bravoUserId = bravo.body.id;
  });
  afterAll(async () => {
    await gw?.close();
    await db?.drop();
  });

  async function apiRoutes(): Promise<string[]> {
    const doc = (await (await fetch(`${gw.url}/api/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    return Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
  }

  it('lists exactly the routes of the expected matrix', async () => {
    expect((await apiRoutes()).sort()).toEqual(Object.keys(ROUTES).sort());
  });

  it('finds a declared access on every handler of every /api controller', () => {
    const reflector = new Reflector();
    const undeclared: string[] = [];
    let handlers = 0;
    for (const mod of gw.app.get(ModulesContainer).values()) {
      for (const wrapper of mod.controllers.values()) {
        const type = wrapper.metatype as (new (...a: never[]) => unknown) | undefined;
        const path = type && (Reflect.getMetadata(PATH_METADATA, type) as string | undefined);
        if (!type || !path?.startsWith('api/')) continue;
        for (const key of Object.getOwnPropertyNames(type.prototype)) {
          const fn = type.prototype[key] as (...args: unknown[]) => unknown;
          if (key === 'constructor' || typeof fn !== 'function' || Reflect.getMetadata(PATH_METADATA, fn) === undefined) continue;
          handlers++;
          if (routeAccess(reflector, [fn, type]).kind === 'undeclared') undeclared.push(`${type.name}.${key}`);
        }
      }
    }
    expect(handlers).toBeGreaterThanOrEqual(Object.keys(ROUTES).length);
    expect(undeclared).toEqual([]);
  });

  async function attempt(who: Who, method: string, path: string): Promise<number> {
    let client = clients[who];
    if (path.endsWith('/auth/logout') && who !== 'anonymous') {
      // signing out would end the shared session: sign in a second time for it
      client = new TestClient(gw.url);
      await client.login(who === 'msp_admin' ? TEST_ADMIN.email : `${who.replace('_', '.')}@msp.test`, who === 'msp_admin' ? TEST_ADMIN.password : passwords);
    }
    if (path === '/api/v1/events') {
      const ctrl = new AbortController();
      const res = await fetch(`${gw.url}${path}`, { headers: client.cookie ? { cookie: client.cookie } : {}, signal: ctrl.signal });
      ctrl.abort();
      return res.status;
    }
    // bodies that are invalid on purpose: an allowed caller gets 400, and nothing changes
    const body = method === 'GET' || method === 'DELETE' ? undefined : path.includes('/users/') ? { role: 'no_such_role' } : {};
    return (await client.call(method, path, body)).status;
  }

  it.each(ROLES_UNDER_TEST.concat('anonymous'))('gives %s exactly its access on every route and tenant', async (who) => {
    const failures: string[] = [];
    for (const [route, access] of Object.entries(ROUTES)) {
      const [method, template] = route.split(' ');
      const variants: Array<{ path: string; foreign: boolean }> = [];
      for (const tenant of template.includes('{tenantId}') ? ['alpha', 'bravo'] : [null]) {
        for (const user of template.includes('{userId}') ? [alphaUserId, bravoUserId] : [null]) {
          const path = template
            .replace('{tenantId}', tenant ?? '')
            .replace('{userId}', user ?? '')
            .replace('{tokenId}', '00000000-0000-4000-8000-000000000000');
          variants.push({ path, foreign: tenant === 'bravo' || user === bravoUserId });
        }
      }
      for (const v of variants) {
        const status = await attempt(who, method, v.path);
        let expected: string;
        let ok: boolean;
        if (access === 'public') {
          expected = 'not 401/403';
          ok = status !== 401 && status !== 403;
        } else if (who === 'anonymous') {
          expected = '401';
          ok = status === 401;
        } else if (access !== 'authenticated' && !access.includes(who)) {
          expected = '403';
          ok = status === 403;
        } else if (v.foreign && !REACHES_BRAVO[who]) {
          expected = '404';
          ok = status === 404;
        } else {
          expected = 'allowed (not 401/403/404 for own)';
          ok = status !== 401 && status !== 403 && (v.foreign || status !== 404 || route.includes('{tokenId}'));
        }
        if (!ok) failures.push(`${method} ${v.path}: got ${status}, expected ${expected}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('lists only what each role reaches', async () => {
    for (const who of ROLES_UNDER_TEST) {
      const tenants = await clients[who].call('GET', '/api/v1/tenants');
      const ids = tenants.body.items.map((t: { id: string }) => t.id).sort();
      expect({ who, ids }).toEqual({ who, ids: REACHES_BRAVO[who] ? ['alpha', 'bravo'] : ['alpha'] });
    }
    const users = await clients.customer_admin.call('GET', '/api/v1/users');
    expect(users.status).toBe(200);
    expect(users.body.items.every((u: { tenantId: string }) => u.tenantId === 'alpha')).toBe(true);
    expect(users.text).not.toContain('op@bravo.test');
    const audit = await clients.customer_admin.call('GET', '/api/v1/audit?limit=200');
    expect(audit.body.items.length).toBeGreaterThan(0);
    expect(audit.body.items.every((e: { tenantId: string }) => e.tenantId === 'alpha')).toBe(true);
    const exported = await clients.customer_admin.call('GET', '/api/v1/audit/export?format=json');
    expect(exported.text).not.toContain('bravo');
  });

  it('lets a customer admin manage only customer users of its own tenant', async () => {
    const ca = clients.customer_admin;
    expect((await ca.call('POST', '/api/v1/tenants/alpha/users', { email: 'new.op@alpha.test', password: passwords, role: 'customer_operator' })).status).toBe(201);
    expect((await ca.call('POST', '/api/v1/users', { email: 'evil@msp.test', password: passwords, role: 'msp_admin' })).status).toBe(403);
    expect((await ca.call('POST', '/api/v1/tenants/alpha/users', { email: 'evil2@msp.test', password: passwords, role: 'msp_technician' })).status).toBe(403);
    expect((await ca.call('PATCH', `/api/v1/users/${bravoUserId}`, { disabled: true })).status).toBe(404);
    expect((await ca.call('PATCH', `/api/v1/users/${alphaUserId}`, { role: 'msp_admin' })).status).toBe(403);
    const disabled = await ca.call('PATCH', `/api/v1/users/${alphaUserId}`, { disabled: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled).toBe(true);
    // a disabled user's session stops working at once
    expect((await clients.customer_operator.call('GET', '/api/v1/auth/me')).status).toBe(401);
  });
});

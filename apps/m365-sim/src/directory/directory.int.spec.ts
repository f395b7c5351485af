import { ClientSecretCredential } from '@azure/identity';
import { PageIterator } from '@microsoft/microsoft-graph-client';
import { simRequest, simulatorCredential, simulatorGraphClient, simulatorIdentityOptions, startSimulator, type RunningSimulator } from '@holdfast/testing';

const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const ROLE_USER_READ_ALL = 'df021288-bdef-4463-88db-98f22de89214';
const ROLE_MAIL_READ = '810c84a8-4a9e-49e6-bf7d-12d183f40d01';

async function graphRaw(sim: RunningSimulator, path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown; token?: string } = {}) {
  const token = init.token ?? (await simulatorCredential(sim).getToken('https://graph.microsoft.com/.default'))!.token;
  return simRequest(`${sim.graphBaseUrl}${path}`, sim.caPem, {
    method: init.method,
    headers: { Authorization: `Bearer ${token}`, ...(init.body ? { 'Content-Type': 'application/json' } : {}), ...init.headers },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
}

describe('directory and generic Graph features', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ users: 250, modules: [], probe: true });
  }, 60_000);
  afterAll(() => sim?.stop());

  it('serves users with unicode names, licensed and unlicensed, and deleted users', async () => {
    const client = simulatorGraphClient(sim);
    const first = await client.api('/users').select('id,displayName,assignedLicenses,userPrincipalName').top(999).get();
    expect(first.value).toHaveLength(250);
    expect(first['@odata.nextLink']).toBeUndefined();
    expect(first.value.some((u: { displayName: string }) => /[^\x00-\x7f]/.test(u.displayName))).toBe(true);
    const unlicensed = first.value.filter((u: { assignedLicenses: unknown[] }) => u.assignedLicenses.length === 0);
    expect(unlicensed.length).toBeGreaterThan(0);
    expect(unlicensed.length).toBeLessThan(250);
    const deleted = await client.api('/directory/deletedItems/microsoft.graph.user').get();
    expect(deleted.value.length).toBeGreaterThan(0);
    expect(deleted.value[0].deletedDateTime).toBeTruthy();
    // default projection: no assignedLicenses without $select
    const one = await client.api(`/users/${first.value[1].userPrincipalName}`).get();
    expect(one.id).toBe(first.value[1].id);
    expect(one).not.toHaveProperty('assignedLicenses');
  });

  it('pages with absolute nextLinks that PageIterator follows (Prefer: odata.maxpagesize)', async () => {
    const client = simulatorGraphClient(sim);
    const first = await client.api('/users').header('Prefer', 'odata.maxpagesize=40').select('id').get();
    expect(first.value).toHaveLength(40);
    expect(first['@odata.nextLink']).toMatch(new RegExp(`^${sim.graphBaseUrl.replace(/[.]/g, '\\.')}/users\\?`));
    const ids: string[] = [];
    const it = new PageIterator(client, first, (u: { id: string }) => {
      ids.push(u.id);
      return true;
    });
    await it.iterate();
    expect(ids).toHaveLength(250);
    expect(new Set(ids).size).toBe(250);
  });

  it('filters (eq, startswith, any) and counts with ConsistencyLevel', async () => {
    const client = simulatorGraphClient(sim);
    const unified = await client.api('/groups').filter("groupTypes/any(c:c eq 'Unified')").get();
    expect(unified.value.length).toBeGreaterThan(0);
    expect(unified.value.every((g: { groupTypes: string[] }) => g.groupTypes.includes('Unified'))).toBe(true);
    const all = await client.api('/groups').get();
    expect(all.value.length).toBeGreaterThan(unified.value.length);
    const admins = await client.api('/users').filter("startswith(userPrincipalName,'admin')").get();
    expect(admins.value).toHaveLength(1);
    await expect(client.api('/users').count(true).get()).rejects.toMatchObject({ statusCode: 400, code: 'Request_BadRequest' });
    const counted = await client.api('/users').header('ConsistencyLevel', 'eventual').count(true).filter('assignedLicenses/$count ne 0').select('id').top(999).get();
    expect(counted['@odata.count']).toBe(counted.value.length);
    expect(counted['@odata.count']).toBeLessThan(250);
    const n = await graphRaw(sim, '/users/$count', { headers: { ConsistencyLevel: 'eventual' } });
    expect(n.text()).toBe('250');
    const found = await client.api('/users').header('ConsistencyLevel', 'eventual').search('"displayName:adele"').get();
    expect(found.value.map((u: { displayName: string }) => u.displayName)).toEqual(['Adele Vance']);
    await expect(client.api('/users').search('"displayName:adele"').get()).rejects.toMatchObject({ statusCode: 400 });
  });

  it('registers an application, a secret, a service principal and admin consent; the new app gets exactly the granted roles', async () => {
    const client = simulatorGraphClient(sim);
    const app = await client.api('/applications').post({
      displayName: 'Holdfast onboarding test',
      signInAudience: 'AzureADMyOrg',
      requiredResourceAccess: [{ resourceAppId: GRAPH_APP_ID, resourceAccess: [{ id: ROLE_USER_READ_ALL, type: 'Role' }] }],
    });
    expect(app.appId).toMatch(/^[0-9a-f-]{36}$/);
    const pwd = await client.api(`/applications/${app.id}/addPassword`).post({ passwordCredential: { displayName: 'holdfast' } });
    expect(pwd.secretText).toBeTruthy();
    const again = await client.api(`/applications/${app.id}`).get();
    expect(again.passwordCredentials[0].secretText).toBeNull();
    const sp = await client.api('/servicePrincipals').post({ appId: app.appId });
    const graphSp = (await client.api('/servicePrincipals').filter(`appId eq '${GRAPH_APP_ID}'`).get()).value[0];
    expect(graphSp.appRoles.find((r: { value: string }) => r.value === 'Mail.Read').id).toBe(ROLE_MAIL_READ);
    const opts = simulatorIdentityOptions(sim);
    // before consent: a token without roles; Graph answers 403 as Graph does
    const noRoles = new ClientSecretCredential(sim.tenantId, app.appId, pwd.secretText, opts);
    const t0 = await noRoles.getToken('https://graph.microsoft.com/.default');
    expect(JSON.parse(Buffer.from(t0!.token.split('.')[1], 'base64url').toString()).roles).toBeUndefined();
    const denied = await graphRaw(sim, '/users', { token: t0!.token });
    expect(denied.status).toBe(403);
    expect(denied.json().error.code).toBe('Authorization_RequestDenied');
    expect(denied.json().error.message).toBe('Insufficient privileges to complete the operation.');

    const assignment = await client.api(`/servicePrincipals/${graphSp.id}/appRoleAssignedTo`).post({ principalId: sp.id, resourceId: graphSp.id, appRoleId: ROLE_USER_READ_ALL });
    expect(assignment).toMatchObject({ principalId: sp.id, resourceId: graphSp.id, appRoleId: ROLE_USER_READ_ALL });
    const fresh = new ClientSecretCredential(sim.tenantId, app.appId, pwd.secretText, opts);
    const t1 = await fresh.getToken('https://graph.microsoft.com/.default');
    expect(JSON.parse(Buffer.from(t1!.token.split('.')[1], 'base64url').toString()).roles).toEqual(['User.Read.All']);
    const ok = await graphRaw(sim, '/users?$top=1', { token: t1!.token });
    expect(ok.status).toBe(200);
    const mail = await graphRaw(sim, `/users/${ok.json().value[0].id}/simProbe`, { token: t1!.token });
    expect(mail.status).toBe(403);
    expect(mail.json().error.code).toBe('ErrorAccessDenied');
  });

  it('users/delta: full round, then created, soft-deleted (@removed changed) and restored users; $deltatoken=latest', async () => {
    const client = simulatorGraphClient(sim);
    let page = await client.api('/users/delta').select('id,displayName').get();
    let seen = 0;
    while (page['@odata.nextLink']) {
      seen += page.value.length;
      page = await client.api(page['@odata.nextLink']).get();
    }
    seen += page.value.length;
    expect(seen).toBeGreaterThanOrEqual(250);
    const deltaLink = page['@odata.deltaLink'];
    expect(deltaLink).toContain('$deltatoken=');
    const latest = await client.api('/users/delta?$deltatoken=latest').get();
    expect(latest.value).toEqual([]);
    const created = await sim.control('POST', `/tenants/${sim.tenantId}/mutations/directory.createUser`, { displayName: 'Delta Person' });
    const victim = (await client.api('/users').filter("startswith(userPrincipalName,'admin')").get()).value[0];
    await sim.control('POST', `/tenants/${sim.tenantId}/mutations/directory.deleteUser`, { user: victim.id });
    const changes = await client.api(deltaLink).get();
    expect(changes.value).toEqual([
      expect.objectContaining({ id: created.id, displayName: 'Delta Person' }),
      { id: victim.id, '@removed': { reason: 'changed' } },
    ]);
    expect(Object.keys(changes.value[0]).sort()).toEqual(['displayName', 'id']); // $select bound in the token
    const fromLatest = await client.api(latest['@odata.deltaLink']).get();
    expect(fromLatest.value.map((v: { id: string }) => v.id)).toEqual([created.id, victim.id]);
    await sim.control('POST', `/tenants/${sim.tenantId}/mutations/directory.restoreUser`, { id: victim.id });
    const restored = await client.api(changes['@odata.deltaLink']).get();
    expect(restored.value).toEqual([expect.objectContaining({ id: victim.id })]);
  });

  it('answers 401 without a token and 400 for unknown segments', async () => {
    const r = await simRequest(`${sim.graphBaseUrl}/users`, sim.caPem);
    expect(r.status).toBe(401);
    expect(r.json().error.code).toBe('InvalidAuthenticationToken');
    const u = await graphRaw(sim, '/nothingHere');
    expect(u.status).toBe(400);
    expect(u.json().error.message).toBe("Resource not found for the segment 'nothingHere'.");
    expect(u.json().error.innerError['request-id']).toBe(u.headers['request-id']);
  });

  describe('$batch', () => {
    it('runs up to 20 requests, honours dependsOn and answers 424 for dependants of a failure', async () => {
      const client = simulatorGraphClient(sim);
      const res = await client.api('/$batch').post({
        requests: [
          { id: '1', method: 'GET', url: '/users?$top=2&$select=id' },
          { id: '2', method: 'GET', url: '/users/does-not-exist' },
          { id: '3', method: 'GET', url: '/organization', dependsOn: ['1'] },
          { id: '4', method: 'GET', url: '/organization', dependsOn: ['2'] },
        ],
      });
      const by = Object.fromEntries(res.responses.map((r: { id: string }) => [r.id, r]));
      expect(by['1'].status).toBe(200);
      expect(by['1'].body.value).toHaveLength(2);
      expect(by['2'].status).toBe(404);
      expect(by['2'].body.error.code).toBe('Request_ResourceNotFound');
      expect(by['3'].status).toBe(200);
      expect(by['4'].status).toBe(424);
    });

    it('rejects more than 20 requests and duplicate ids', async () => {
      const many = Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/organization' }));
      const r1 = await graphRaw(sim, '/$batch', { method: 'POST', body: { requests: many } });
      expect(r1.status).toBe(400);
      const r2 = await graphRaw(sim, '/$batch', { method: 'POST', body: { requests: [{ id: 'a', method: 'GET', url: '/organization' }, { id: 'a', method: 'GET', url: '/organization' }] } });
      expect(r2.status).toBe(400);
    });

    it('returns a throttled sub-request as 429 with its own Retry-After', async () => {
      const users = await simulatorGraphClient(sim).api('/users').select('id').top(1).get();
      const mbx = users.value[0].id;
      await sim.control('PUT', '/throttle', { mode: 'realistic', limits: { outlookRequests: 3 }, reset: true });
      try {
        const requests = Array.from({ length: 5 }, (_, i) => ({ id: `m${i}`, method: 'GET', url: `/users/${mbx}/simProbe` }));
        const r = await graphRaw(sim, '/$batch', { method: 'POST', body: { requests } });
        expect(r.status).toBe(200);
        const statuses = r.json().responses.map((x: { status: number }) => x.status).sort();
        expect(statuses).toEqual([200, 200, 200, 429, 429]);
        const t = r.json().responses.find((x: { status: number }) => x.status === 429);
        expect(Number(t.headers['Retry-After'])).toBeGreaterThan(0);
        expect(t.body.error.code).toBe('TooManyRequests');
      } finally {
        await sim.control('PUT', '/throttle', { mode: 'off', limits: { outlookRequests: 10000 }, reset: true });
      }
    });
  });
});

import { simRequest, simulatorCredential, simulatorGraphClient, startSimulator, type RunningSimulator } from '@holdfast/testing';

async function tokenOf(sim: RunningSimulator): Promise<string> {
  return (await simulatorCredential(sim).getToken('https://graph.microsoft.com/.default'))!.token;
}

function get(sim: RunningSimulator, token: string, path: string, headers: Record<string, string> = {}) {
  return simRequest(`${sim.graphBaseUrl}${path}`, sim.caPem, { headers: { Authorization: `Bearer ${token}`, ...headers } });
}

async function until(cond: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition never became true');
}

describe('throttling, faults, delta and persistence', () => {
  let sim: RunningSimulator;
  let token: string;
  let mailbox: string;
  let upn: string;
  beforeAll(async () => {
    sim = await startSimulator({ users: 3, modules: [], probe: true, throttle: 'realistic', timeScale: 600 });
    token = await tokenOf(sim);
    const u = (await get(sim, token, '/users?$select=id,userPrincipalName&$top=1')).json().value[0];
    mailbox = u.id;
    upn = u.userPrincipalName;
  }, 60_000);
  afterAll(() => sim?.stop());
  beforeEach(() => sim.control('POST', '/metrics/reset'));

  it('answers the 5th concurrent request on one mailbox with 429 MailboxConcurrency; other mailboxes are not affected', async () => {
    const held = [0, 1, 2, 3].map((i) => get(sim, token, `/users/${i % 2 ? upn : mailbox}/simProbe?hold=c1`));
    await until(async () => (await sim.control('GET', '/probe/holds/c1')).waiting === 4);
    const fifth = await get(sim, token, `/users/${mailbox}/simProbe`);
    expect(fifth.status).toBe(429);
    expect(fifth.json().error).toMatchObject({ code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' });
    expect(Number(fifth.headers['retry-after'])).toBeGreaterThan(0);
    const users = (await get(sim, token, '/users?$select=id')).json().value;
    const other = await get(sim, token, `/users/${users[1].id}/simProbe`);
    expect(other.status).toBe(200);
    await sim.control('POST', '/probe/holds/c1/release');
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const m = await sim.control('GET', '/metrics');
    expect(m.peakConcurrencyByMailbox[mailbox.toLowerCase()]).toBe(4);
    expect(m.throttledByReason.MailboxConcurrency).toBe(1);
  });

  it('exhausts the per-mailbox window (scaled) with the TooManyRequests body; the SDK retry honours Retry-After', async () => {
    await sim.control('PUT', '/throttle', { limits: { outlookRequests: 5 }, timeScale: 60, reset: true }); // 10 s window
    try {
      const statuses: number[] = [];
      let throttled: Awaited<ReturnType<typeof get>> | undefined;
      for (let i = 0; i < 7; i++) {
        const r = await get(sim, token, `/users/${mailbox}/simProbe`);
        statuses.push(r.status);
        if (r.status === 429) throttled = r;
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      const body = throttled!.json();
      expect(body.error.code).toBe('TooManyRequests');
      expect(body.error.message).toBe('Please retry again later.');
      expect(body.error.innerError).toMatchObject({ code: '429', status: '429' });
      const ra = Number(throttled!.headers['retry-after']);
      expect(ra).toBeGreaterThan(0);
      expect(ra).toBeLessThanOrEqual(10); // 10 minutes / 60
      const m = await sim.control('GET', '/metrics');
      expect(m.byKind['probe.outlook']['429']).toBe(2);
      // same shape at a larger scale: the official client retries after Retry-After and gets through
      await sim.control('PUT', '/throttle', { timeScale: 600, reset: true });
      for (let i = 0; i < 5; i++) await get(sim, token, `/users/${mailbox}/simProbe`);
      const res = await simulatorGraphClient(sim).api(`/users/${mailbox}/simProbe`).get();
      expect(res.mailbox).toBe(mailbox.toLowerCase());
    } finally {
      await sim.control('PUT', '/throttle', { limits: { outlookRequests: 10000 }, timeScale: 600, reset: true });
    }
  });

  it('limits upload volume per mailbox (IncomingBytes)', async () => {
    await sim.control('PUT', '/throttle', { limits: { outlookUploadBytes: 1000 }, reset: true });
    try {
      const post = (n: number) =>
        simRequest(`${sim.graphBaseUrl}/users/${mailbox}/simProbe/upload`, sim.caPem, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream', 'Content-Length': String(n) },
          body: Buffer.alloc(n),
        });
      expect((await post(600)).status).toBe(201);
      const second = await post(600);
      expect(second.status).toBe(429);
      expect(second.json().error.message).toBe('Application is over its IncomingBytes limit.');
    } finally {
      await sim.control('PUT', '/throttle', { limits: { outlookUploadBytes: 150 * 1024 * 1024 }, reset: true });
    }
  });

  it('charges SharePoint resource units by licence count, with RateLimit headers past 80%', async () => {
    // 3 licensed-ish users => the smallest budget: 1,250 RU per (scaled) minute
    let r = await get(sim, token, '/sites/simProbe?ru=1000');
    expect(r.status).toBe(200);
    expect(r.headers['ratelimit-limit']).toBeUndefined();
    r = await get(sim, token, '/sites/simProbe?ru=5');
    expect(r.status).toBe(200);
    expect(r.headers['ratelimit-limit']).toBe('1250');
    expect(Number(r.headers['ratelimit-remaining'])).toBe(245);
    r = await get(sim, token, '/sites/simProbe?ru=300');
    expect(r.status).toBe(429);
    expect(r.json().error.code).toBe('activityLimitReached');
    expect(r.headers['retry-after']).toBeTruthy();
  });

  it('limits Teams requests per second per team', async () => {
    await sim.control('PUT', '/throttle', { timeScale: 1 }); // a scaled second would be 2 ms
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await get(sim, token, '/teams/t1/simProbe')).status);
      // at most 4 per second on one team (a window may slide once during the loop)
      expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200]);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
      expect((await get(sim, token, '/teams/t2/simProbe')).status).toBe(200);
    } finally {
      await sim.control('PUT', '/throttle', { timeScale: 600, reset: true });
    }
  });

  it('injects seeded faults: 500/503 bodies, resets, truncation', async () => {
    await sim.control('PUT', '/throttle', { mode: 'off' });
    try {
      await sim.control('PUT', '/faults', { rates: { '503': 1 }, routes: ['directory.organization'], seed: 3 });
      const r = await get(sim, token, '/organization');
      expect(r.status).toBe(503);
      expect(r.headers['retry-after']).toBeTruthy();
      expect((await get(sim, token, '/users?$top=1')).status).toBe(200); // other routes unaffected
      await sim.control('PUT', '/faults', { rates: { '500': 1 } });
      expect((await get(sim, token, '/organization')).json().error.code).toBe('InternalServerError');
      await sim.control('PUT', '/faults', { rates: { reset: 1 } });
      await expect(get(sim, token, '/organization')).rejects.toThrow(/socket hang up|ECONNRESET/);
      await sim.control('PUT', '/faults', { rates: { truncate: 1 } });
      const t = await get(sim, token, '/organization').catch((e: Error) => e);
      if (!(t instanceof Error)) expect(() => t.json()).toThrow();
      await sim.control('PUT', '/faults', { rates: { '500': 0.5 }, seed: 11 });
      const seq1: number[] = [];
      for (let i = 0; i < 12; i++) seq1.push((await get(sim, token, '/organization')).status);
      await sim.control('PUT', '/faults', { rates: { '500': 0.5 }, seed: 11 });
      const seq2: number[] = [];
      for (let i = 0; i < 12; i++) seq2.push((await get(sim, token, '/organization')).status);
      expect(seq2).toEqual(seq1); // seeded: same sequence
      expect(seq1).toContain(500);
      expect(seq1).toContain(200);
      const m = await sim.control('GET', '/faults');
      expect(m.injected['500']).toBeGreaterThan(0);
    } finally {
      await sim.control('PUT', '/faults', { rates: {}, routes: [] });
      await sim.control('PUT', '/throttle', { mode: 'realistic', reset: true });
    }
  });

  it('delta: initial round pages to a deltaLink, then reports changes and removals; expiry answers 410', async () => {
    const all: { id: string }[] = [];
    let url: string | undefined = `${sim.graphBaseUrl}/simProbe/items/delta`;
    let deltaLink = '';
    while (url) {
      const r: Record<string, any> = (await simRequest(url, sim.caPem, { headers: { Authorization: `Bearer ${token}` } })).json();
      all.push(...r.value);
      url = r['@odata.nextLink'];
      if (r['@odata.deltaLink']) deltaLink = r['@odata.deltaLink'];
    }
    expect(all).toHaveLength(25);
    expect(deltaLink).toContain('$deltatoken=');
    const changed = await sim.control('POST', `/tenants/${sim.tenantId}/mutations/probe.change`, { id: all[3].id, kind: 'updated', name: 'renamed' });
    await sim.control('POST', `/tenants/${sim.tenantId}/mutations/probe.change`, { id: all[5].id, kind: 'deleted' });
    const d = (await simRequest(deltaLink, sim.caPem, { headers: { Authorization: `Bearer ${token}` } })).json();
    expect(d.value).toEqual([{ id: changed.id, name: 'renamed', version: 1 }, { id: all[5].id, '@removed': { reason: 'deleted' } }]);
    await sim.control('POST', '/delta/expire', { prefix: 'probe:' });
    const gone = await simRequest(d['@odata.deltaLink'], sim.caPem, { headers: { Authorization: `Bearer ${token}` } });
    expect(gone.status).toBe(410);
    expect(gone.json().error.code).toBe('syncStateNotFound');
  });

  it('slow responses still answer, and a vanishing item is deleted for real (404, then @removed in delta)', async () => {
    await sim.control('PUT', '/throttle', { mode: 'off' });
    try {
      await sim.control('PUT', '/faults', { rates: { slow: 1 }, slowMs: 20, routes: ['directory.organization'] });
      expect((await get(sim, token, '/organization')).status).toBe(200);
      expect((await sim.control('GET', '/faults')).injected.slow).toBeGreaterThanOrEqual(1);
      const first = (await get(sim, token, '/simProbe/items/delta')).json();
      const link = first['@odata.nextLink'];
      let page = first;
      let deltaLink = '';
      for (let url = link; url; ) {
        page = (await simRequest(url, sim.caPem, { headers: { Authorization: `Bearer ${token}` } })).json();
        url = page['@odata.nextLink'];
        deltaLink = page['@odata.deltaLink'] ?? deltaLink;
      }
      const victim = first.value[0].id;
      await sim.control('PUT', '/faults', { rates: { vanish: 1 }, routes: ['probe.items.get'], slowMs: 1500 });
      const r = await get(sim, token, `/simProbe/items/${victim}`);
      expect(r.status).toBe(404);
      await sim.control('PUT', '/faults', { rates: {}, routes: [] });
      expect((await get(sim, token, `/simProbe/items/${victim}`)).status).toBe(404);
      const d = (await simRequest(deltaLink, sim.caPem, { headers: { Authorization: `Bearer ${token}` } })).json();
      expect(d.value).toContainEqual({ id: victim, '@removed': { reason: 'deleted' } });
    } finally {
      await sim.control('PUT', '/faults', { rates: {}, routes: [] });
      await sim.control('PUT', '/throttle', { mode: 'realistic', reset: true });
    }
  });
});

describe('persistence', () => {
  it('keeps the world, journaled mutations and the client secret across restarts', async () => {
    const sim = await startSimulator({ users: 4, modules: [], probe: true });
    try {
      const before = { clientSecret: sim.clientSecret, tenantId: sim.tenantId, clientId: sim.clientId };
      const client = simulatorGraphClient(sim);
      const app = await client.api('/applications').post({ displayName: 'survives restart' });
      const secret = (await client.api(`/applications/${app.id}/addPassword`).post({})).secretText;
      await client.api('/servicePrincipals').post({ appId: app.appId });
      await sim.control('POST', `/tenants/contoso/mutations/directory.createUser`, { displayName: 'Zoë Restart', userPrincipalName: 'zoe.restart@contoso.onmicrosoft.com' });
      const usersBefore = (await client.api('/users').select('id,displayName').get()).value;
      await sim.restart();
      expect({ clientSecret: sim.clientSecret, tenantId: sim.tenantId, clientId: sim.clientId }).toEqual(before);
      const client2 = simulatorGraphClient(sim);
      const usersAfter = (await client2.api('/users').select('id,displayName').get()).value;
      expect(usersAfter).toEqual(usersBefore);
      expect(usersAfter.map((u: { displayName: string }) => u.displayName)).toContain('Zoë Restart');
      const apps = (await client2.api('/applications').filter(`displayName eq 'survives restart'`).get()).value;
      expect(apps).toHaveLength(1);
      // the secret issued before the restart still works (only its hash was journaled)
      const r = await simRequest(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`, sim.caPem, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: apps[0].appId, client_secret: secret, grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' }).toString(),
      });
      expect(r.status).toBe(200);
    } finally {
      await sim.stop();
    }
  }, 60_000);
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, GraphError, ResponseType } from '@microsoft/microsoft-graph-client';
import { RunningSimulator, StartSimulatorOptions, simulatorGraphClient, startSimulator } from '@holdfast/testing';

const REPO = path.resolve(__dirname, '../../../..');

async function allPages(client: Client, url: string): Promise<{ items: any[]; deltaLink?: string }> {
  const items: any[] = [];
  let next: string | undefined = url;
  let deltaLink: string | undefined;
  while (next) {
    const page = await client.api(next).get();
    items.push(...page.value);
    next = page['@odata.nextLink'];
    deltaLink = page['@odata.deltaLink'];
  }
  return { items, deltaLink };
}

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e) {
    return (e as GraphError).statusCode;
  }
}

const value = async (client: Client, url: string) => Buffer.from(await client.api(url).responseType(ResponseType.ARRAYBUFFER).get());

describe('exchange state: journal replay, offline import, vanishing items, mass changes', () => {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'exchange-state-'));
  const opts: StartSimulatorOptions = { stateDir, users: 3, messagesPerUser: 60, modules: ['exchange'], throttle: 'off', seed: 11 };
  let sim: RunningSimulator;
  let client: Client;
  let upn: string;

  beforeAll(async () => {
    sim = await startSimulator(opts);
    client = simulatorGraphClient(sim);
    upn = (await client.api('/users').select('userPrincipalName').get()).value[1].userPrincipalName;
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('reports an item that vanishes between list and fetch as 404, then as deleted in delta', async () => {
    const round = await allPages(client, `/users/${upn}/mailFolders/junkemail/messages/delta`);
    const victim = round.items[0];
    await sim.control('PUT', '/faults', { rates: { vanish: 1 }, routes: ['exchange.messages.get'] });
    try {
      expect(await status(client.api(`/users/${upn}/messages/${victim.id}`).get())).toBe(404);
    } finally {
      await sim.control('PUT', '/faults', { rates: {}, routes: [] });
    }
    const next = await allPages(client, round.deltaLink!);
    expect(next.items).toEqual([expect.objectContaining({ id: victim.id, '@removed': { reason: 'deleted' } })]);
    const deletions = (await client.api(`/users/${upn}/mailFolders/recoverableitemsdeletions/messages`).select('internetMessageId').top(100).get()).value;
    expect(deletions.map((m: any) => m.internetMessageId)).toContain(victim.internetMessageId);
  });

  it('a ransomware event rewrites many messages: delta sees updates, bodies and MIME change', async () => {
    const round = await allPages(client, `/users/${upn}/mailFolders/sentitems/messages/delta?$select=subject`);
    const before = round.items.slice(0, 3);
    const mimeBefore = await value(client, `/users/${upn}/messages/${before[0].id}/$value`);
    const r = await sim.control('POST', `/tenants/${sim.tenantId}/mutations/exchange.ransomware`, { user: upn, folder: 'sentitems' });
    expect(r.rewritten).toBe(round.items.length);
    const next = await allPages(client, round.deltaLink!);
    expect(next.items.length).toBe(round.items.length);
    for (const m of next.items) expect(m.subject).toMatch(/^\[ENCRYPTED\] /);
    const after = await client.api(`/users/${upn}/messages/${before[0].id}`).get();
    expect(after.body.content).toContain('ENCRYPTED');
    const atts = (await client.api(`/users/${upn}/messages/${before[0].id}/attachments`).get()).value;
    expect(atts.map((a: any) => a.name)).toEqual(['README-DECRYPT.txt']);
    const mimeAfter = await value(client, `/users/${upn}/messages/${before[0].id}/$value`);
    expect(mimeAfter.equals(mimeBefore)).toBe(false);
    expect(mimeAfter.toString('utf8')).toContain('[ENCRYPTED]');
  });

  it('counts Outlook requests per application and mailbox (UPN and id alike), one mailbox not slowing another', async () => {
    const users = (await client.api('/users').select('id,userPrincipalName').get()).value;
    const [a, b] = [users[1], users[2]];
    const noRetry = simulatorGraphClient(sim, { retry: false });
    await sim.control('PUT', '/throttle', { mode: 'realistic', limits: { outlookRequests: 4 }, reset: true });
    try {
      for (let i = 0; i < 2; i++) await noRetry.api(`/users/${a.userPrincipalName}/mailFolders/inbox`).get();
      for (let i = 0; i < 2; i++) await noRetry.api(`/users/${a.id}/mailFolders/inbox`).get();
      const throttled = await noRetry
        .api(`/users/${a.id}/mailFolders/inbox/messages`)
        .get()
        .then(
          () => undefined,
          (e: GraphError) => e,
        );
      expect(throttled?.statusCode).toBe(429);
      expect((await noRetry.api(`/users/${b.userPrincipalName}/mailFolders/inbox`).get()).displayName).toBe('Inbox');
    } finally {
      await sim.control('PUT', '/throttle', { mode: 'off', limits: { outlookRequests: 10_000 }, reset: true });
    }
  });

  it('tracks contacts with delta', async () => {
    const round = await allPages(client, `/users/${upn}/contacts/delta`);
    expect(round.items.length).toBeGreaterThan(0);
    const added = await sim.control('POST', `/tenants/${sim.tenantId}/mutations/exchange.createContact`, { user: upn, givenName: 'Neu', surname: 'Kontakt', email: 'neu@example.org' });
    await sim.control('POST', `/tenants/${sim.tenantId}/mutations/exchange.deleteContact`, { user: upn, contactId: round.items[0].id });
    const next = await allPages(client, round.deltaLink!);
    const byId = new Map(next.items.map((c: any) => [c.id, c]));
    expect(byId.get(added.id)).toMatchObject({ displayName: 'Neu Kontakt' });
    expect(byId.get(round.items[0].id)).toMatchObject({ '@removed': { reason: 'deleted' } });
  });

  it('keeps Graph writes after a restart and imports .eml into a stopped simulator', async () => {
    const folder = await client.api(`/users/${upn}/mailFolders/inbox/childFolders`).post({ displayName: 'Vor dem Neustart' });
    const mime = Buffer.from('From: a@example.org\r\nTo: b@example.org\r\nSubject: persisted\r\nDate: Wed, 01 May 2024 12:00:00 +0000\r\n\r\nbody\r\n');
    const created = await client.api(`/users/${upn}/mailFolders/${folder.id}/messages`).header('Content-Type', 'text/plain').post(mime.toString('base64'));
    await client.api(`/users/${upn}/messages/${created.id}`).patch({ isRead: false, flag: { flagStatus: 'flagged' } });
    const inboxBefore = await client.api(`/users/${upn}/mailFolders/inbox`).get();
    await sim.stop();

    const dir = mkdtempSync(path.join(os.tmpdir(), 'eml-offline-'));
    const offline = Buffer.from('From: x@example.org\r\nSubject: offline import\r\nDate: Thu, 02 May 2024 12:00:00 +0000\r\n\r\nwritten while stopped\r\n');
    writeFileSync(path.join(dir, 'a.eml'), offline);
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin/holdfast.js'), 'sim', 'import-eml', '--state-dir', stateDir, '--user', upn, '--folder', 'Archive/Offline', path.join(dir, 'a.eml')], { cwd: REPO, encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({ imported: 1, online: false });

    sim = await startSimulator(opts);
    client = simulatorGraphClient(sim);
    const again = await client.api(`/users/${upn}/messages/${created.id}`).get();
    expect(again).toMatchObject({ subject: 'persisted', isRead: false, flag: { flagStatus: 'flagged' }, isDraft: true });
    expect((await value(client, `/users/${upn}/messages/${created.id}/$value`)).equals(mime)).toBe(true);
    const inboxAfter = await client.api(`/users/${upn}/mailFolders/inbox`).get();
    expect(inboxAfter).toMatchObject({ totalItemCount: inboxBefore.totalItemCount, unreadItemCount: inboxBefore.unreadItemCount, childFolderCount: inboxBefore.childFolderCount });

    const archiveChildren = (await client.api(`/users/${upn}/mailFolders/archive/childFolders`).top(50).get()).value;
    const off = archiveChildren.find((f: any) => f.displayName === 'Offline');
    const msgs = (await client.api(`/users/${upn}/mailFolders/${off.id}/messages`).get()).value;
    expect(msgs.map((m: any) => m.subject)).toEqual(['offline import']);
    expect((await value(client, `/users/${upn}/messages/${msgs[0].id}/$value`)).equals(offline)).toBe(true);
  });
});

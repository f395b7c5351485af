import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createTokenProvider, GraphClient, pageAll, resolveCloud } from '@holdfast/graph';
import { LocalBackend, Repository, type TenantRepository } from '@holdfast/repository';
import { startSimulator, type RunningSimulator } from '@holdfast/testing';
import { backupMailbox, type MailboxBackupResult } from './mailbox-backup.usecase';
import type { MailboxEntry } from './mailbox-sync-state';

// Real simulator over HTTPS and a real repository on disk: a bound against hangs, not a timing check.
jest.setTimeout(120_000);

type Mail = Extract<MailboxEntry, { kind: 'mail' }>;

describe('mailbox backup against the simulator', () => {
  let sim: RunningSimulator;
  let graph: GraphClient;
  let repo: Repository;
  let tenant: TenantRepository;
  let upn: string;
  const dir = mkdtempSync(path.join(tmpdir(), 'hf-mailbox-'));
  const control = <T>(name: string, params: Record<string, unknown>) => sim.control<T>('POST', `/tenants/${sim.tenantId}/mutations/${name}`, params);

  const entriesOf = async (manifestId: string): Promise<MailboxEntry[]> => {
    const out: MailboxEntry[] = [];
    for await (const item of tenant.readManifest(manifestId)) out.push(item as unknown as MailboxEntry);
    return out;
  };
  const mailOf = async (manifestId: string) => new Map((await entriesOf(manifestId)).filter((e): e is Mail => e.kind === 'mail').map((e) => [e.id, e]));
  const fetchMime = async (id: string): Promise<Buffer> => {
    const res = await graph.stream({ path: `/users/${upn}/messages/${id}/$value`, pacing: { workload: 'exchange', mailbox: upn } });
    const chunks: Buffer[] = [];
    for await (const c of res.body) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  /** Every message the mailbox holds now, by immutable id -> folder id (visible folders). */
  const liveMailbox = async (): Promise<Map<string, string>> => {
    const folders = await pageAll<{ id: string; isHidden?: boolean }>(graph, { path: `/users/${upn}/mailFolders/delta` });
    const out = new Map<string, string>();
    for (const f of folders.filter((x) => !x.isHidden)) {
      const msgs = await pageAll<{ id: string; parentFolderId: string }>(graph, {
        path: `/users/${upn}/mailFolders/${f.id}/messages`,
        query: { $select: 'id,parentFolderId', $top: 500 },
      });
      for (const m of msgs) out.set(m.id, m.parentFolderId);
    }
    return out;
  };

  beforeAll(async () => {
    sim = await startSimulator({ users: 3, messagesPerUser: 30, modules: ['exchange'], throttle: 'off', seed: 21 });
    const cloud = resolveCloud('global', { authorityHost: sim.authorityHost, graphEndpoint: sim.graphBaseUrl });
    const tokenProvider = createTokenProvider(
      { kind: 'client-secret', tenantId: sim.tenantId, clientId: sim.clientId, clientSecret: sim.clientSecret },
      { cloud, ca: sim.caPem },
    );
    graph = new GraphClient({ tenantId: sim.tenantId, cloud, apps: [{ appId: sim.clientId, tokenProvider }], ca: sim.caPem, retry: { baseDelayMs: 50, maxDelayMs: 500 } });
    repo = await Repository.init(new LocalBackend(dir, { fsync: false }), { password: 'test-password', scrypt: { N: 1024, r: 8, p: 1 } });
    tenant = await repo.openTenant('msp-test', { write: true });
    const users = await pageAll<{ userPrincipalName: string }>(graph, { path: '/users', query: { $select: 'userPrincipalName' } });
    upn = users[1].userPrincipalName;
  }, 120_000);

  afterAll(async () => {
    await tenant?.close();
    graph?.close();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  let first: MailboxBackupResult;
  let second: MailboxBackupResult;

  it('takes a full backup: every message of every visible folder, MIME byte-identical, with Exchange properties', async () => {
    const progress: string[] = [];
    let clock = Date.now();
    first = await backupMailbox({
      graph,
      repository: tenant,
      mailbox: upn,
      labels: { object: upn },
      pageSize: 10,
      now: () => (clock += 1000),
      progressIntervalMs: 5000,
      onProgress: (p) => void progress.push(p.phase),
    });
    expect(first.fullEnumeration).toBe(true);
    expect(first.skipped).toEqual([]);

    const live = await liveMailbox();
    const mail = await mailOf(first.manifestId);
    expect(live.size).toBeGreaterThan(10);
    expect(new Map([...mail].map(([id, e]) => [id, e.folderId]))).toEqual(live);
    expect(first.counts.added).toBe(first.counts.items);
    expect(first.counts).toMatchObject({ removed: 0, changed: 0, skipped: 0 });

    const entries = await entriesOf(first.manifestId);
    expect(entries.filter((e) => e.kind === 'folder').map((e) => (e as { displayName: string }).displayName)).toEqual(
      expect.arrayContaining(['Inbox', 'Archive', 'Deleted Items', 'Sent Items']),
    );
    expect(entries.some((e) => e.kind === 'contact')).toBe(true);
    expect(entries.some((e) => e.kind === 'event')).toBe(true);

    // MIME as served by $value, byte for byte, and properties MIME lacks
    const sample = [...mail.values()].slice(0, 5);
    for (const e of sample) expect((await tenant.readContent(e.content)).equals(await fetchMime(e.id))).toBe(true);
    const one = await graph.get<{ isRead: boolean; importance: string; flag: { flagStatus: string }; categories: string[] }>(`/users/${upn}/messages/${sample[0].id}`, {
      query: { $select: 'isRead,importance,flag,categories' },
    });
    expect({ isRead: sample[0].isRead, importance: sample[0].importance, flag: sample[0].flag.flagStatus, categories: sample[0].categories }).toEqual({
      isRead: one.isRead,
      importance: one.importance,
      flag: one.flag.flagStatus,
      categories: one.categories,
    });
    expect(first.bytes).toBeGreaterThan(0);
    // progress is periodic (every 5 fake seconds) plus the final report, not per item
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.length).toBeLessThan(first.counts.items);
    expect(progress[progress.length - 1]).toBe('manifest');
  });

  it('records exactly the new mail, the move, the deletion and the read flag in the next incremental point', async () => {
    const before = await mailOf(first.manifestId);
    const inbox = (await graph.get<{ id: string }>(`/users/${upn}/mailFolders/inbox`, { query: { $select: 'id' } })).id;
    const archive = (await graph.get<{ id: string }>(`/users/${upn}/mailFolders/archive`, { query: { $select: 'id' } })).id;
    const inInbox = [...before.values()].filter((e) => e.folderId === inbox);
    const [toMove, toDelete] = inInbox;
    const toRead = inInbox.find((e) => !e.isRead && e !== toMove && e !== toDelete)!;
    expect(toRead).toBeDefined();

    const arrived = await control<{ messages: { immutableId: string }[] }>('exchange.newMail', { user: upn, count: 2, subject: 'Fresh news' });
    await control('exchange.moveMessage', { user: upn, messageId: toMove.id, toFolder: 'archive' });
    await control('exchange.deleteMessage', { user: upn, messageId: toDelete.id, permanent: true });
    await control('exchange.editMessage', { user: upn, messageId: toRead.id, isRead: true });

    second = await backupMailbox({ graph, repository: tenant, mailbox: upn, previous: first.state, pageSize: 10 });
    expect(second.fullEnumeration).toBe(false);
    const after = await mailOf(second.manifestId);

    const newIds = arrived.messages.map((m) => m.immutableId).sort();
    expect([...after.keys()].filter((id) => !before.has(id)).sort()).toEqual(newIds);
    expect([...before.keys()].filter((id) => !after.has(id))).toEqual([toDelete.id]);
    const changed = [...after.values()].filter((e) => before.has(e.id) && JSON.stringify(before.get(e.id)) !== JSON.stringify(e)).map((e) => e.id);
    expect(changed.sort()).toEqual([toMove.id, toRead.id].sort());
    expect(second.counts).toMatchObject({ added: 2, removed: 1, changed: 2, skipped: 0, items: first.counts.items + 1 });

    // the moved message keeps its stored content (no second download), in its new folder
    expect(after.get(toMove.id)).toMatchObject({ folderId: archive, content: toMove.content });
    expect(after.get(toRead.id)?.isRead).toBe(true);
    for (const id of newIds) {
      expect(after.get(id)).toMatchObject({ folderId: inbox, subject: 'Fresh news', isRead: false });
      expect((await tenant.readContent(after.get(id)!.content)).equals(await fetchMime(id))).toBe(true);
    }
    // only the two new messages were downloaded
    const newBytes = (await Promise.all(newIds.map(async (id) => (await fetchMime(id)).length))).reduce((a, b) => a + b, 0);
    expect(second.bytes).toBe(newBytes);
    expect(new Map([...after].map(([id, e]) => [id, e.folderId]))).toEqual(await liveMailbox());
  });

  it('falls back to a full enumeration when the delta state expired, losing and duplicating nothing', async () => {
    const before = await mailOf(second.manifestId);
    const victim = [...before.values()][3];
    await control('exchange.deleteMessage', { user: upn, messageId: victim.id, permanent: true });
    const arrived = await control<{ messages: { immutableId: string }[] }>('exchange.newMail', { user: upn, folder: 'archive', count: 1, subject: 'After expiry' });
    await sim.control('POST', '/delta/expire', { tenant: 'contoso', prefix: 'mail:' });

    const third = await backupMailbox({ graph, repository: tenant, mailbox: upn, previous: second.state, pageSize: 10 });
    expect(third.fullEnumeration).toBe(true);
    const after = await mailOf(third.manifestId);
    const entries = await entriesOf(third.manifestId);
    const keys = entries.map((e) => `${e.kind}:${e.id}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(after.has(victim.id)).toBe(false);
    expect(after.get(arrived.messages[0].immutableId)?.subject).toBe('After expiry');
    expect(third.counts).toMatchObject({ added: 1, removed: 1, changed: 0 });
    // unchanged messages keep their content reference
    for (const [id, e] of after) if (before.has(id)) expect(e.content).toBe(before.get(id)!.content);
    expect(new Map([...after].map(([id, e]) => [id, e.folderId]))).toEqual(await liveMailbox());
  });

  it('records messages deleted between list and fetch, and corrupt MIME, as skipped; retries the corrupt one next time', async () => {
    const arrived = await control<{ messages: { immutableId: string }[] }>('exchange.newMail', { user: upn, count: 3, subject: 'Tricky' });
    const [vanishing, corrupt, fine] = arrived.messages.map((m) => m.immutableId);
    const realFetch = async (id: string): Promise<Readable> =>
      (await graph.stream({ path: `/users/${upn}/messages/${id}/$value`, pacing: { workload: 'exchange', mailbox: upn } })).body;

    const run = await backupMailbox({
      graph,
      repository: tenant,
      mailbox: upn,
      previous: second.state,
      fetchMime: async (id) => {
        // a user deletes it right after the delta listed it: the real fetch answers 404
        if (id === vanishing) await control('exchange.deleteMessage', { user: upn, messageId: id, permanent: true });
        if (id === corrupt) return Readable.from([Buffer.from('\u0000\u0001 not a message at all')]);
        return realFetch(id);
      },
    });
    const reasons = Object.fromEntries(run.skipped.map((s) => [s.id, s.reason]));
    expect(reasons).toEqual({ [vanishing]: 'deleted before it could be read', [corrupt]: 'unreadable MIME: does not start with a header field' });
    expect(run.counts.skipped).toBe(2);
    const mail = await mailOf(run.manifestId);
    expect(mail.has(fine)).toBe(true);
    expect(mail.has(vanishing)).toBe(false);
    expect(mail.has(corrupt)).toBe(false);
    expect(run.state.retry).toEqual([{ id: corrupt, folderId: mail.get(fine)!.folderId }]);

    // next run: delta does not list the corrupt one again, the retry list brings it in
    const healed = await backupMailbox({ graph, repository: tenant, mailbox: upn, previous: run.state });
    const healedMail = await mailOf(healed.manifestId);
    expect((await tenant.readContent(healedMail.get(corrupt)!.content)).equals(await fetchMime(corrupt))).toBe(true);
    expect(healed.skipped).toEqual([]);
    expect(healed.state.retry).toEqual([]);
    expect(healedMail.has(vanishing)).toBe(false);
  });
});

import { createTokenProvider, GraphClient, resolveCloud } from '@holdfast/graph';
import { startSimulator, type RunningSimulator } from '@holdfast/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalBackend, Repository } from '@holdfast/repository';
import { buildTestPoint, testMime, type TestPoint } from '../testing/mailbox-point.int-helper';
import { InMemoryRestoreJournal, restoreMailbox } from './restore.usecase';
import { randomUUID } from 'node:crypto';
import { CATALOG } from '@holdfast/contracts';
import { eventStoreMigrations, PostgresEventStore, runMigrations } from '@holdfast/event-store';
import { createTestDatabase } from '@holdfast/testing';
import { Pool } from 'pg';
import { recoveryMigrations } from '../recovery.migrations';
import { runRestoreTask } from './restore-task.usecase';

jest.setTimeout(120_000);

describe('restore into Exchange (simulator)', () => {
  let sim: RunningSimulator;
  let graph: GraphClient;
  let point: TestPoint;
  let upn: string;
  let other: string;

  beforeAll(async () => {
    [sim, point] = await Promise.all([startSimulator({ users: 2, messagesPerUser: 2, throttle: 'off', modules: ['exchange'] }), buildTestPoint()]);
    const cloud = resolveCloud('global', { authorityHost: sim.authorityHost, graphEndpoint: sim.graphBaseUrl });
    const tokenProvider = createTokenProvider({ kind: 'client-secret', tenantId: sim.tenantId, clientId: sim.clientId, clientSecret: sim.clientSecret }, { cloud, ca: sim.caPem });
    graph = new GraphClient({ tenantId: sim.tenantId, cloud, apps: [{ appId: sim.clientId, tokenProvider }], ca: sim.caPem });
    const users = await graph.get<{ value: { userPrincipalName: string }[] }>('/users', { query: { $select: 'userPrincipalName' } });
    upn = users.value[0].userPrincipalName;
    other = users.value[1].userPrincipalName;
  });
  afterAll(async () => {
    await sim?.stop();
    await point?.cleanup();
  });

  const folderChildren = async (mbx: string, parent?: string) =>
    (await graph.get<{ value: { id: string; displayName: string }[] }>(parent ? `/users/${mbx}/mailFolders/${parent}/childFolders` : `/users/${mbx}/mailFolders`, { query: { $top: 100 } })).value;

  it('restores a message in place with the same MIME, read state, flag and categories, not as a draft', async () => {
    const report = await restoreMailbox({ graph, source: point.tenant, pointId: point.pointId, itemIds: ['m1'], targetMailbox: upn, inPlace: true, conflictPolicy: 'rename' });
    expect(report).toMatchObject({ status: 'success', counts: { total: 1, restored: 1, failed: 0 } });
    const id = report.restoredIds.m1;
    const msg = await graph.get<Record<string, unknown>>(`/users/${upn}/messages/${id}`, { query: { $select: 'isRead,isDraft,flag,categories,importance,subject,parentFolderId,sentDateTime,internetMessageId' } });
    expect(msg).toMatchObject({ isRead: true, isDraft: false, flag: { flagStatus: 'flagged' }, categories: ['Red', 'Blue'], importance: 'high', subject: 'Hello world', internetMessageId: '<msg1@fabrikam.com>' });
    expect(msg.sentDateTime).toBe('2025-03-04T10:01:00Z');
    const inbox = await graph.get<{ id: string }>(`/users/${upn}/mailFolders/inbox`);
    expect(msg.parentFolderId).toBe(inbox.id);
    const mime = await graph.stream({ path: `/users/${upn}/messages/${id}/$value` });
    const chunks: Buffer[] = [];
    for await (const c of mime.body) chunks.push(Buffer.from(c as Uint8Array));
    expect(Buffer.concat(chunks).equals(point.mimes.get('m1')!)).toBe(true);
  });

  it('applies the skip and overwrite conflict policies', async () => {
    const skip = await restoreMailbox({ graph, source: point.tenant, pointId: point.pointId, itemIds: ['m1'], targetMailbox: upn, inPlace: true, conflictPolicy: 'skip' });
    expect(skip.counts).toMatchObject({ restored: 0, skipped: 1 });
    const over = await restoreMailbox({ graph, source: point.tenant, pointId: point.pointId, itemIds: ['m1'], targetMailbox: upn, inPlace: true, conflictPolicy: 'overwrite' });
    expect(over.counts).toMatchObject({ restored: 1, skipped: 0 });
    const inbox = await graph.get<{ id: string }>(`/users/${upn}/mailFolders/inbox`);
    const copies = await graph.get<{ value: unknown[] }>(`/users/${upn}/mailFolders/${inbox.id}/messages`, { query: { $filter: "internetMessageId eq '<msg1@fabrikam.com>'" } });
    expect(copies.value).toHaveLength(1);
  });

  it('restores whole folders to another mailbox under a restore folder, keeping the tree, and resumes from its journal', async () => {
    const journal = new InMemoryRestoreJournal();
    await journal.record('m2', 'restored', 'earlier');
    const report = await restoreMailbox({ graph, source: point.tenant, pointId: point.pointId, folderPaths: ['Inbox'], targetMailbox: other, inPlace: false, restoreFolder: 'Holdfast restore', conflictPolicy: 'rename', journal });
    expect(report).toMatchObject({ status: 'success', restoreFolder: 'Holdfast restore', counts: { total: 6, restored: 6, failed: 0 } });
    // m2 came from the journal: not restored again
    expect(report.restoredIds.m2).toBeUndefined();
    expect(Object.keys(report.restoredIds)).toHaveLength(5);
    const top = (await folderChildren(other)).find((f) => f.displayName === 'Holdfast restore')!;
    const inbox = (await folderChildren(other, top.id)).find((f) => f.displayName === 'Inbox')!;
    expect((await folderChildren(other, inbox.id)).map((f) => f.displayName)).toEqual(['../../etc']);
    const msgs = await graph.get<{ value: { isDraft: boolean }[] }>(`/users/${other}/mailFolders/${inbox.id}/messages`, { query: { $select: 'isDraft' } });
    expect(msgs.value).toHaveLength(4);
    expect(msgs.value.every((m) => m.isDraft === false)).toBe(true);
    // a second restore with rename gets its own folder
    const again = await restoreMailbox({ graph, source: point.tenant, pointId: point.pointId, itemIds: ['m3'], targetMailbox: other, inPlace: false, restoreFolder: 'Holdfast restore', conflictPolicy: 'rename' });
    expect(again.restoreFolder).toBe('Holdfast restore (2)');
  });

  it('restores contacts and events from their Graph JSON', async () => {
    const report = await restoreMailbox({ graph, source: point.tenant, pointId: point.pointId, itemIds: ['c1', 'e1'], targetMailbox: other, inPlace: true, conflictPolicy: 'rename' });
    expect(report).toMatchObject({ status: 'success', counts: { total: 2, restored: 2 } });
    const contact = await graph.get<Record<string, unknown>>(`/users/${other}/contacts/${report.restoredIds.c1}`);
    expect(contact).toMatchObject({ displayName: 'Gina; Garcia, PhD', companyName: 'Tailspin' });
    expect(contact.emailAddresses).toEqual([expect.objectContaining({ address: 'gina@tailspin.com' })]);
    const event = await graph.get<Record<string, unknown>>(`/users/${other}/events/${report.restoredIds.e1}`);
    expect(event.subject).toBe('Board meeting, Q2');
  });

  it('runs as a task with events and resumes from its Postgres journal without restoring twice', async () => {
    const db = await createTestDatabase('hf_restore_task');
    await runMigrations(db.url, [eventStoreMigrations, { module: 'recovery', migrations: recoveryMigrations }]);
    const pool = new Pool({ connectionString: db.url, max: 3 });
    try {
      const store = new PostgresEventStore({ pool, notify: false, validate: CATALOG });
      const restoreId = randomUUID();
      const task = {
        store,
        pool,
        tenantId: 'msp-a',
        restoreId,
        organizationId: 'org-1',
        objectId: 'obj-bob',
        targetOrganizationId: 'org-1',
        progressIntervalMs: 0,
        request: { graph, source: point.tenant, pointId: point.pointId, folderPaths: ['CON'], targetMailbox: other, inPlace: false, restoreFolder: 'Task restore', conflictPolicy: 'rename' as const },
      };
      const first = await runRestoreTask(task);
      expect(first.counts).toMatchObject({ total: 1, restored: 1 });
      const second = await runRestoreTask(task);
      expect(second.counts).toMatchObject({ total: 1, restored: 1 });
      expect(second.restoredIds).toEqual({});
      const events = await store.readStream(`restore-${restoreId}`, { tenantId: 'msp-a' });
      expect(events.map((e) => e.type)).toEqual(['RestoreRequested', 'RestoreProgressed', 'RestoreCompleted', 'RestoreProgressed', 'RestoreCompleted']);
      expect(events[0].data).toMatchObject({ targetMailbox: other, conflictPolicy: 'rename', selection: { folderPaths: ['CON'], itemIds: [] } });
      expect(events[2].data).toMatchObject({ status: 'success', counts: { restored: 1, failed: 0 } });
      const top = (await folderChildren(other)).find((f) => f.displayName === 'Task restore')!;
      const con = (await folderChildren(other, top.id)).find((f) => f.displayName === 'CON')!;
      const msgs = await graph.get<{ value: unknown[] }>(`/users/${other}/mailFolders/${con.id}/messages`);
      expect(msgs.value).toHaveLength(1);
    } finally {
      await pool.end();
      await db.drop();
    }
  });
});

describe('restore of a message with a large attachment (simulator)', () => {
  let sim: RunningSimulator;
  let graph: GraphClient;
  let upn: string;

  beforeAll(async () => {
    sim = await startSimulator({ users: 1, messagesPerUser: 1, throttle: 'off', modules: ['exchange'] });
    const cloud = resolveCloud('global', { authorityHost: sim.authorityHost, graphEndpoint: sim.graphBaseUrl });
    const tokenProvider = createTokenProvider({ kind: 'client-secret', tenantId: sim.tenantId, clientId: sim.clientId, clientSecret: sim.clientSecret }, { cloud, ca: sim.caPem });
    graph = new GraphClient({ tenantId: sim.tenantId, cloud, apps: [{ appId: sim.clientId, tokenProvider }], ca: sim.caPem });
    upn = (await graph.get<{ value: { userPrincipalName: string }[] }>('/users')).value[0].userPrincipalName;
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('uploads attachments above 3 MB through an upload session and keeps the message sent, not a draft', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hf-rec-big-'));
    const repo = await Repository.init(new LocalBackend(dir), { password: 'pw', scrypt: { N: 1024, r: 8, p: 1 } });
    const tenant = await repo.openTenant('msp-a', { write: true });
    try {
      const mime = testMime(42, { subject: 'Big one', attachmentBytes: 3_500_000 });
      const put = await tenant.putMail(mime);
      const info = await tenant.writeManifest(
        [
          { kind: 'folder', id: 'inbox', displayName: 'Inbox' },
          { kind: 'mail', id: 'big', folderId: 'inbox', content: put.ref, size: put.size, isRead: false, flag: { flagStatus: 'notFlagged' }, categories: [], importance: 'normal', isDraft: false, subject: 'Big one' },
        ] as never,
        {},
      );
      const report = await restoreMailbox({ graph, source: tenant, pointId: info.id, targetMailbox: upn, inPlace: true, conflictPolicy: 'rename' });
      expect(report.counts).toMatchObject({ restored: 1, failed: 0 });
      const id = report.restoredIds.big;
      const msg = await graph.get<Record<string, unknown>>(`/users/${upn}/messages/${id}`, { query: { $select: 'isRead,isDraft,subject,hasAttachments,internetMessageId' } });
      expect(msg).toMatchObject({ isRead: false, isDraft: false, subject: 'Big one', hasAttachments: true, internetMessageId: '<msg42@fabrikam.com>' });
      const atts = await graph.get<{ value: { name: string; size: number }[] }>(`/users/${upn}/messages/${id}/attachments`, { query: { $select: 'name,size' } });
      expect(atts.value.map((a) => a.name)).toEqual(['big.bin']);
      expect(atts.value[0].size).toBeGreaterThanOrEqual(3_500_000);
    } finally {
      await tenant.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

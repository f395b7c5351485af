import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CATALOG, RecoveryPointCreated } from '@holdfast/contracts';
import { eventStoreMigrations, PostgresEventStore, runMigrations, UpcasterRegistry } from '@holdfast/event-store';
import { createTokenProvider, GraphClient, pageAll, resolveCloud } from '@holdfast/graph';
import { JetStreamBus, MemoryDeadLetterSink, type Subscription, type TaskMessage } from '@holdfast/messaging';
import { LocalBackend, Repository } from '@holdfast/repository';
import { createTestDatabase, startSimulator, testNamespace, testNatsUrl, type RunningSimulator, type TestDatabase } from '@holdfast/testing';
import { Pool } from 'pg';
import { backupWorkerMigrations } from '../backup-worker.migrations';
import { BACKUP_MAILBOX_TASK, BACKUP_QUEUE, BackupObjectHandler, recoveryPointsStreamId, type BackupMailboxTaskData } from './backup-object.usecase';
import { SyncStateRepository } from './sync-state.repository';
import type { MailboxSyncState } from '../mailbox/mailbox-sync-state';

// Real Postgres, NATS JetStream, simulator and repository: a bound against hangs, not a timing check.
jest.setTimeout(120_000);

describe('backup tasks from the JetStream work queue', () => {
  let sim: RunningSimulator;
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  let bus: JetStreamBus;
  let graph: GraphClient;
  let repo: Repository;
  let upn: string;
  let worker: Subscription | undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'hf-task-'));
  const tenantId = 'msp-1';
  const organizationId = randomUUID();
  const jobId = randomUUID();

  beforeAll(async () => {
    sim = await startSimulator({ users: 2, messagesPerUser: 12, modules: ['exchange'], throttle: 'off', seed: 5 });
    db = await createTestDatabase('hf_bw_task');
    await runMigrations(db.url, [eventStoreMigrations, { module: 'backup-worker', migrations: backupWorkerMigrations }]);
    pool = new Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => undefined);
    store = new PostgresEventStore({ pool, upcasters: new UpcasterRegistry().registerCatalog(CATALOG), validate: CATALOG, notify: false });
    bus = await JetStreamBus.connect({ servers: testNatsUrl(), namespace: testNamespace('bw'), installationId: randomUUID(), deadLetters: new MemoryDeadLetterSink(), delivery: { backoffMs: [100], ackWaitMs: 30_000 } });
    await bus.ensureTopology({ taskQueues: [{ queue: BACKUP_QUEUE }] });
    const cloud = resolveCloud('global', { authorityHost: sim.authorityHost, graphEndpoint: sim.graphBaseUrl });
    const tokenProvider = createTokenProvider({ kind: 'client-secret', tenantId: sim.tenantId, clientId: sim.clientId, clientSecret: sim.clientSecret }, { cloud, ca: sim.caPem });
    graph = new GraphClient({ tenantId: sim.tenantId, cloud, apps: [{ appId: sim.clientId, tokenProvider }], ca: sim.caPem, retry: { baseDelayMs: 50, maxDelayMs: 500 } });
    repo = await Repository.init(new LocalBackend(dir, { fsync: false }), { password: 'pw', scrypt: { N: 1024, r: 8, p: 1 } });
    upn = (await pageAll<{ userPrincipalName: string }>(graph, { path: '/users', query: { $select: 'userPrincipalName' } }))[1].userPrincipalName;
  }, 120_000);

  afterAll(async () => {
    await worker?.close();
    await bus?.destroyTopology();
    await bus?.close();
    graph?.close();
    await pool?.end();
    await db?.drop();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const task = (runId: string) => ({
    queue: BACKUP_QUEUE,
    type: BACKUP_MAILBOX_TASK,
    tenantId,
    dedupeId: `${runId}:${upn}`,
    data: { runId, jobId, organizationId, objectId: upn, repository: dir } satisfies BackupMailboxTaskData,
  });

  const pointsOf = async () => (await store.readStream(recoveryPointsStreamId(upn))).filter((e) => RecoveryPointCreated.is(e));

  async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('runs a task once per dedupe id, commits state and RecoveryPointCreated together, and resumes after a crash before the commit', async () => {
    let failSaves = 1;
    const syncState = new (class extends SyncStateRepository {
      override async save(...args: Parameters<SyncStateRepository['save']>): Promise<void> {
        // the worker "dies" between storing the manifest and committing: nothing is committed
        if (failSaves-- > 0) throw new Error('worker crashed');
        return super.save(...args);
      }
    })();
    const handler = new BackupObjectHandler({ pool, store, graphFor: async () => graph, openRepository: async () => repo, syncState });
    const deliveries: number[] = [];
    worker = await bus.processTasks<BackupMailboxTaskData>({ queue: BACKUP_QUEUE, backoffMs: [100], maxDeliver: 5 }, async (t: TaskMessage<BackupMailboxTaskData>, ctx) => {
      deliveries.push(ctx.deliveryCount);
      await handler.handle(t, ctx);
    });

    const run1 = randomUUID();
    expect((await bus.publishTask(task(run1))).duplicate).toBe(false);
    expect((await bus.publishTask(task(run1))).duplicate).toBe(true);

    const [point] = await until(async () => ((await pointsOf()).length ? await pointsOf() : undefined));
    expect(deliveries).toEqual([1, 2]);
    expect(point.data).toMatchObject({ runId: run1, jobId, objectId: upn, objectKind: 'mailbox', repository: dir, fullEnumeration: true });
    const state = (await new SyncStateRepository().load(pool, tenantId, upn, dir)) as MailboxSyncState;
    expect(state.manifestId).toBe(point.data.recoveryPointId);
    const reader = await repo.openTenant(tenantId);
    expect((await reader.getManifest(state.manifestId)).labels).toMatchObject({ run: run1, job: jobId, object: upn });

    // the next run is incremental from the committed state
    await sim.control('POST', `/tenants/${sim.tenantId}/mutations/exchange.newMail`, { user: upn, count: 1, subject: 'Next run' });
    const run2 = randomUUID();
    await bus.publishTask(task(run2));
    const second = await until(async () => (await pointsOf()).find((e) => e.data.runId === run2));
    expect(second.data.fullEnumeration).toBe(false);
    expect(second.data.counts).toMatchObject({ added: 1, removed: 0, changed: 0, items: point.data.counts.items + 1 });
    expect((await pointsOf()).length).toBe(2);
    expect(((await new SyncStateRepository().load(pool, tenantId, upn, dir)) as MailboxSyncState).manifestId).toBe(second.data.recoveryPointId);
  });
});

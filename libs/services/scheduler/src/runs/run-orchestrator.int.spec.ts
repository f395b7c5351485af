import { randomUUID } from 'node:crypto';
import { BACKUP_QUEUE, CATALOG, RecoveryPointCreated, type BackupMailboxTaskData } from '@holdfast/contracts';
import { CommandHandler, eventStoreMigrations, PostgresEventStore, runMigrations, UpcasterRegistry } from '@holdfast/event-store';
import { JetStreamBus, MemoryDeadLetterSink, type Subscription, type TaskMessage } from '@holdfast/messaging';
import { createTestDatabase, testNamespace, testNatsUrl, type TestDatabase } from '@holdfast/testing';
import { Pool } from 'pg';
import { jobDecider, jobStreamId } from '../jobs/job.decider';
import { schedulerMigrations } from '../scheduler.migrations';
import { RunOrchestrator } from './run-orchestrator.usecase';

// Real Postgres and NATS JetStream: a bound against hangs, not a timing check.
jest.setTimeout(60_000);

describe('RunOrchestrator', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  let bus: JetStreamBus;
  let worker: Subscription;
  const tasks: TaskMessage<BackupMailboxTaskData>[] = [];
  const tenantId = 'msp-s';
  const organizationId = randomUUID();
  const jobId = randomUUID();

  beforeAll(async () => {
    db = await createTestDatabase('hf_sched_run');
    await runMigrations(db.url, [eventStoreMigrations, { module: 'scheduler', migrations: schedulerMigrations }]);
    pool = new Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => undefined);
    store = new PostgresEventStore({ pool, upcasters: new UpcasterRegistry().registerCatalog(CATALOG), validate: CATALOG, notify: false });
    bus = await JetStreamBus.connect({ servers: testNatsUrl(), namespace: testNamespace('sch'), installationId: randomUUID(), deadLetters: new MemoryDeadLetterSink() });
    await bus.ensureTopology({ taskQueues: [{ queue: BACKUP_QUEUE }] });
    worker = await bus.processTasks<BackupMailboxTaskData>({ queue: BACKUP_QUEUE }, async (task, ctx) => {
      tasks.push(task);
      await ctx.ack();
    });
    await new CommandHandler(store, jobDecider).handle({
      tenantId,
      streamId: jobStreamId(jobId),
      command: {
        type: 'CreateJob',
        data: {
          jobId,
          organizationId,
          name: 'four mailboxes',
          source: { kind: 'mailboxes', mailboxes: ['a@x.com', 'b@x.com', 'c@x.com', 'd@x.com'], exclude: ['d@x.com'] },
          destination: { repository: '/repo', overrides: [{ object: 'c@x.com', repository: '/legal' }] },
          retention: { keepLast: 3, immutableDays: 7 },
          options: { concurrency: 2 },
          at: new Date().toISOString(),
        },
      },
    });
  });

  afterAll(async () => {
    await worker.close();
    await bus.destroyTopology();
    await bus.close();
    await pool.end();
    await db.drop();
  });

  async function tasksSeen(n: number): Promise<string[]> {
    while (tasks.length < n) await new Promise((r) => setTimeout(r, 50));
    return tasks.map((t) => t.dedupeId);
  }

  const point = (runId: string, objectId: string, repository = '/repo') =>
    RecoveryPointCreated.create({
      recoveryPointId: `rp-${objectId}`,
      organizationId,
      jobId,
      runId,
      objectId,
      objectKind: 'mailbox',
      repository,
      pointTime: new Date().toISOString(),
      counts: { items: 5, added: 5, changed: 0, removed: 0, skipped: 1 },
      bytes: 100,
      fullEnumeration: true,
    });

  it('keeps at most the job’s concurrency of tasks out, one per object, and completes the run from the outcomes', async () => {
    const orchestrator = new RunOrchestrator({ store, bus, resolveObjects: async () => [] });
    const runId = randomUUID();
    const started = await orchestrator.startRun({ tenantId, jobId, runId, trigger: 'manual', requestedBy: 'user:1' });
    expect(started.status === 'running' && started.objects.map((o) => [o.objectId, o.repository])).toEqual([
      ['a@x.com', '/repo'],
      ['b@x.com', '/repo'],
      ['c@x.com', '/legal'],
    ]);
    expect(await tasksSeen(2)).toEqual([`${runId}:a@x.com`, `${runId}:b@x.com`]);
    expect(tasks[0].data).toEqual({ runId, jobId, organizationId, objectId: 'a@x.com', repository: '/repo', immutableDays: 7 });

    // dispatching again publishes nothing new
    await orchestrator.dispatch(tenantId, runId);
    await orchestrator.recordRecoveryPoint(tenantId, point(runId, 'b@x.com'));
    expect(await tasksSeen(3)).toEqual([`${runId}:a@x.com`, `${runId}:b@x.com`, `${runId}:c@x.com`]);
    expect(tasks[2].data.repository).toBe('/legal');

    await orchestrator.recordFailure(tenantId, runId, 'a@x.com', 'mailbox throttled for too long');
    const done = await orchestrator.recordRecoveryPoint(tenantId, point(runId, 'c@x.com', '/legal'));
    expect(done).toMatchObject({ status: 'completed', completedStatus: 'partial' });
    const completed = (await store.readStream(`run-${runId}`)).find((e) => e.type === 'RunCompleted');
    expect(completed?.data).toMatchObject({ status: 'partial', backedUp: 2, failed: 1, skipped: 0, bytes: 200 });

    // retrying the failed object publishes a new task (new dedupe id) and completes again
    await orchestrator.retryFailed(tenantId, runId, 'user:1');
    expect((await tasksSeen(4))[3]).toBe(`${runId}:a@x.com:r1`);
    const healed = await orchestrator.recordRecoveryPoint(tenantId, point(runId, 'a@x.com'));
    expect(healed).toMatchObject({ status: 'completed', completedStatus: 'success' });
    expect(tasks).toHaveLength(4);
  });

  it('refuses to run a disabled job and stops a running one', async () => {
    const orchestrator = new RunOrchestrator({ store, bus, resolveObjects: async () => [] });
    const runId = randomUUID();
    await orchestrator.startRun({ tenantId, jobId, runId, trigger: 'manual' });
    const stopped = await orchestrator.stop(tenantId, runId, 'user:2');
    expect(stopped).toMatchObject({ status: 'completed', completedStatus: 'stopped' });

    await new CommandHandler(store, jobDecider).handle({ tenantId, streamId: jobStreamId(jobId), command: { type: 'DisableJob', data: { jobId, at: new Date().toISOString() } } });
    await expect(orchestrator.startRun({ tenantId, jobId, runId: randomUUID(), trigger: 'manual' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(orchestrator.startRun({ tenantId, jobId: randomUUID(), runId: randomUUID(), trigger: 'manual' })).rejects.toMatchObject({ code: 'not_found' });
  });
});

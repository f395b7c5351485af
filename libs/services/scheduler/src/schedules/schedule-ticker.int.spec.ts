import { randomUUID } from 'node:crypto';
import { BACKUP_QUEUE, CATALOG } from '@holdfast/contracts';
import { CommandHandler, eventStoreMigrations, PostgresEventStore, ProjectionRunner, runMigrations, UpcasterRegistry } from '@holdfast/event-store';
import { JetStreamBus, MemoryDeadLetterSink, type Subscription } from '@holdfast/messaging';
import { createTestDatabase, testNamespace, testNatsUrl, type TestDatabase } from '@holdfast/testing';
import { Pool } from 'pg';
import { jobDecider, jobStreamId, type JobCommand } from '../jobs/job.decider';
import { schedulerJobsProjection } from '../jobs/jobs.projection';
import { RunOrchestrator } from '../runs/run-orchestrator.usecase';
import { schedulerMigrations } from '../scheduler.migrations';
import { ScheduleTicker, stableRunId } from './schedule-ticker.usecase';

// Real Postgres and NATS JetStream: a bound against hangs, not a timing check.
jest.setTimeout(60_000);

describe('ScheduleTicker', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  let bus: JetStreamBus;
  let worker: Subscription;
  let runner: ProjectionRunner;
  let ticker: ScheduleTicker;
  const tenantId = 'msp-t';
  const organizationId = randomUUID();

  const createJob = async (jobId: string, schedules: Extract<JobCommand, { type: 'CreateJob' }>['data']['schedules'], createdAt: string) => {
    await new CommandHandler(store, jobDecider).handle({
      tenantId,
      streamId: jobStreamId(jobId),
      command: {
        type: 'CreateJob',
        data: {
          jobId,
          organizationId,
          name: `job ${jobId.slice(0, 4)}`,
          source: { kind: 'mailboxes', mailboxes: ['a@x.com'] },
          destination: { repository: '/repo' },
          schedules,
          retention: { keepLast: 3 },
          at: createdAt,
        },
      },
    });
    await runner.catchUp();
  };
  const runsOf = async (jobId: string) => {
    const { rows } = await pool.query<{ stream_id: string }>(
      "SELECT DISTINCT stream_id FROM events WHERE type = 'RunRequested' AND data->>'jobId' = $1",
      [jobId],
    );
    return rows.map((r) => r.stream_id.replace(/^run-/, ''));
  };

  beforeAll(async () => {
    db = await createTestDatabase('hf_sched_tick');
    await runMigrations(db.url, [eventStoreMigrations, { module: 'scheduler', migrations: schedulerMigrations }]);
    pool = new Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => undefined);
    store = new PostgresEventStore({ pool, upcasters: new UpcasterRegistry().registerCatalog(CATALOG), validate: CATALOG, notify: false });
    runner = new ProjectionRunner({ pool, store, projections: [schedulerJobsProjection] });
    bus = await JetStreamBus.connect({ servers: testNatsUrl(), namespace: testNamespace('tick'), installationId: randomUUID(), deadLetters: new MemoryDeadLetterSink() });
    await bus.ensureTopology({ taskQueues: [{ queue: BACKUP_QUEUE }] });
    worker = await bus.processTasks({ queue: BACKUP_QUEUE }, async (_task, ctx) => ctx.ack());
    ticker = new ScheduleTicker(pool, new RunOrchestrator({ store, bus, resolveObjects: async () => [] }));
  });

  afterAll(async () => {
    await worker.close();
    await bus.destroyTopology();
    await bus.close();
    await pool.end();
    await db.drop();
  });

  it('starts one run per due occurrence, never twice, and coalesces downtime into one run', async () => {
    const jobId = randomUUID();
    await createJob(jobId, [{ kind: 'periodic', every: 15, unit: 'minutes', timeZone: 'UTC' }], '2026-01-05T10:01:00.000Z');

    expect((await ticker.tick(new Date('2026-01-05T10:10:00Z'))).started).toEqual([]);
    const first = await ticker.tick(new Date('2026-01-05T10:15:30Z'));
    expect(first.started).toEqual([{ jobId, runId: stableRunId(`${jobId}:0:2026-01-05T10:15:00.000Z`), dueAt: '2026-01-05T10:15:00.000Z', coalesced: 1 }]);
    expect((await ticker.tick(new Date('2026-01-05T10:16:00Z'))).started).toEqual([]);

    // scheduler down from 10:16 to 13:05: one run for 13:00 standing for 11 occurrences
    const afterDowntime = await ticker.tick(new Date('2026-01-05T13:05:00Z'));
    expect(afterDowntime.started).toEqual([{ jobId, runId: expect.any(String), dueAt: '2026-01-05T13:00:00.000Z', coalesced: 11 }]);
    expect(await runsOf(jobId)).toHaveLength(2);
    const requested = (await store.readStream(`run-${afterDowntime.started[0].runId}`))[0];
    expect(requested.data).toMatchObject({ trigger: 'schedule', dueAt: '2026-01-05T13:00:00.000Z', deadline: '2026-01-05T23:59:00.000Z', requestedBy: 'scheduler' });

    // at the end of the window the runs still going are stopped (the worker "never" reports here)
    const atEnd = await ticker.tick(new Date('2026-01-05T23:59:30Z'));
    expect(atEnd.stopped).toEqual(expect.arrayContaining([afterDowntime.started[0].runId, first.started[0].runId]));
    const completed = (await store.readStream(`run-${afterDowntime.started[0].runId}`)).find((e) => e.type === 'RunCompleted');
    expect(completed?.data).toMatchObject({ status: 'stopped' });
    expect((await store.readStream(`run-${afterDowntime.started[0].runId}`)).find((e) => e.type === 'RunStopRequested')?.data).toMatchObject({
      requestedBy: 'schedule-window',
    });
  });

  it('does not run disabled jobs', async () => {
    const jobId = randomUUID();
    await createJob(jobId, [{ kind: 'daily', at: '02:00', timeZone: 'UTC' }], '2026-01-05T00:00:00.000Z');
    await new CommandHandler(store, jobDecider).handle({ tenantId, streamId: jobStreamId(jobId), command: { type: 'DisableJob', data: { jobId, at: '2026-01-05T01:00:00.000Z' } } });
    await runner.catchUp();
    await ticker.tick(new Date('2026-01-05T02:30:00Z'));
    expect(await runsOf(jobId)).toEqual([]);
  });

  it('starts a chained job after the other job completes, on the chosen outcomes, after its delay', async () => {
    const first = randomUUID();
    const chained = randomUUID();
    await createJob(first, [], '2026-01-06T00:00:00.000Z');
    await createJob(chained, [{ kind: 'after-job', jobId: first, on: ['success'], delayMinutes: 10 }], '2026-01-06T00:00:00.000Z');

    expect(await ticker.onRunCompleted(tenantId, { jobId: first, runId: randomUUID(), status: 'failed', completedAt: '2026-01-06T01:00:00.000Z' })).toEqual([]);
    const queued = await ticker.onRunCompleted(tenantId, { jobId: first, runId: randomUUID(), status: 'success', completedAt: '2026-01-06T02:00:00.000Z' });
    expect(queued).toHaveLength(1);
    expect((await ticker.tick(new Date('2026-01-06T02:05:00Z'))).started.filter((s) => s.jobId === chained)).toEqual([]);
    const later = await ticker.tick(new Date('2026-01-06T02:10:00Z'));
    expect(later.started.filter((s) => s.jobId === chained)).toEqual([{ jobId: chained, runId: queued[0], dueAt: '2026-01-06T02:10:00.000Z', coalesced: 1 }]);
    expect((await store.readStream(`run-${queued[0]}`))[0].data).toMatchObject({ trigger: 'chain' });
  });
});

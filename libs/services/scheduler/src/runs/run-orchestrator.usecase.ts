import {
  BACKUP_MAILBOX_TASK,
  BACKUP_QUEUE,
  HoldfastError,
  RecoveryPointCreated,
  type BackupMailboxTaskData,
  type EventOf,
  type JobSource,
} from '@holdfast/contracts';
import { CommandHandler, foldEvents, type PostgresEventStore } from '@holdfast/event-store';
import type { MessageBus } from '@holdfast/messaging';
import { jobDecider, jobStreamId, type JobEvent, type JobState } from '../jobs/job.decider';
import { objectsToDispatch, planRunObjects, type PlannableObject } from './run-plan';
import { runDecider, runStreamId, taskDedupeId, type RunCommand, type RunEvent, type RunState } from './run.decider';

export interface RunOrchestratorDeps {
  readonly store: PostgresEventStore;
  readonly bus: MessageBus;
  /**
   * Mailboxes of an organization for a dynamic source (whole organization, groups), in the
   * inventory's order. Selected mailboxes need no lookup but may use it to resolve addresses.
   */
  readonly resolveObjects: (tenantId: string, organizationId: string, source: JobSource) => Promise<readonly PlannableObject[]>;
  readonly now?: () => Date;
}

export interface StartRunInput {
  readonly tenantId: string;
  readonly jobId: string;
  readonly runId: string;
  readonly trigger: 'schedule' | 'manual' | 'chain' | 'retry';
  readonly requestedBy?: string;
  readonly scheduleIndex?: number;
  readonly dueAt?: string;
  readonly deadline?: string;
}

/**
 * Turns runs into work: requests a run, plans its objects, and keeps at most the job's
 * concurrency of object tasks on the JetStream work queue (dedupe id `run:object`). Each
 * outcome (a RecoveryPointCreated from a worker, a failure report) settles an object and
 * lets the next one out. A task is recorded in `scheduler.dispatched_tasks` in the same
 * transaction that publishes it, so it is published once even after the queue's
 * duplicate window.
 */
export class RunOrchestrator {
  private readonly runs: CommandHandler<RunCommand, RunEvent, RunState>;

  constructor(private readonly deps: RunOrchestratorDeps) {
    this.runs = new CommandHandler(deps.store, runDecider);
  }

  private at(): string {
    return (this.deps.now ?? (() => new Date()))().toISOString();
  }

  async job(tenantId: string, jobId: string): Promise<JobState> {
    return foldEvents(jobDecider, (await this.deps.store.readStream(jobStreamId(jobId), { tenantId })) as unknown as JobEvent[]);
  }

  async run(tenantId: string, runId: string): Promise<RunState> {
    return foldEvents(runDecider, (await this.deps.store.readStream(runStreamId(runId), { tenantId })) as unknown as RunEvent[]);
  }

  async startRun(input: StartRunInput): Promise<RunState> {
    const job = await this.job(input.tenantId, input.jobId);
    if (job.status !== 'active') throw new HoldfastError('not_found', `no job ${input.jobId}`, { jobId: input.jobId });
    if (!job.enabled) throw new HoldfastError('conflict', `job ${job.name} is disabled; enable it to run it`, { jobId: input.jobId });
    const { tenantId, runId } = input;
    const streamId = runStreamId(runId);
    await this.runs.handle({
      tenantId,
      streamId,
      command: {
        type: 'RequestRun',
        data: {
          runId,
          jobId: job.jobId,
          organizationId: job.organizationId,
          trigger: input.trigger,
          ...(input.scheduleIndex !== undefined ? { scheduleIndex: input.scheduleIndex } : {}),
          ...(input.dueAt ? { dueAt: input.dueAt } : {}),
          ...(input.deadline ? { deadline: input.deadline } : {}),
          ...(input.requestedBy ? { requestedBy: input.requestedBy } : {}),
          at: this.at(),
        },
      },
      metadata: { correlationId: runId, actor: input.requestedBy ?? 'scheduler' },
    });
    if (input.deadline) {
      await this.deps.store.withTransaction(async (tx) => {
        await tx.client.query('INSERT INTO scheduler.run_deadlines (tenant_id, run_id, deadline) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
          tenantId,
          runId,
          input.deadline,
        ]);
      });
    }
    const resolved = await this.deps.resolveObjects(tenantId, job.organizationId, job.source);
    const objects = planRunObjects(job.source, job.destination, resolved);
    await this.runs.handle({ tenantId, streamId, command: { type: 'PlanObjects', data: { runId, objects, last: true, at: this.at() } } });
    return this.dispatch(tenantId, runId);
  }

  /** Publishes the tasks that should be on the queue now and are not yet. */
  async dispatch(tenantId: string, runId: string): Promise<RunState> {
    const state = await this.run(tenantId, runId);
    if (state.status !== 'running') return state;
    const job = await this.job(tenantId, state.jobId);
    const concurrency = job.status === 'active' ? job.options.concurrency : 3;
    const immutableDays = job.status === 'active' ? job.retention.immutableDays : undefined;
    for (const o of objectsToDispatch(state, concurrency)) {
      const dedupeId = taskDedupeId(runId, o.objectId, o.round);
      await this.deps.store.withTransaction(async (tx) => {
        const inserted = await tx.client.query(
          `INSERT INTO scheduler.dispatched_tasks (tenant_id, dedupe_id, run_id, object_id) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING RETURNING dedupe_id`,
          [tenantId, dedupeId, runId, o.objectId],
        );
        if (inserted.rowCount === 0) return;
        const data: BackupMailboxTaskData = {
          runId,
          jobId: state.jobId,
          organizationId: state.organizationId,
          objectId: o.objectId,
          repository: o.repository,
          ...(immutableDays ? { immutableDays } : {}),
        };
        // published inside the transaction: a failed publish rolls the record back; a failed
        // commit after a publish is covered by the queue's de-duplication of the same id
        await this.deps.bus.publishTask({ queue: BACKUP_QUEUE, type: BACKUP_MAILBOX_TASK, tenantId, dedupeId, data, correlationId: runId });
      });
    }
    return this.run(tenantId, runId);
  }

  /** A worker stored a recovery point: the object is backed up; the next one may go. */
  async recordRecoveryPoint(tenantId: string, event: EventOf<typeof RecoveryPointCreated>): Promise<RunState | undefined> {
    const p = event.data;
    if (!p.runId) return undefined;
    await this.runs.handle({
      tenantId,
      streamId: runStreamId(p.runId),
      command: {
        type: 'RecordObjectBackedUp',
        data: { runId: p.runId, objectId: p.objectId, recoveryPointId: p.recoveryPointId, items: p.counts.items, skippedItems: p.counts.skipped, bytes: p.bytes, at: this.at() },
      },
    });
    return this.dispatch(tenantId, p.runId);
  }

  /** A worker gave up on an object (after its retries). */
  async recordFailure(tenantId: string, runId: string, objectId: string, reason: string): Promise<RunState> {
    await this.runs.handle({ tenantId, streamId: runStreamId(runId), command: { type: 'RecordObjectFailed', data: { runId, objectId, reason, at: this.at() } } });
    return this.dispatch(tenantId, runId);
  }

  async stop(tenantId: string, runId: string, requestedBy: string): Promise<RunState> {
    return (await this.runs.handle({ tenantId, streamId: runStreamId(runId), command: { type: 'StopRun', data: { runId, requestedBy, at: this.at() } } })).state;
  }

  async retryFailed(tenantId: string, runId: string, requestedBy: string): Promise<RunState> {
    await this.runs.handle({ tenantId, streamId: runStreamId(runId), command: { type: 'RetryFailedObjects', data: { runId, requestedBy, at: this.at() } } });
    return this.dispatch(tenantId, runId);
  }
}

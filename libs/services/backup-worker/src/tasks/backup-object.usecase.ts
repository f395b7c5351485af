import { BACKUP_MAILBOX_TASK, HoldfastError, RecoveryPointCreated, type BackupMailboxTaskData } from '@holdfast/contracts';
import type { PostgresEventStore } from '@holdfast/event-store';
import type { GraphClient } from '@holdfast/graph';
import { isRetryableError, type AckContext, type TaskMessage } from '@holdfast/messaging';
import type { Repository } from '@holdfast/repository';
import type { Pool } from 'pg';
import { backupMailbox, type MailboxBackupResult } from '../mailbox/mailbox-backup.usecase';
import { SyncStateRepository } from './sync-state.repository';

export { BACKUP_QUEUE, BACKUP_MAILBOX_TASK, type BackupMailboxTaskData } from '@holdfast/contracts';

/** Stream of an object's recovery points. */
export const recoveryPointsStreamId = (objectId: string) => `recovery-points-${objectId}`;

export interface BackupObjectDeps {
  readonly pool: Pool;
  readonly store: PostgresEventStore;
  /** A Graph client for the organization (credentials come from the auth service's broker). */
  readonly graphFor: (tenantId: string, organizationId: string) => Promise<GraphClient>;
  /** Opens the repository at a location. */
  readonly openRepository: (location: string) => Promise<Repository>;
  readonly syncState?: SyncStateRepository;
  readonly progressIntervalMs?: number;
  /** Deliveries the work queue makes before giving up (the queue's maxDeliver; default 5). */
  readonly maxDeliver?: number;
  /**
   * Told when the queue will not deliver the task again (last attempt, or an error that is
   * not worth a retry), so the run records the object as failed (scheduler `run-record-failure`).
   */
  readonly reportFailure?: (task: BackupMailboxTaskData & { tenantId: string }, reason: string) => Promise<void>;
  readonly logger?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/**
 * Runs one BackupMailbox task: sync the mailbox from its last committed state, store the
 * manifest, then in ONE transaction save the new delta state and append
 * RecoveryPointCreated; only then ack. A worker that dies before the commit leaves the old
 * state in place: the redelivered task repeats the round (the repository's content is
 * deduplicated, so the repeat stores little).
 */
export class BackupObjectHandler {
  private readonly syncState: SyncStateRepository;

  constructor(private readonly deps: BackupObjectDeps) {
    this.syncState = deps.syncState ?? new SyncStateRepository();
  }

  async handle(task: TaskMessage<BackupMailboxTaskData>, ctx: AckContext): Promise<MailboxBackupResult> {
    try {
      return await this.run(task, ctx);
    } catch (error) {
      const last = ctx.deliveryCount >= (this.deps.maxDeliver ?? 5) || !isRetryableError(error);
      if (last && this.deps.reportFailure) {
        const reason = error instanceof Error ? error.message : String(error);
        await this.deps.reportFailure({ ...task.data, tenantId: task.tenantId }, reason);
      }
      throw error;
    }
  }

  private async run(task: TaskMessage<BackupMailboxTaskData>, ctx: AckContext): Promise<MailboxBackupResult> {
    if (task.type !== BACKUP_MAILBOX_TASK) throw new HoldfastError('validation_failed', `unknown task type ${task.type}`);
    const d = task.data;
    const tenantId = task.tenantId;
    const previous = await this.syncState.load(this.deps.pool, tenantId, d.objectId, d.repository);
    const graph = await this.deps.graphFor(tenantId, d.organizationId);
    const repo = await this.deps.openRepository(d.repository);
    const tenantRepo = await repo.openTenant(tenantId, { write: true });
    let result: MailboxBackupResult;
    try {
      result = await backupMailbox({
        graph,
        repository: tenantRepo,
        mailbox: d.objectId,
        previous,
        labels: { object: d.objectId, job: d.jobId, run: d.runId, organization: d.organizationId },
        ...(d.immutableDays ? { retainUntil: new Date(Date.now() + d.immutableDays * 86_400_000) } : {}),
        progressIntervalMs: this.deps.progressIntervalMs,
        onProgress: (p) => {
          ctx.working();
          this.deps.logger?.info({ runId: d.runId, objectId: d.objectId, ...p }, 'backup progress');
        },
      });
    } finally {
      await tenantRepo.close();
    }
    await this.deps.store.withTransaction(async (tx) => {
      await this.syncState.save(tx.client, tenantId, d.objectId, d.repository, result.state);
      await tx.appendToStream(
        tenantId,
        recoveryPointsStreamId(d.objectId),
        [
          RecoveryPointCreated.create(
            {
              recoveryPointId: result.manifestId,
              organizationId: d.organizationId,
              jobId: d.jobId,
              runId: d.runId,
              objectId: d.objectId,
              objectKind: 'mailbox',
              repository: d.repository,
              pointTime: result.pointTime,
              counts: result.counts,
              bytes: result.bytes,
              fullEnumeration: result.fullEnumeration,
            },
            { correlationId: task.correlationId ?? d.runId, causationId: task.dedupeId },
          ),
        ],
        { expectedVersion: 'any' },
      );
    });
    await ctx.ack();
    return result;
  }
}

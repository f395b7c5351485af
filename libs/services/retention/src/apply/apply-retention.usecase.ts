import { HoldfastError, JobCreated, JobUpdated, RecoveryPointCreated, RecoveryPointExpired, type JobRetention } from '@holdfast/contracts';
import type { PostgresEventStore } from '@holdfast/event-store';
import { collectGarbage, type GcReport, type Repository } from '@holdfast/repository';
import { evaluateRetention, type RetentionVerdict } from '../policy/retention-policy';

export interface ApplyRetentionDeps {
  readonly store: PostgresEventStore;
  readonly openRepository: (location: string) => Promise<Repository>;
  readonly now?: () => Date;
  /** Run repository GC after deleting manifests (default true). */
  readonly collectGarbage?: boolean;
  readonly logger?: { warn(obj: object, msg: string): void };
}

export interface ApplyRetentionInput {
  readonly tenantId: string;
  readonly objectId: string;
  readonly jobId: string;
  readonly repository: string;
}

export interface ApplyRetentionResult {
  readonly verdicts: readonly RetentionVerdict[];
  readonly expired: readonly string[];
  /** Points the policy expired but the repository refused to delete (still immutable there). */
  readonly locked: readonly string[];
  readonly gc?: GcReport;
}

const pointsStream = (objectId: string) => `recovery-points-${objectId}`;

/**
 * Applies a job's retention policy to one object's recovery points in one repository
 * (run after each RecoveryPointCreated, and periodically). Expired manifests are deleted,
 * then RecoveryPointExpired is appended; a crash in between is repaired by the next run
 * (a manifest already gone is treated as deleted). Then repository GC reclaims the data.
 */
export class ApplyRetention {
  constructor(private readonly deps: ApplyRetentionDeps) {}

  async policyOf(tenantId: string, jobId: string): Promise<JobRetention | undefined> {
    let retention: JobRetention | undefined;
    for (const e of await this.deps.store.readStream(`job-${jobId}`, { tenantId })) {
      if (JobCreated.is(e)) retention = JobCreated.parse(e.data).retention;
      else if (JobUpdated.is(e)) retention = JobUpdated.parse(e.data).retention ?? retention;
    }
    return retention;
  }

  async apply(input: ApplyRetentionInput): Promise<ApplyRetentionResult> {
    const policy = await this.policyOf(input.tenantId, input.jobId);
    if (!policy) return { verdicts: [], expired: [], locked: [] };
    const events = await this.deps.store.readStream(pointsStream(input.objectId), { tenantId: input.tenantId });
    const expiredBefore = new Set(events.filter((e) => RecoveryPointExpired.is(e)).map((e) => String(e.data.recoveryPointId)));
    const points = events
      .filter((e) => RecoveryPointCreated.is(e))
      .map((e) => RecoveryPointCreated.parse(e.data))
      .filter((p) => p.jobId === input.jobId && p.repository === input.repository && !expiredBefore.has(p.recoveryPointId))
      .map((p) => ({ id: p.recoveryPointId, time: p.pointTime }));
    const now = (this.deps.now ?? (() => new Date()))();
    const verdicts = evaluateRetention(points, policy, now.toISOString());
    const toExpire = verdicts.filter((v) => v.decision === 'expire').map((v) => v.id);
    if (toExpire.length === 0) return { verdicts, expired: [], locked: [] };

    const repo = await this.deps.openRepository(input.repository);
    const writer = await repo.openTenant(input.tenantId, { write: true });
    const expired: string[] = [];
    const locked: string[] = [];
    try {
      for (const id of toExpire) {
        try {
          await writer.deleteManifest(id);
          expired.push(id);
        } catch (error) {
          if (error instanceof HoldfastError && error.code === 'not_found') expired.push(id);
          else if (error instanceof HoldfastError && error.code === 'forbidden') {
            locked.push(id);
            this.deps.logger?.warn({ recoveryPointId: id }, 'recovery point is still locked in the repository');
          } else throw error;
        }
      }
    } finally {
      await writer.close();
    }
    if (expired.length) {
      await this.deps.store.appendToStream(
        input.tenantId,
        pointsStream(input.objectId),
        expired.map((id) => RecoveryPointExpired.create({ recoveryPointId: id, objectId: input.objectId, jobId: input.jobId, expiredAt: now.toISOString() })),
        { expectedVersion: 'any' },
      );
    }
    const gc = expired.length && this.deps.collectGarbage !== false ? await collectGarbage(repo, input.tenantId) : undefined;
    return { verdicts, expired, locked, ...(gc ? { gc } : {}) };
  }
}

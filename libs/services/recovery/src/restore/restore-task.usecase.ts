import { RestoreCompleted, RestoreProgressed, RestoreRequested } from '@holdfast/contracts';
import type { PostgresEventStore } from '@holdfast/event-store';
import type { Pool } from 'pg';
import { PostgresRestoreJournal } from './restore-journal.repository';
import { restoreMailbox, type RestoreCounts, type RestoreReport, type RestoreRequest } from './restore.usecase';

export interface RestoreTask {
  store: PostgresEventStore;
  pool: Pool;
  tenantId: string;
  restoreId: string;
  organizationId: string;
  objectId: string;
  targetOrganizationId: string;
  requestedBy?: string;
  request: Omit<RestoreRequest, 'journal' | 'onProgress'>;
  /** Emit RestoreProgressed at most this often (default 5 s). */
  progressIntervalMs?: number;
  now?: () => number;
}

/**
 * Runs a restore as a task on stream `restore-<id>`: RestoreRequested once (a re-run of the
 * same id resumes from the Postgres journal), RestoreProgressed every few seconds,
 * RestoreCompleted with the report.
 */
export async function runRestoreTask(task: RestoreTask): Promise<RestoreReport> {
  const streamId = `restore-${task.restoreId}`;
  const now = task.now ?? Date.now;
  const existing = await task.store.readStream(streamId, { tenantId: task.tenantId });
  if (!existing.some((e) => e.type === RestoreRequested.type)) {
    await task.store.appendToStream(
      task.tenantId,
      streamId,
      [
        RestoreRequested.create({
          restoreId: task.restoreId,
          organizationId: task.organizationId,
          objectId: task.objectId,
          recoveryPointId: task.request.pointId,
          selection: { itemIds: task.request.itemIds ?? [], folderPaths: task.request.folderPaths ?? [] },
          targetOrganizationId: task.targetOrganizationId,
          targetMailbox: task.request.targetMailbox,
          inPlace: task.request.inPlace,
          ...(task.request.restoreFolder ? { restoreFolder: task.request.restoreFolder } : {}),
          conflictPolicy: task.request.conflictPolicy,
          ...(task.requestedBy ? { requestedBy: task.requestedBy } : {}),
          requestedAt: new Date(now()).toISOString(),
        }),
      ],
      { expectedVersion: 'no_stream' },
    );
  }
  const interval = task.progressIntervalMs ?? 5_000;
  let last = now();
  const onProgress = async (counts: RestoreCounts) => {
    if (now() - last < interval) return;
    last = now();
    await task.store.appendToStream(task.tenantId, streamId, [RestoreProgressed.create({ restoreId: task.restoreId, counts, at: new Date(last).toISOString() })], {
      expectedVersion: 'any',
    });
  };
  const journal = new PostgresRestoreJournal(task.pool, task.tenantId, task.restoreId);
  const report = await restoreMailbox({ ...task.request, journal, onProgress });
  await task.store.appendToStream(
    task.tenantId,
    streamId,
    [
      RestoreCompleted.create({
        restoreId: task.restoreId,
        status: report.status,
        counts: report.counts,
        failures: report.failures.slice(0, 1000),
        completedAt: new Date(now()).toISOString(),
      }),
    ],
    { expectedVersion: 'any' },
  );
  return report;
}

import { PLATFORM_TENANT_ID, ProjectionRebuilt } from '@holdfast/contracts';
import type { Pool } from 'pg';
import type { EventStore } from '../event-store.port';
import { inTransaction } from '../postgres/pg-types';
import { quoteTable, type Projection } from './projection';
import { projectionRegistry, type ProjectionRegistry } from './projection-registry';
import { ProjectionRunner } from './projection-runner';

export interface RebuildProjectionsOptions {
  readonly pool: Pool;
  readonly store: Pick<EventStore, 'readAll' | 'appendToStream'>;
  /** Names to rebuild; all registered ones when empty or omitted. */
  readonly names?: readonly string[];
  /** Where to look names up. Default: the process-wide projectionRegistry. */
  readonly registry?: ProjectionRegistry;
  readonly batchSize?: number;
  /** Recorded in the ProjectionRebuilt event. */
  readonly requestedBy?: string;
}

export interface RebuildReport {
  readonly name: string;
  readonly eventsReplayed: number;
  /** Checkpoint after the replay ("0" when the log had nothing for it). */
  readonly position: string;
}

/**
 * Empties each projection (TRUNCATE of its tables, then its `reset`), sets its checkpoint
 * to zero in the same transaction, and replays the log. Running runners are safe: their
 * next compare-and-set finds the checkpoint moved, and they join the replay from there.
 * Each rebuild is recorded as a ProjectionRebuilt event on `projection-<name>`.
 */
export async function rebuildProjections(options: RebuildProjectionsOptions): Promise<RebuildReport[]> {
  const projections = (options.registry ?? projectionRegistry).select(options.names ?? []);
  const reports: RebuildReport[] = [];
  for (const projection of projections) {
    await resetProjection(options.pool, projection);
    const runner = new ProjectionRunner({
      pool: options.pool,
      store: options.store,
      projections: [projection],
      batchSize: options.batchSize,
    });
    const applied = await runner.catchUp();
    const position = runner.status()[0].position;
    const report = { name: projection.name, eventsReplayed: applied[projection.name] ?? 0, position };
    await options.store.appendToStream(
      PLATFORM_TENANT_ID,
      `projection-${projection.name}`,
      [
        ProjectionRebuilt.create({
          projection: projection.name,
          eventsReplayed: report.eventsReplayed,
          position,
          ...(options.requestedBy ? { requestedBy: options.requestedBy } : {}),
          rebuiltAt: new Date().toISOString(),
        }),
      ],
      { expectedVersion: 'any' },
    );
    reports.push(report);
  }
  return reports;
}

/** Empties one projection and moves its checkpoint back to zero, atomically. */
export async function resetProjection(pool: Pool, projection: Projection): Promise<void> {
  await inTransaction(pool, async (tx) => {
    await tx.query('INSERT INTO projection_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [
      projection.name,
    ]);
    // Holding the checkpoint row makes a runner mid-batch wait, then lose its compare-and-set.
    await tx.query('SELECT position FROM projection_checkpoints WHERE name = $1 FOR UPDATE', [projection.name]);
    if (projection.tables?.length) await tx.query(`TRUNCATE ${projection.tables.map(quoteTable).join(', ')}`);
    await projection.reset?.(tx);
    await tx.query('UPDATE projection_checkpoints SET position = 0, updated_at = now() WHERE name = $1', [
      projection.name,
    ]);
  });
}

import { runMigrations, type Migration } from '@holdfast/event-store';
import type { Pool } from 'pg';

export interface MigrationSet {
  readonly service: string;
  readonly migrations: readonly Migration[];
}

/**
 * Applies each service's pending migrations with the event store's runner (ordered,
 * recorded in schema_migrations under the service's name, advisory-locked so concurrent
 * boots apply each once). Returns what was applied now as `service/name`.
 */
export async function runServiceMigrations(pool: Pool, sets: readonly MigrationSet[]): Promise<string[]> {
  const report = await runMigrations(
    pool,
    sets.map((s) => ({ module: s.service, migrations: s.migrations })),
  );
  return report.applied.map((m) => `${m.module}/${m.name}`);
}

/** Names of a service's migrations already applied, in the order they were applied. */
export async function appliedServiceMigrations(pool: Pool, service: string): Promise<string[]> {
  const exists = await pool.query(`SELECT to_regclass('schema_migrations') AS t`);
  if (!exists.rows[0].t) return [];
  const r = await pool.query<{ name: string }>(
    'SELECT name FROM schema_migrations WHERE module = $1 ORDER BY applied_at, name',
    [service],
  );
  return r.rows.map((x) => x.name);
}

import type { Pool } from 'pg';
import { getLogger } from '../logging/logger';
import type { ServiceMigration } from '../service-definition';

const TABLE = 'holdfast_service_migrations';
// one lock for all service migrations of a database, so concurrent boots apply each once
const LOCK_KEY = 0x486f6c64; // "Hold"

export interface MigrationSet {
  readonly service: string;
  readonly migrations: readonly ServiceMigration[];
}

/**
 * Applies each service's pending migrations in id order, each in its own transaction,
 * under a Postgres advisory lock. Returns the ids applied now (`service/id`).
 */
export async function runServiceMigrations(pool: Pool, sets: readonly MigrationSet[]): Promise<string[]> {
  const log = getLogger('ServiceMigrations');
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (
           service text NOT NULL, id text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
           PRIMARY KEY (service, id))`,
      );
      for (const set of sets) {
        checkIds(set);
        const done = new Set(
          (await client.query<{ id: string }>(`SELECT id FROM ${TABLE} WHERE service = $1`, [set.service])).rows.map((r) => r.id),
        );
        for (const m of [...set.migrations].sort((a, b) => a.id.localeCompare(b.id))) {
          if (done.has(m.id)) continue;
          await client.query('BEGIN');
          try {
            await client.query(m.sql);
            await client.query(`INSERT INTO ${TABLE} (service, id) VALUES ($1, $2)`, [set.service, m.id]);
            await client.query('COMMIT');
          } catch (e) {
            await client.query('ROLLBACK');
            throw new Error(`Migration ${set.service}/${m.id} failed: ${e instanceof Error ? e.message : String(e)}`);
          }
          applied.push(`${set.service}/${m.id}`);
          log.info({ service: set.service, migration: m.id }, 'migration applied');
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
    }
  } finally {
    client.release();
  }
  return applied;
}

/** Ids of a service's migrations already applied. */
export async function appliedServiceMigrations(pool: Pool, service: string): Promise<string[]> {
  const exists = await pool.query(`SELECT to_regclass($1) AS t`, [TABLE]);
  if (!exists.rows[0].t) return [];
  const r = await pool.query<{ id: string }>(`SELECT id FROM ${TABLE} WHERE service = $1 ORDER BY id`, [service]);
  return r.rows.map((x) => x.id);
}

function checkIds(set: MigrationSet): void {
  const seen = new Set<string>();
  for (const m of set.migrations) {
    if (seen.has(m.id)) throw new Error(`Service ${set.service} declares migration ${m.id} twice`);
    seen.add(m.id);
  }
}

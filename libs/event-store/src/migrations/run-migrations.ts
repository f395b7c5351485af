import { createHash } from 'node:crypto';
import { HoldfastError } from '@holdfast/contracts';
import { Client, Pool, type ClientBase } from 'pg';

/** One forward-only schema change. Names sort nowhere: the array order is the apply order. */
export interface Migration {
  /** Unique within its module and never renamed, e.g. '0001_create_jobs'. */
  readonly name: string;
  /** SQL run in one transaction, or a function for changes SQL alone cannot express. */
  readonly up: string | ((client: ClientBase) => Promise<void>);
}

/** The ordered migrations one module (a library or a service) owns. */
export interface MigrationModule {
  /** e.g. 'event-store', 'scheduler'. */
  readonly module: string;
  readonly migrations: readonly Migration[];
}

export interface MigrationReport {
  readonly applied: readonly { module: string; name: string }[];
  readonly alreadyApplied: number;
}

/** Taken with pg_advisory_lock so instances starting at once migrate one after the other. */
const MIGRATION_LOCK_KEY = 7_236_411_902_113n; // arbitrary, constant for all Holdfast versions

/**
 * Applies every pending migration of `modules`, each in its own transaction, and records
 * it in `schema_migrations`. Idempotent; safe when several service instances start at once
 * (a session advisory lock serialises them); refuses to run when an applied migration's
 * text changed or a pending one sits before an applied one (both mean history was edited).
 */
export async function runMigrations(
  database: string | Pool,
  modules: MigrationModule | readonly MigrationModule[],
): Promise<MigrationReport> {
  const list = Array.isArray(modules) ? (modules as readonly MigrationModule[]) : [modules as MigrationModule];
  validateModules(list);
  // The advisory lock belongs to the session: hold one connection throughout and unlock
  // before it goes back to a pool.
  let client: ClientBase;
  let close: () => Promise<void>;
  if (typeof database === 'string') {
    const own = new Client({ connectionString: database, application_name: 'holdfast-migrations' });
    await own.connect();
    client = own;
    close = () => own.end();
  } else {
    const pooled = await database.connect();
    client = pooled;
    close = async () => pooled.release();
  }
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      await client.query(`
        CREATE TABLE IF NOT EXISTS schema_migrations (
          module     text        NOT NULL,
          name       text        NOT NULL,
          checksum   text        NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (module, name)
        )`);
      const applied: { module: string; name: string }[] = [];
      let alreadyApplied = 0;
      for (const mod of list) {
        const { rows } = await client.query<{ name: string; checksum: string }>(
          'SELECT name, checksum FROM schema_migrations WHERE module = $1',
          [mod.module],
        );
        const done = new Map(rows.map((r) => [r.name, r.checksum]));
        const lastAppliedIndex = mod.migrations.reduce((last, m, i) => (done.has(m.name) ? i : last), -1);
        for (const [i, m] of mod.migrations.entries()) {
          const sum = checksum(m);
          const previous = done.get(m.name);
          if (previous !== undefined) {
            if (previous !== sum) {
              throw new HoldfastError(
                'conflict',
                `migration ${mod.module}/${m.name} was changed after it was applied; add a new migration instead`,
                { module: mod.module, migration: m.name },
              );
            }
            alreadyApplied++;
            continue;
          }
          if (i < lastAppliedIndex) {
            throw new HoldfastError(
              'conflict',
              `migration ${mod.module}/${m.name} is pending but a later one (${mod.migrations[lastAppliedIndex].name}) is already applied; append new migrations at the end`,
              { module: mod.module, migration: m.name },
            );
          }
          await client.query('BEGIN');
          try {
            if (typeof m.up === 'string') await client.query(m.up);
            else await m.up(client);
            await client.query('INSERT INTO schema_migrations (module, name, checksum) VALUES ($1, $2, $3)', [
              mod.module,
              m.name,
              sum,
            ]);
            await client.query('COMMIT');
          } catch (e) {
            await client.query('ROLLBACK').catch(() => undefined);
            const reason = e instanceof Error ? e.message : String(e);
            throw new HoldfastError('internal', `migration ${mod.module}/${m.name} failed: ${reason}`, {
              module: mod.module,
              migration: m.name,
            });
          }
          applied.push({ module: mod.module, name: m.name });
        }
      }
      return { applied, alreadyApplied };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]).catch(() => undefined);
    }
  } finally {
    await close();
  }
}

function validateModules(modules: readonly MigrationModule[]): void {
  const seenModules = new Set<string>();
  for (const mod of modules) {
    if (!mod.module) throw new HoldfastError('validation_failed', 'a migration module needs a name');
    if (seenModules.has(mod.module)) {
      throw new HoldfastError('validation_failed', `migration module ${mod.module} is listed twice`);
    }
    seenModules.add(mod.module);
    const names = new Set<string>();
    for (const m of mod.migrations) {
      if (!m.name) throw new HoldfastError('validation_failed', `a migration of module ${mod.module} has no name`);
      if (names.has(m.name)) {
        throw new HoldfastError('validation_failed', `migration ${mod.module}/${m.name} is declared twice`);
      }
      names.add(m.name);
    }
  }
}

function checksum(m: Migration): string {
  // Function migrations are not checked: their transpiled text differs between runtimes.
  if (typeof m.up !== 'string') return 'function';
  return createHash('sha256').update(m.up.replace(/\s+/g, ' ').trim()).digest('hex');
}

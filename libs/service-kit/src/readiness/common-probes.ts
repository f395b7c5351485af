import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Pool } from 'pg';
import { appliedServiceMigrations } from '../migrations/migration-runner';
import type { ServiceMigration } from '../service-definition';
import type { ReadinessProbe } from './readiness.registry';

/**
 * `<service>.schema`: the service's Postgres schema exists and all its migrations are
 * applied (a process whose code is newer than its database is not ready).
 */
export function schemaReadinessProbe(
  pool: Pool,
  service: string,
  schema: string,
  migrations: readonly ServiceMigration[],
): ReadinessProbe {
  return {
    name: `${service}.schema`,
    async check() {
      const r = await pool.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
      if (r.rowCount === 0) throw new Error(`schema ${schema} does not exist`);
      const applied = new Set(await appliedServiceMigrations(pool, service));
      const missing = migrations.filter((m) => !applied.has(m.name)).map((m) => m.name);
      if (missing.length) throw new Error(`migrations not applied: ${missing.join(', ')}`);
    },
  };
}

/** The folder of a local repository location (a path or file:// URL), or undefined for S3. */
export function localRepositoryPath(location: string): string | undefined {
  if (location.startsWith('file://')) return fileURLToPath(location);
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location) ? undefined : location;
}

/** Creates the folder if needed and checks this process may write into it. */
export async function checkWritableFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  await access(folder, constants.W_OK);
}

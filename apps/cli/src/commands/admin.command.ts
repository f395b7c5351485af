import { HoldfastError } from '@holdfast/contracts';
import {
  PostgresEventStore,
  projectionRegistry,
  rebuildProjections,
  type ProjectionRegistry,
  type RebuildReport,
} from '@holdfast/event-store';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { Pool } from 'pg';
import { printResult } from '../output';

/**
 * Service libraries whose projections the offline admin commands know. A service makes a
 * projection known by calling `registerProjection(...)` in a file its index.ts exports.
 * Once the gateway exposes administration over its API, the CLI will call that instead.
 */
const SERVICE_PACKAGES = [
  '@holdfast/service-gateway',
  '@holdfast/service-auth',
  '@holdfast/service-inventory',
  '@holdfast/service-scheduler',
  '@holdfast/service-backup-worker',
  '@holdfast/service-retention',
  '@holdfast/service-catalog',
  '@holdfast/service-recovery',
];

export interface RebuildCommandOptions {
  readonly databaseUrl?: string;
  readonly requestedBy?: string;
}

export interface RebuildCommandResult {
  readonly known: readonly string[];
  readonly rebuilt: readonly RebuildReport[];
}

export function register(program: Command): void {
  const admin = program.command('admin').description('administer a Holdfast installation');
  admin
    .command('rebuild-projections')
    .description('empty projections (read models) and replay them from the event log; all registered ones when no name is given')
    .argument('[names...]', 'projection names')
    .option('--database-url <url>', 'Postgres URL of the installation (default: $DATABASE_URL)')
    .option('--json', 'print JSON')
    .action(async (names: string[], opts: { databaseUrl?: string; json?: boolean }) => {
      const warnings = loadServiceProjections();
      for (const w of warnings) if (!opts.json) process.stderr.write(`holdfast: warning: ${w}\n`);
      const result = await rebuildProjectionsCommand(names, {
        databaseUrl: opts.databaseUrl ?? process.env.DATABASE_URL,
        requestedBy: 'cli',
      });
      printResult(!!opts.json, { ...result, ...(warnings.length ? { warnings } : {}) }, () => describe(result));
    });
}

/** The command without the CLI plumbing: validates, connects, rebuilds, reports. */
export async function rebuildProjectionsCommand(
  names: readonly string[],
  options: RebuildCommandOptions,
  registry: ProjectionRegistry = projectionRegistry,
): Promise<RebuildCommandResult> {
  const known = registry.names();
  const selected = registry.select(names); // unknown names fail here, before any connection
  if (selected.length === 0) return { known, rebuilt: [] };
  const url = checkDatabaseUrl(options.databaseUrl);
  const pool = new Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => undefined); // idle-client errors surface on the next query instead
  try {
    await checkEventStore(pool, url);
    const store = new PostgresEventStore({ pool });
    const rebuilt = await rebuildProjections({
      pool,
      store,
      registry,
      names: selected.map((p) => p.name),
      requestedBy: options.requestedBy,
    });
    return { known, rebuilt };
  } finally {
    await pool.end();
  }
}

function describe(result: RebuildCommandResult): string {
  if (result.known.length === 0) {
    return 'No projections are registered yet; nothing was rebuilt.';
  }
  if (result.rebuilt.length === 0) return `Known projections: ${result.known.join(', ')}. Nothing was rebuilt.`;
  return result.rebuilt
    .map((r) => `rebuilt ${r.name}: ${r.eventsReplayed} event(s) replayed, checkpoint ${r.position}`)
    .join('\n');
}

function checkDatabaseUrl(url: string | undefined): string {
  if (!url) {
    throw new HoldfastError('validation_failed', 'no database: pass --database-url postgres://... or set DATABASE_URL');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HoldfastError('validation_failed', '--database-url / DATABASE_URL is not a URL (expected postgres://user@host:port/database)');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new HoldfastError('validation_failed', `--database-url / DATABASE_URL must start with postgres://, not ${parsed.protocol}//`);
  }
  return url;
}

/** host:port/database, never the password. */
function where(url: string): string {
  const u = new URL(url);
  return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
}

async function checkEventStore(pool: Pool, url: string): Promise<void> {
  let rows: { events: string | null; checkpoints: string | null }[];
  try {
    ({ rows } = await pool.query(
      "SELECT to_regclass('events')::text AS events, to_regclass('projection_checkpoints')::text AS checkpoints",
    ));
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new HoldfastError('unavailable', `cannot reach the database at ${where(url)}: ${reason}`);
  }
  if (!rows[0].events || !rows[0].checkpoints) {
    throw new HoldfastError(
      'not_found',
      `the database at ${where(url)} has no Holdfast event store (start a Holdfast service once so it creates its tables)`,
    );
  }
}

/** Loads the service libraries so their registerProjection calls run; returns warnings. */
function loadServiceProjections(): string[] {
  const warnings: string[] = [];
  // Resolved through tsconfig paths by hand: a require with a computed name is not rewritten.
  const root = path.resolve(__dirname, '..', '..', '..', '..');
  let paths: Record<string, string[]> = {};
  try {
    paths = JSON.parse(readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions.paths ?? {};
  } catch {
    return ['could not read tsconfig.base.json; only built-in projections are known'];
  }
  for (const pkg of SERVICE_PACKAGES) {
    const target = paths[pkg]?.[0];
    if (!target || !existsSync(path.join(root, target))) continue; // service not written yet
    try {
      require(path.join(root, target));
    } catch (e) {
      warnings.push(`could not load ${pkg}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    }
  }
  return warnings;
}

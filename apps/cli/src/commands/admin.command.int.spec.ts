import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { defineProjection, eventStoreMigrations, PostgresEventStore, ProjectionRegistry, runMigrations } from '@holdfast/event-store';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { Pool } from 'pg';
import { rebuildProjectionsCommand } from './admin.command';

const root = path.resolve(__dirname, '..', '..', '..', '..');

function holdfast(args: string[], env: Record<string, string | undefined> = {}) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/holdfast.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: '', HOLDFAST_DEBUG: '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('holdfast admin rebuild-projections', () => {
  let db: TestDatabase;
  let pool: Pool;
  const registry = new ProjectionRegistry().register(
    defineProjection({
      name: 'test.counter',
      handles: ['Counted'],
      tables: ['counted'],
      async handle(events, tx) {
        for (const e of events) await tx.query('INSERT INTO counted (event_id) VALUES ($1)', [e.eventId]);
      },
    }),
  );

  beforeAll(async () => {
    db = await createTestDatabase('hf_cli_admin');
    await runMigrations(db.url, [
      eventStoreMigrations,
      { module: 'cli-test', migrations: [{ name: '0001', up: 'CREATE TABLE counted (event_id uuid)' }] },
    ]);
    pool = new Pool({ connectionString: db.url, max: 2 });
    // the drop may terminate a connection the ending pool has not closed yet
    pool.on('error', () => undefined);
  });

  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('rebuilds a registered projection against the given database', async () => {
    const store = new PostgresEventStore({ pool });
    await store.appendToStream('t', 'c-1', [{ type: 'Counted', data: {} }, { type: 'Counted', data: {} }], {
      expectedVersion: 'no_stream',
    });
    await pool.query("INSERT INTO counted VALUES ('00000000-0000-4000-8000-000000000000')"); // stray row
    const result = await rebuildProjectionsCommand([], { databaseUrl: db.url, requestedBy: 'cli' }, registry);
    expect(result.known).toEqual(['test.counter']);
    expect(result.rebuilt.map((r) => [r.name, r.eventsReplayed])).toEqual([['test.counter', 2]]);
    expect((await pool.query('SELECT count(*)::int AS n FROM counted')).rows[0].n).toBe(2);
  });

  it('asks for a database when none is given', async () => {
    await expect(rebuildProjectionsCommand(['test.counter'], {}, registry)).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringMatching(/--database-url .* or set DATABASE_URL/),
    });
    await expect(rebuildProjectionsCommand([], { databaseUrl: 'mysql://x/y' }, registry)).rejects.toThrow(/must start with postgres/);
  });

  it('explains a database without an event store, and an unreachable one, without the password', async () => {
    const empty = await createTestDatabase('hf_cli_empty');
    try {
      const withPassword = empty.url.replace('postgres@', 'postgres:sekret@');
      const err = await rebuildProjectionsCommand([], { databaseUrl: withPassword }, registry).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'not_found', message: expect.stringMatching(/has no Holdfast event store/) });
      expect(String((err as Error).message)).not.toContain('sekret');
    } finally {
      await empty.drop();
    }
    const unreachable = await rebuildProjectionsCommand([], { databaseUrl: 'postgres://u:sekret@127.0.0.1:1/x' }, registry).catch(
      (e: unknown) => e,
    );
    expect(unreachable).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/cannot reach the database at 127.0.0.1:1\/x/) });
    expect(String((unreachable as Error).message)).not.toContain('sekret');
  });

  it('reports what it knows and changes nothing when no projection is selected', async () => {
    const nothing = await rebuildProjectionsCommand([], { databaseUrl: db.url }, new ProjectionRegistry());
    expect(nothing).toEqual({ known: [], rebuilt: [] });
  });

  describe('as a command', () => {
    // each run starts a Node process that loads every service library: generous, not a timing check
    jest.setTimeout(60_000);

    it('prints the known projections as JSON and never touches a database without an event store', async () => {
      const empty = await createTestDatabase('hf_cli_empty');
      try {
        const r = holdfast(['admin', 'rebuild-projections', '--json', '--database-url', empty.url]);
        const out = JSON.parse(r.stdout);
        if (r.code === 0) {
          // no service registers a projection yet: it reports that and does nothing
          expect(out).toMatchObject({ known: [], rebuilt: [] });
        } else {
          expect(out.error.code).toBe('not_found');
        }
        const tables = new Pool({ connectionString: empty.url, max: 1 });
        tables.on('error', () => undefined);
        try {
          expect((await tables.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")).rows[0].n).toBe(0);
        } finally {
          await tables.end();
        }
      } finally {
        await empty.drop();
      }
    });

    it('fails on an unknown projection with a clear message, exit code 2 and no stack trace', () => {
      const r = holdfast(['admin', 'rebuild-projections', 'no-such-projection', '--database-url', db.url]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^holdfast: unknown projection no-such-projection; known: /m);
      expect(r.stderr).not.toMatch(/\n\s+at /);

      const json = holdfast(['admin', 'rebuild-projections', 'no-such-projection', '--json']);
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout).error.code).toBe('validation_failed');
    });
  });
});

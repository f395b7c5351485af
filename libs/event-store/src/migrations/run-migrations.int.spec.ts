import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { Client, Pool } from 'pg';
import type { MigrationModule } from './run-migrations';
import { runMigrations } from './run-migrations';

// Real Postgres on a shared machine: a generous bound against hangs, not a timing check.
jest.setTimeout(30_000);

describe('runMigrations', () => {
  let db: TestDatabase;
  let client: Client;

  beforeEach(async () => {
    db = await createTestDatabase('hf_mig');
    client = new Client({ connectionString: db.url });
    await client.connect();
  });

  afterEach(async () => {
    await client.end();
    await db.drop();
  });

  // Each migration also inserts a row, so a double application would show as two rows.
  const jobs: MigrationModule = {
    module: 'jobs',
    migrations: [
      { name: '0001_create_jobs', up: 'CREATE TABLE jobs (id text PRIMARY KEY); CREATE TABLE applied_log (what text)' },
      { name: '0002_add_name', up: "ALTER TABLE jobs ADD COLUMN name text; INSERT INTO applied_log VALUES ('jobs/0002')" },
    ],
  };
  const runs: MigrationModule = {
    module: 'runs',
    migrations: [
      {
        name: '0001_create_runs',
        up: async (c) => {
          await c.query('CREATE TABLE runs (id text PRIMARY KEY)');
          await c.query("INSERT INTO applied_log VALUES ('runs/0001')");
        },
      },
    ],
  };

  it('applies modules in order, records them, and is idempotent', async () => {
    const first = await runMigrations(db.url, [jobs, runs]);
    expect(first.applied).toEqual([
      { module: 'jobs', name: '0001_create_jobs' },
      { module: 'jobs', name: '0002_add_name' },
      { module: 'runs', name: '0001_create_runs' },
    ]);
    const second = await runMigrations(db.url, [jobs, runs]);
    expect(second).toEqual({ applied: [], alreadyApplied: 3 });
    const { rows } = await client.query('SELECT module, name FROM schema_migrations ORDER BY module, name');
    expect(rows).toHaveLength(3);
    await client.query("INSERT INTO jobs (id, name) VALUES ('j', 'n')");
  });

  it('applies only the new migrations appended later (also through a pool)', async () => {
    await runMigrations(db.url, { module: 'jobs', migrations: jobs.migrations.slice(0, 1) });
    const pool = new Pool({ connectionString: db.url, max: 1 });
    pool.on('error', () => undefined); // the drop may terminate a connection the ended pool still closes
    const later = await runMigrations(pool, jobs).finally(() => pool.end());
    expect(later.applied).toEqual([{ module: 'jobs', name: '0002_add_name' }]);
    expect(later.alreadyApplied).toBe(1);
  });

  it('lets two instances starting at once apply each migration exactly once', async () => {
    const results = await Promise.all([runMigrations(db.url, [jobs, runs]), runMigrations(db.url, [jobs, runs])]);
    expect(results.map((r) => r.applied.length).sort()).toEqual([0, 3]);
    const log = await client.query('SELECT what FROM applied_log ORDER BY what');
    expect(log.rows.map((r) => r.what)).toEqual(['jobs/0002', 'runs/0001']);
    const recorded = await client.query('SELECT count(*)::int AS n FROM schema_migrations');
    expect(recorded.rows[0].n).toBe(3);
  });

  it('rolls back a failing migration, names it, and keeps earlier ones', async () => {
    const broken: MigrationModule = {
      module: 'jobs',
      migrations: [...jobs.migrations, { name: '0003_broken', up: 'CREATE TABLE x (id int); SELECT * FROM no_such_table' }],
    };
    await expect(runMigrations(db.url, broken)).rejects.toThrow(/migration jobs\/0003_broken failed: .*no_such_table/);
    const tables = await client.query("SELECT to_regclass('x') AS x");
    expect(tables.rows[0].x).toBeNull();
    const recorded = await client.query("SELECT name FROM schema_migrations WHERE module = 'jobs' ORDER BY name");
    expect(recorded.rows.map((r) => r.name)).toEqual(['0001_create_jobs', '0002_add_name']);
  });

  it('refuses an applied migration whose SQL changed', async () => {
    await runMigrations(db.url, jobs);
    const edited: MigrationModule = {
      module: 'jobs',
      migrations: [jobs.migrations[0], { name: '0002_add_name', up: 'ALTER TABLE jobs ADD COLUMN title text' }],
    };
    await expect(runMigrations(db.url, edited)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/jobs\/0002_add_name was changed after it was applied/),
    });
  });

  it('refuses a pending migration inserted before an applied one', async () => {
    await runMigrations(db.url, jobs);
    const reordered: MigrationModule = {
      module: 'jobs',
      migrations: [jobs.migrations[0], { name: '0001b_inserted', up: 'SELECT 1' }, jobs.migrations[1]],
    };
    await expect(runMigrations(db.url, reordered)).rejects.toThrow(/0001b_inserted is pending but a later one/);
  });

  it('rejects duplicate module or migration names before touching the database', async () => {
    await expect(runMigrations(db.url, [jobs, jobs])).rejects.toThrow(/module jobs is listed twice/);
    await expect(
      runMigrations(db.url, { module: 'm', migrations: [{ name: 'a', up: 'SELECT 1' }, { name: 'a', up: 'SELECT 2' }] }),
    ).rejects.toThrow(/m\/a is declared twice/);
    const exists = await client.query("SELECT to_regclass('schema_migrations') AS t");
    expect(exists.rows[0].t).toBeNull();
  });
});

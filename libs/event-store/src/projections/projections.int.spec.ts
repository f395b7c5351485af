import type { RecordedEvent } from '@holdfast/contracts';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { Pool } from 'pg';
import { runMigrations } from '../migrations/run-migrations';
import { eventStoreMigrations } from '../postgres/event-store.migrations';
import { PostgresEventStore } from '../postgres/postgres-event-store';
import { defineProjection, type Projection } from './projection';
import { ProjectionRegistry } from './projection-registry';
import { ProjectionRunner } from './projection-runner';
import { rebuildProjections } from './rebuild-projections';

/** Polls until `check` holds; the deadline only bounds a hang, it asserts no timing. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 25_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Real Postgres on a shared machine: a generous bound against hangs, not a timing check.
jest.setTimeout(30_000);

describe('projections', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  let registry: ProjectionRegistry;

  // Ticket summary: one row per ticket, plus a non-idempotent log of every applied event,
  // so a double application shows as a duplicate row.
  const summary: Projection = defineProjection({
    name: 'tickets.summary',
    handles: ['TicketOpened', 'TicketCommented', 'TicketClosed'],
    tables: ['ticket_summary', 'ticket_applied'],
    async handle(events: readonly RecordedEvent[], tx) {
      for (const e of events) {
        await tx.query('INSERT INTO ticket_applied (event_id) VALUES ($1)', [e.eventId]);
        if (e.data.fail === true) throw new Error('projection bug');
        if (e.type === 'TicketOpened') {
          await tx.query(
            'INSERT INTO ticket_summary (stream_id, tenant_id, title, status, comments) VALUES ($1, $2, $3, $4, 0)',
            [e.streamId, e.tenantId, e.data.title, 'open'],
          );
        } else if (e.type === 'TicketCommented') {
          await tx.query('UPDATE ticket_summary SET comments = comments + 1 WHERE stream_id = $1', [e.streamId]);
        } else {
          await tx.query("UPDATE ticket_summary SET status = 'closed' WHERE stream_id = $1", [e.streamId]);
        }
      }
    },
  });

  let resets = 0;
  const counter: Projection = defineProjection({
    name: 'tickets.counter',
    handles: ['TicketOpened'],
    async reset(tx) {
      resets++;
      await tx.query("UPDATE ticket_counter SET n = 0 WHERE id = 'all'");
    },
    async handle(events, tx) {
      await tx.query("UPDATE ticket_counter SET n = n + $1 WHERE id = 'all'", [events.length]);
    },
  });

  beforeAll(async () => {
    db = await createTestDatabase('hf_proj');
    await runMigrations(db.url, [
      eventStoreMigrations,
      {
        module: 'tickets-test',
        migrations: [
          {
            name: '0001_tables',
            up: `CREATE TABLE ticket_summary (stream_id text PRIMARY KEY, tenant_id text, title text, status text, comments int);
                 CREATE TABLE ticket_applied (event_id uuid);
                 CREATE TABLE ticket_counter (id text PRIMARY KEY, n int NOT NULL);
                 INSERT INTO ticket_counter VALUES ('all', 0);`,
          },
        ],
      },
    ]);
    pool = new Pool({ connectionString: db.url, max: 8 });
    // the drop may terminate a connection the ending pool has not closed yet
    pool.on('error', () => undefined);
    store = new PostgresEventStore({ pool });
    registry = new ProjectionRegistry().register(summary).register(counter);
  });

  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  beforeEach(async () => {
    await pool.query('TRUNCATE events, streams, projection_checkpoints, ticket_summary, ticket_applied');
    await pool.query("UPDATE ticket_counter SET n = 0");
  });

  let n = 0;
  const tenantOf = new Map<string, string>();
  async function openTicket(tenant = 't1', extra: Record<string, unknown> = {}): Promise<string> {
    const s = `ticket-${++n}`;
    tenantOf.set(s, tenant);
    await store.appendToStream(tenant, s, [{ type: 'TicketOpened', data: { title: `T${n}`, ...extra } }], {
      expectedVersion: 'no_stream',
    });
    return s;
  }
  async function comment(s: string) {
    await store.appendToStream(tenantOf.get(s) ?? 't1', s, [{ type: 'TicketCommented', data: {} }], { expectedVersion: 'any' });
  }
  async function close(s: string) {
    await store.appendToStream(tenantOf.get(s) ?? 't1', s, [{ type: 'TicketClosed', data: {} }], { expectedVersion: 'any' });
  }
  const table = async (sql: string) => (await pool.query(sql)).rows;
  const summaryRows = () => table('SELECT * FROM ticket_summary ORDER BY stream_id');
  const appliedCount = async () =>
    (await table('SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS d FROM ticket_applied'))[0];
  const checkpoint = async (name: string) =>
    (await table(`SELECT position::text FROM projection_checkpoints WHERE name = '${name}'`))[0]?.position;

  it('applies events in batches and stores the checkpoint; a second catch-up applies nothing', async () => {
    const a = await openTicket();
    const b = await openTicket();
    await comment(a);
    await comment(a);
    await close(b);
    await store.appendToStream('t1', 'other-1', [{ type: 'Unrelated', data: {} }], { expectedVersion: 'any' });

    const runner = new ProjectionRunner({ pool, store, projections: [summary], batchSize: 2 });
    expect(await runner.catchUp()).toEqual({ 'tickets.summary': 5 });
    expect(await summaryRows()).toEqual([
      { stream_id: a, tenant_id: 't1', title: expect.any(String), status: 'open', comments: 2 },
      { stream_id: b, tenant_id: 't1', title: expect.any(String), status: 'closed', comments: 0 },
    ]);
    const lastHandled = await table("SELECT max(global_position)::text AS p FROM events WHERE type <> 'Unrelated'");
    expect(await checkpoint('tickets.summary')).toBe(lastHandled[0].p);

    expect(await runner.catchUp()).toEqual({ 'tickets.summary': 0 });
    expect(await appliedCount()).toEqual({ n: 5, d: 5 });
  });

  it('lets two runner instances work at once without applying any event twice', async () => {
    for (let i = 0; i < 30; i++) {
      const s = await openTicket();
      await comment(s);
    }
    const one = new ProjectionRunner({ pool, store, projections: [summary], batchSize: 3 });
    const two = new ProjectionRunner({ pool, store, projections: [summary], batchSize: 3 });
    const [r1, r2] = await Promise.all([one.catchUp(), two.catchUp()]);
    expect(r1['tickets.summary'] + r2['tickets.summary']).toBe(60);
    expect(await appliedCount()).toEqual({ n: 60, d: 60 });
    expect((await table('SELECT sum(comments)::int AS c FROM ticket_summary'))[0].c).toBe(30);
  });

  it('rolls back a failing batch with its checkpoint and resumes after the fix', async () => {
    await openTicket();
    await openTicket('t1', { fail: true });
    const runner = new ProjectionRunner({ pool, store, projections: [summary], batchSize: 1 });
    await expect(runner.catchUp()).rejects.toThrow('projection bug');
    expect(await appliedCount()).toEqual({ n: 1, d: 1 }); // first batch committed, failing one rolled back
    const stuckAt = await checkpoint('tickets.summary');

    await pool.query("UPDATE events SET data = data - 'fail'");
    await runner.catchUp();
    expect(await appliedCount()).toEqual({ n: 2, d: 2 });
    expect(await checkpoint('tickets.summary')).not.toBe(stuckAt);
  });

  it('wakes early on notify() instead of waiting for the next poll', async () => {
    const runner = new ProjectionRunner({ pool, store, projections: [summary], pollIntervalMs: 3_600_000 });
    runner.start();
    try {
      await eventually(async () => (await checkpoint('tickets.summary')) !== undefined, 'first pass');
      const s = await openTicket();
      runner.notify();
      await eventually(async () => (await summaryRows()).some((r) => r.stream_id === s), 'ticket projected');
    } finally {
      await runner.stop();
    }
  });

  it('after a wake-up, keeps looking until events held back by an older transaction show up', async () => {
    const runner = new ProjectionRunner({ pool, store, projections: [summary], pollIntervalMs: 3_600_000 });
    runner.start();
    const older = await pool.connect();
    try {
      await eventually(async () => (await checkpoint('tickets.summary')) !== undefined, 'first pass');
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()'); // an older transaction holds the gap-safe horizon back
      const s = await openTicket();
      runner.notify(); // the pass it triggers cannot see the ticket yet
      expect(await store.readAll({ after: '0', types: ['TicketOpened'] })).toEqual([]);
      await older.query('ROLLBACK'); // no further notification follows
      await eventually(async () => (await summaryRows()).some((r) => r.stream_id === s), 'ticket projected');
    } finally {
      older.release();
      await runner.stop();
    }
  });

  it('wakes on Postgres NOTIFY from an append when listening', async () => {
    const runner = new ProjectionRunner({
      pool,
      store,
      projections: [summary],
      pollIntervalMs: 3_600_000,
      listenUrl: db.url,
    });
    runner.start();
    try {
      await eventually(async () => (await checkpoint('tickets.summary')) !== undefined, 'first pass');
      // The LISTEN connection opens before the first pass, so this append's NOTIFY reaches it.
      const s = await openTicket();
      await eventually(async () => (await summaryRows()).some((r) => r.stream_id === s), 'ticket projected');
    } finally {
      await runner.stop();
    }
  });

  it('keeps a failing projection from blocking the others in the background loop', async () => {
    const errors: string[] = [];
    const broken = defineProjection({
      name: 'tickets.broken',
      handles: ['TicketOpened'],
      async handle() {
        throw new Error('always broken');
      },
    });
    await openTicket();
    const runner = new ProjectionRunner({
      pool,
      store,
      projections: [broken, summary],
      pollIntervalMs: 3_600_000,
      logger: { warn: () => undefined, error: (o) => errors.push(String((o as { err: string }).err)) },
    });
    runner.start();
    try {
      await eventually(async () => (await summaryRows()).length === 1, 'summary projected');
      await eventually(async () => errors.length > 0, 'failure logged');
      expect(runner.status().find((s) => s.name === 'tickets.broken')?.lastError).toBe('always broken');
      expect(await checkpoint('tickets.broken')).toBe('0');
    } finally {
      await runner.stop();
    }
  });

  it('rebuilds projections from zero to exactly what live processing produced', async () => {
    const live = new ProjectionRunner({ pool, store, projections: [summary, counter], batchSize: 4 });
    const streams: string[] = [];
    for (let i = 0; i < 12; i++) streams.push(await openTicket(i % 2 ? 't1' : 't2'));
    await live.catchUp();
    for (const s of streams.slice(0, 8)) await comment(s);
    // concurrent appends interleave transactions in the log
    await Promise.all(streams.slice(0, 6).map((s) => close(s)));
    await live.catchUp();

    const liveSummary = await summaryRows();
    const liveCounter = await table('SELECT n FROM ticket_counter');
    expect(liveSummary).toHaveLength(12);
    expect(liveCounter).toEqual([{ n: 12 }]);

    // damage the read models so a no-op rebuild could not pass
    await pool.query("UPDATE ticket_summary SET status = 'corrupt'");
    await pool.query("UPDATE ticket_counter SET n = 999");

    const reports = await rebuildProjections({ pool, store, registry, batchSize: 5, requestedBy: 'test' });
    expect(reports.map((r) => [r.name, r.eventsReplayed])).toEqual([
      ['tickets.counter', 12],
      ['tickets.summary', 26],
    ]);
    expect(await summaryRows()).toEqual(liveSummary);
    expect(await table('SELECT n FROM ticket_counter')).toEqual(liveCounter);
    expect(await appliedCount()).toEqual({ n: 26, d: 26 });
    expect(resets).toBeGreaterThan(0);

    const recorded = await store.readStream('projection-tickets.summary');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      type: 'ProjectionRebuilt',
      tenantId: 'platform',
      data: { projection: 'tickets.summary', eventsReplayed: 26, requestedBy: 'test' },
    });
  });

  it('rebuilds only the named projections and names unknown ones', async () => {
    await openTicket();
    await new ProjectionRunner({ pool, store, projections: [summary, counter] }).catchUp();
    await pool.query("UPDATE ticket_counter SET n = 999");
    await pool.query("UPDATE ticket_summary SET status = 'corrupt'");
    await rebuildProjections({ pool, store, registry, names: ['tickets.summary'] });
    expect((await summaryRows())[0].status).toBe('open');
    expect(await table('SELECT n FROM ticket_counter')).toEqual([{ n: 999 }]);
    await expect(rebuildProjections({ pool, store, registry, names: ['nope'] })).rejects.toThrow(
      /unknown projection nope; known: tickets.counter, tickets.summary/,
    );
  });

  it('stays consistent when a live runner keeps running during a rebuild', async () => {
    for (let i = 0; i < 20; i++) await openTicket();
    const live = new ProjectionRunner({ pool, store, projections: [summary], batchSize: 2, pollIntervalMs: 3_600_000 });
    await live.catchUp();
    live.start();
    try {
      const rebuilding = rebuildProjections({ pool, store, registry, names: ['tickets.summary'], batchSize: 2 });
      for (let i = 0; i < 5; i++) {
        await openTicket();
        live.notify();
      }
      await rebuilding;
      await live.catchUp();
    } finally {
      await live.stop();
    }
    expect(await appliedCount()).toEqual({ n: 25, d: 25 });
    expect(await summaryRows()).toHaveLength(25);
  });
});

import { CATALOG, HoldfastError } from '@holdfast/contracts';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { Client, Pool } from 'pg';
import { ConcurrencyError } from '../concurrency.error';
import { runMigrations } from '../migrations/run-migrations';
import { UpcasterRegistry } from '../upcasting/upcaster-registry';
import { eventStoreMigrations } from './event-store.migrations';
import { PostgresEventStore } from './postgres-event-store';

// Real Postgres on a shared machine: a generous bound against hangs, not a timing check.
jest.setTimeout(30_000);

describe('PostgresEventStore', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  let seq = 0;
  const stream = () => `order-${++seq}-${Date.now()}`;
  const ev = (type: string, data: Record<string, unknown> = {}) => ({ type, data });

  beforeAll(async () => {
    db = await createTestDatabase('hf_es');
    await runMigrations(db.url, eventStoreMigrations);
    pool = new Pool({ connectionString: db.url, max: 6 });
    // the drop may terminate a connection the ending pool has not closed yet
    pool.on('error', () => undefined);
    store = new PostgresEventStore({ pool });
  });

  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  // Other suites on the same server may hold transactions open; wait until they are past.
  async function allFrom(after = '0', tenantId?: string) {
    await store.waitForVisibility();
    return store.readAll({ after, tenantId });
  }

  async function lastPosition(): Promise<string> {
    const { rows } = await pool.query<{ p: string }>('SELECT coalesce(max(global_position), 0)::text AS p FROM events');
    return rows[0].p;
  }

  it('appends events with versions from 1 and reads them back in order with defaulted metadata', async () => {
    const s = stream();
    const result = await store.appendToStream('tenant-a', s, [ev('OrderOpened', { n: 1 }), ev('ItemAdded', { sku: 'x' })], {
      expectedVersion: 'no_stream',
    });
    expect(result.nextExpectedVersion).toBe(2);
    expect(result.events.map((e) => e.streamVersion)).toEqual([1, 2]);
    expect(result.lastGlobalPosition).toBe(result.events[1].globalPosition);

    const read = await store.readStream(s);
    expect(read.map((e) => [e.type, e.streamVersion, e.data])).toEqual([
      ['OrderOpened', 1, { n: 1 }],
      ['ItemAdded', 2, { sku: 'x' }],
    ]);
    for (const e of read) {
      expect(e.tenantId).toBe('tenant-a');
      expect(e.schemaVersion).toBe(1);
      expect(e.eventId).toMatch(/^[0-9a-f-]{36}$/);
      expect(e.metadata.eventId).toBe(e.eventId);
      expect(e.metadata.correlationId).toBe(e.eventId);
      expect(new Date(e.recordedAt).toISOString()).toBe(e.recordedAt);
    }
    expect(await store.streamVersion(s)).toBe(2);
  });

  it('keeps caller metadata (correlation, causation, trace context, actor)', async () => {
    const s = stream();
    const metadata = {
      eventId: '6f1c3f5e-8a57-4a43-9d36-0a5f6c1f0d11',
      correlationId: 'corr-1',
      causationId: 'cmd-1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      tracestate: 'vendor=1',
      actor: 'user:42',
    };
    await store.appendToStream('tenant-a', s, [{ type: 'OrderOpened', data: {}, metadata }], { expectedVersion: 'any' });
    const [read] = await store.readStream(s);
    expect(read.metadata).toEqual(metadata);
    expect(read.eventId).toBe(metadata.eventId);
  });

  it('rejects a stale expected version with a ConcurrencyError naming stream, expected and actual', async () => {
    const s = stream();
    await store.appendToStream('t', s, [ev('A'), ev('B')], { expectedVersion: 'no_stream' });
    const err = await store.appendToStream('t', s, [ev('C')], { expectedVersion: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConcurrencyError);
    expect(err).toBeInstanceOf(HoldfastError);
    const c = err as ConcurrencyError;
    expect(c.code).toBe('concurrency_conflict');
    expect(c.streamId).toBe(s);
    expect(c.expectedVersion).toBe(1);
    expect(c.actualVersion).toBe(2);
    expect(c.message).toContain(s);
    expect(c.details).toEqual({ streamId: s, expectedVersion: 1, actualVersion: 2 });
    expect(await store.streamVersion(s)).toBe(2);
  });

  it('checks no_stream, stream_exists and any', async () => {
    const s = stream();
    await expect(store.appendToStream('t', s, [ev('A')], { expectedVersion: 'stream_exists' })).rejects.toBeInstanceOf(
      ConcurrencyError,
    );
    await expect(store.appendToStream('t', s, [ev('A')], { expectedVersion: 2 })).rejects.toBeInstanceOf(ConcurrencyError);
    await store.appendToStream('t', s, [ev('A')], { expectedVersion: 0 });
    await expect(store.appendToStream('t', s, [ev('B')], { expectedVersion: 'no_stream' })).rejects.toMatchObject({
      actualVersion: 1,
    });
    await store.appendToStream('t', s, [ev('B')], { expectedVersion: 'stream_exists' });
    const r = await store.appendToStream('t', s, [ev('C')], { expectedVersion: 'any' });
    expect(r.nextExpectedVersion).toBe(3);
  });

  it('checks the expected version of an empty append without creating the stream', async () => {
    const s = stream();
    expect(await store.appendToStream('t', s, [], { expectedVersion: 'no_stream' })).toEqual({
      nextExpectedVersion: 0,
      lastGlobalPosition: '0',
      events: [],
    });
    expect((await pool.query('SELECT 1 FROM streams WHERE stream_id = $1', [s])).rowCount).toBe(0);
    await expect(store.appendToStream('t', s, [], { expectedVersion: 'stream_exists' })).rejects.toBeInstanceOf(ConcurrencyError);
  });

  it('lets exactly one of many concurrent writers with the same expected version win', async () => {
    const s = stream();
    await store.appendToStream('t', s, [ev('A')], { expectedVersion: 'no_stream' });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => store.appendToStream('t', s, [ev('B', { i })], { expectedVersion: 1 })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(4);
    for (const r of rejected) expect(r.reason).toBeInstanceOf(ConcurrencyError);
    expect((await store.readStream(s)).map((e) => e.streamVersion)).toEqual([1, 2]);
  });

  it('accepts many concurrent appends with expectedVersion any, versions without gaps', async () => {
    const s = stream();
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.appendToStream('t', s, [ev('A', { i }), ev('B', { i })], { expectedVersion: 'any' })),
    );
    const read = await store.readStream(s);
    expect(read.map((e) => e.streamVersion)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    // each append's two events stay adjacent
    for (let v = 0; v < 16; v += 2) expect(read[v].data).toEqual(read[v + 1].data);
  });

  it('lets exactly one of two concurrent creators of a new stream win', async () => {
    const s = stream();
    const results = await Promise.allSettled([
      store.appendToStream('t', s, [ev('A')], { expectedVersion: 'no_stream' }),
      store.appendToStream('t', s, [ev('A')], { expectedVersion: 'no_stream' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await store.streamVersion(s)).toBe(1);
  });

  it('refuses to append to a stream of another tenant and hides it from that tenant', async () => {
    const s = stream();
    await store.appendToStream('tenant-a', s, [ev('A')], { expectedVersion: 'no_stream' });
    await expect(store.appendToStream('tenant-b', s, [ev('B')], { expectedVersion: 'any' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect(await store.readStream(s, { tenantId: 'tenant-b' })).toEqual([]);
    expect(await store.readStream(s, { tenantId: 'tenant-a' })).toHaveLength(1);
  });

  it('rejects an event id that is already stored', async () => {
    const s = stream();
    const eventId = 'a9a7c1de-2a0d-4d8f-9a43-1b1d2f7d8e01';
    await store.appendToStream('t', s, [{ type: 'A', data: {}, metadata: { eventId } }], { expectedVersion: 'any' });
    await expect(
      store.appendToStream('t', s, [{ type: 'A', data: {}, metadata: { eventId } }], { expectedVersion: 'any' }),
    ).rejects.toMatchObject({ code: 'already_exists' });
    expect(await store.streamVersion(s)).toBe(1);
  });

  it('validates input with messages that name the problem', async () => {
    await expect(store.appendToStream('', 's', [ev('A')], { expectedVersion: 'any' })).rejects.toThrow(/tenantId/);
    await expect(store.appendToStream('t', 's', [{ type: 'A', data: [] as never }], { expectedVersion: 'any' })).rejects.toThrow(
      /data of A must be an object/,
    );
    await expect(store.readAll({ after: 'abc' })).rejects.toThrow(/after must be a global position/);
  });

  it('reads the global log from a cursor, filtered by tenant and type', async () => {
    const start = await lastPosition();
    const s1 = stream();
    const s2 = stream();
    await store.appendToStream('tenant-x', s1, [ev('X1'), ev('X2')], { expectedVersion: 'no_stream' });
    await store.appendToStream('tenant-y', s2, [ev('Y1')], { expectedVersion: 'no_stream' });
    await store.appendToStream('tenant-x', s1, [ev('X3')], { expectedVersion: 2 });

    const all = await allFrom(start);
    expect(all.map((e) => e.type)).toEqual(['X1', 'X2', 'Y1', 'X3']);
    expect((await allFrom(start, 'tenant-x')).map((e) => e.type)).toEqual(['X1', 'X2', 'X3']);
    await store.waitForVisibility();
    expect((await store.readAll({ after: start, types: ['X2', 'Y1'] })).map((e) => e.type)).toEqual(['X2', 'Y1']);
    expect((await store.readAll({ after: start, limit: 2 })).map((e) => e.type)).toEqual(['X1', 'X2']);
    expect((await allFrom(all[1].globalPosition)).map((e) => e.type)).toEqual(['Y1', 'X3']);
  });

  describe('inside a caller transaction', () => {
    beforeAll(async () => {
      await pool.query('CREATE TABLE IF NOT EXISTS orders_view (id text PRIMARY KEY, status text NOT NULL)');
    });

    it('commits the service row and the events together', async () => {
      const s = stream();
      await store.withTransaction(async (tx) => {
        await tx.client.query('INSERT INTO orders_view VALUES ($1, $2)', [s, 'open']);
        await tx.appendToStream('t', s, [ev('OrderOpened')], { expectedVersion: 'no_stream' });
      });
      expect((await pool.query('SELECT status FROM orders_view WHERE id = $1', [s])).rows).toEqual([{ status: 'open' }]);
      expect(await store.readStream(s)).toHaveLength(1);
    });

    it('rolls back the events when the service fails afterwards', async () => {
      const s = stream();
      await expect(
        store.withTransaction(async (tx) => {
          await tx.appendToStream('t', s, [ev('OrderOpened')], { expectedVersion: 'no_stream' });
          await tx.client.query('INSERT INTO orders_view VALUES ($1, $2)', [s, 'open']);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.readStream(s)).toEqual([]);
      expect(await store.streamVersion(s)).toBe(0);
      expect((await pool.query('SELECT 1 FROM orders_view WHERE id = $1', [s])).rowCount).toBe(0);
    });

    it('joins a transaction the caller opened on its own client', async () => {
      const s = stream();
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await store.appendToStream('t', s, [ev('A')], { expectedVersion: 'no_stream', client });
        expect(await store.readStream(s)).toEqual([]); // not visible before commit
        await client.query('ROLLBACK');
      } finally {
        client.release();
      }
      expect(await store.readStream(s)).toEqual([]);
    });
  });

  describe('gap-safe global reads', () => {
    async function begin(): Promise<Client> {
      const c = new Client({ connectionString: db.url });
      await c.connect();
      await c.query('BEGIN');
      return c;
    }

    it('does not return a committed event while an earlier-positioned transaction is in flight', async () => {
      const start = await lastPosition();
      const first = await begin();
      const second = await begin();
      try {
        // `first` takes the lower position, `second` the higher one and commits first.
        const r1 = await store.appendToStream('t', stream(), [ev('First')], { expectedVersion: 'any', client: first });
        const r2 = await store.appendToStream('t', stream(), [ev('Second')], { expectedVersion: 'any', client: second });
        expect(BigInt(r1.lastGlobalPosition)).toBeLessThan(BigInt(r2.lastGlobalPosition));
        await second.query('COMMIT');

        expect(await store.readAll({ after: start })).toEqual([]);

        await first.query('COMMIT');
        const after = await allFrom(start);
        expect(after.map((e) => e.type)).toEqual(['First', 'Second']);
      } finally {
        await first.end();
        await second.end();
      }
    });

    it('never skips an event whose transaction id is newer but whose position is lower', async () => {
      const start = await lastPosition();
      const older = await begin();
      const newer = await begin();
      try {
        // `older` gets its transaction id first, `newer` appends first (lower position),
        // then `older` appends (higher position) and commits while `newer` is in flight.
        await older.query('SELECT pg_current_xact_id()');
        await newer.query('SELECT pg_current_xact_id()');
        await store.appendToStream('t', stream(), [ev('NewerTx')], { expectedVersion: 'any', client: newer });
        await store.appendToStream('t', stream(), [ev('OlderTx')], { expectedVersion: 'any', client: older });
        await older.query('COMMIT');

        // `newer` is in flight, so waitForVisibility would wait for it: poll instead.
        let firstRead = await store.readAll({ after: start });
        for (let i = 0; firstRead.length === 0 && i < 500; i++) {
          await new Promise((r) => setTimeout(r, 20));
          firstRead = await store.readAll({ after: start });
        }
        expect(firstRead.map((e) => e.type)).toEqual(['OlderTx']);
        const cursor = firstRead[firstRead.length - 1].globalPosition;

        await newer.query('COMMIT');
        const secondRead = await allFrom(cursor);
        expect(secondRead.map((e) => e.type)).toEqual(['NewerTx']);
        expect(BigInt(secondRead[0].globalPosition)).toBeLessThan(BigInt(cursor));
      } finally {
        await older.end();
        await newer.end();
      }
    });

    it('keeps stream versions ascending in log order by refusing an append from an older transaction', async () => {
      const s = stream();
      const older = await begin();
      try {
        await older.query('SELECT pg_current_xact_id()');
        await store.appendToStream('t', s, [ev('V1')], { expectedVersion: 'no_stream' }); // newer transaction, committed
        const err = await store
          .appendToStream('t', s, [ev('V2')], { expectedVersion: 1, client: older })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ConcurrencyError);
        expect((err as Error).message).toMatch(/newer transaction/);
      } finally {
        await older.query('ROLLBACK');
        await older.end();
      }
      await store.appendToStream('t', s, [ev('V2')], { expectedVersion: 1 });
      expect((await store.readStream(s)).map((e) => e.type)).toEqual(['V1', 'V2']);
    });
  });

  it('validates cataloged events on append and stores only the declared fields', async () => {
    const validating = new PostgresEventStore({ pool, validate: CATALOG });
    const s = stream();
    const data = { projection: 'p', eventsReplayed: 1, position: '5', rebuiltAt: '2026-01-01T00:00:00.000Z' };
    await validating.appendToStream('t', s, [{ type: 'ProjectionRebuilt', data: { ...data, secret: 'x' } }], {
      expectedVersion: 'no_stream',
    });
    expect((await store.readStream(s))[0].data).toEqual(data);
    await expect(
      validating.appendToStream('t', s, [{ type: 'ProjectionRebuilt', data: { ...data, eventsReplayed: -1 } }], {
        expectedVersion: 1,
      }),
    ).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/ProjectionRebuilt data is invalid \(eventsReplayed: /) });
    await validating.appendToStream('t', s, [ev('NotCataloged', { any: 1 })], { expectedVersion: 1 });
    expect(await store.streamVersion(s)).toBe(2);
  });

  it('upcasts old schema versions on read and stamps the current version on append', async () => {
    const upcasters = new UpcasterRegistry().register('PriceSet', {
      currentVersion: 3,
      upcasters: {
        1: (d) => ({ amount: d.price, currency: 'EUR' }),
        2: (d) => ({ ...d, amountCents: Math.round(Number(d.amount) * 100) }),
      },
    });
    const v3store = new PostgresEventStore({ pool, upcasters });
    const s = stream();
    await store.appendToStream('t', s, [ev('PriceSet', { price: 2.5 })], { expectedVersion: 'no_stream' }); // written as v1
    await v3store.appendToStream('t', s, [ev('PriceSet', { amount: 1, currency: 'USD', amountCents: 100 })], {
      expectedVersion: 1,
    });
    const read = await v3store.readStream(s);
    expect(read.map((e) => [e.schemaVersion, e.data])).toEqual([
      [3, { amount: 2.5, currency: 'EUR', amountCents: 250 }],
      [3, { amount: 1, currency: 'USD', amountCents: 100 }],
    ]);
    const stored = await pool.query('SELECT schema_version FROM events WHERE stream_id = $1 ORDER BY stream_version', [s]);
    expect(stored.rows.map((r) => r.schema_version)).toEqual([1, 3]);
  });
});

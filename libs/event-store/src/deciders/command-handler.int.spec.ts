import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { Pool } from 'pg';
import { ConcurrencyError } from '../concurrency.error';
import type { EventStore } from '../event-store.port';
import { runMigrations } from '../migrations/run-migrations';
import { eventStoreMigrations } from '../postgres/event-store.migrations';
import { PostgresEventStore } from '../postgres/postgres-event-store';
import { CommandHandler, type StreamStore } from './command-handler';
import { ticketDecider, type TicketCommand } from './__tests__/ticket.decider';

// Real Postgres on a shared machine: a generous bound against hangs, not a timing check.
jest.setTimeout(30_000);

describe('CommandHandler', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  let n = 0;
  const streamId = () => `ticket-${++n}`;
  const open: TicketCommand = { type: 'OpenTicket', data: { ticketId: 't', title: 'x', openedAt: '2026-01-01T00:00:00.000Z' } };

  beforeAll(async () => {
    db = await createTestDatabase('hf_cmd');
    await runMigrations(db.url, eventStoreMigrations);
    pool = new Pool({ connectionString: db.url, max: 4 });
    // the drop may terminate a connection the ending pool has not closed yet
    pool.on('error', () => undefined);
    store = new PostgresEventStore({ pool, notify: false });
  });

  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  /** A store whose first `conflicts` appends see another writer sneak in just before them. */
  function racingStore(conflicts: number): StreamStore & { appends: number } {
    let left = conflicts;
    const wrapper = {
      appends: 0,
      readStream: store.readStream.bind(store),
      async appendToStream(...args: Parameters<EventStore['appendToStream']>) {
        wrapper.appends++;
        if (left-- > 0) {
          await store.appendToStream(args[0], args[1], [{ type: 'TicketCommented', data: { text: 'racer' } }], {
            expectedVersion: 'any',
          });
        }
        return store.appendToStream(...args);
      },
    };
    return wrapper;
  }

  it('loads, decides and appends with metadata on every event', async () => {
    const s = streamId();
    const handler = new CommandHandler(store, ticketDecider);
    const result = await handler.handle({
      tenantId: 'tenant-1',
      streamId: s,
      command: open,
      metadata: { correlationId: 'corr-9', causationId: 'cmd-9', actor: 'user:1' },
    });
    expect(result.state).toEqual({ status: 'open', ticketId: 't', comments: 0 });
    expect(result.nextExpectedVersion).toBe(1);
    const [stored] = await store.readStream(s);
    expect(stored).toMatchObject({ type: 'TicketOpened', tenantId: 'tenant-1' });
    expect(stored.metadata).toMatchObject({ correlationId: 'corr-9', causationId: 'cmd-9', actor: 'user:1' });

    await handler.handle({ tenantId: 'tenant-1', streamId: s, command: { type: 'CommentOnTicket', data: { text: 'hi' } } });
    const closed = await handler.handle({ tenantId: 'tenant-1', streamId: s, command: { type: 'CloseTicket', data: { closedAt: 'z' } } });
    expect(closed.state).toEqual({ status: 'closed', ticketId: 't', comments: 1 });
    expect(closed.nextExpectedVersion).toBe(3);
  });

  it('appends nothing when the decider decides nothing', async () => {
    const s = streamId();
    const handler = new CommandHandler(store, ticketDecider);
    await handler.handle({ tenantId: 't', streamId: s, command: open });
    await handler.handle({ tenantId: 't', streamId: s, command: { type: 'CloseTicket', data: { closedAt: 'z' } } });
    const again = await handler.handle({ tenantId: 't', streamId: s, command: { type: 'CloseTicket', data: { closedAt: 'z' } } });
    expect(again.events).toEqual([]);
    expect(await store.streamVersion(s)).toBe(2);
  });

  it('re-reads and decides again after a conflict', async () => {
    const s = streamId();
    await new CommandHandler(store, ticketDecider).handle({ tenantId: 't', streamId: s, command: open });
    const racing = racingStore(2);
    const result = await new CommandHandler(racing, ticketDecider, { maxRetries: 3 }).handle({
      tenantId: 't',
      streamId: s,
      command: { type: 'CommentOnTicket', data: { text: 'mine' } },
    });
    expect(result.retries).toBe(2);
    expect(racing.appends).toBe(3);
    // decided on the state that includes both racers' comments
    expect(result.state).toEqual({ status: 'open', ticketId: 't', comments: 3 });
    expect((await store.readStream(s)).map((e) => e.data.text ?? e.type)).toEqual(['TicketOpened', 'racer', 'racer', 'mine']);
  });

  it('gives up with the ConcurrencyError after the bounded number of retries', async () => {
    const s = streamId();
    await new CommandHandler(store, ticketDecider).handle({ tenantId: 't', streamId: s, command: open });
    const racing = racingStore(10);
    await expect(
      new CommandHandler(racing, ticketDecider, { maxRetries: 2 }).handle({
        tenantId: 't',
        streamId: s,
        command: { type: 'CommentOnTicket', data: { text: 'mine' } },
      }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(racing.appends).toBe(3);
  });

  it('propagates the decider’s rejection without appending', async () => {
    const s = streamId();
    await expect(
      new CommandHandler(store, ticketDecider).handle({ tenantId: 't', streamId: s, command: { type: 'CommentOnTicket', data: { text: 'x' } } }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(await store.streamVersion(s)).toBe(0);
  });

  it('runs inside a store transaction with the service’s own writes', async () => {
    const s = streamId();
    await pool.query('CREATE TABLE IF NOT EXISTS ticket_titles (stream_id text PRIMARY KEY, title text)');
    const handler = new CommandHandler(store, ticketDecider);
    await expect(
      store.withTransaction(async (tx) => {
        await handler.handle({ tenantId: 't', streamId: s, command: open, tx });
        await tx.client.query('INSERT INTO ticket_titles VALUES ($1, $2)', [s, 'x']);
        throw new Error('service failed after deciding');
      }),
    ).rejects.toThrow('service failed');
    expect(await store.streamVersion(s)).toBe(0);

    await store.withTransaction(async (tx) => {
      await handler.handle({ tenantId: 't', streamId: s, command: open, tx });
      await tx.client.query('INSERT INTO ticket_titles VALUES ($1, $2)', [s, 'x']);
    });
    expect(await store.streamVersion(s)).toBe(1);
    expect((await pool.query('SELECT title FROM ticket_titles WHERE stream_id = $1', [s])).rows).toEqual([{ title: 'x' }]);
  });
});

import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@holdfast/contracts';
import { eventStoreMigrations, PostgresEventStore, runMigrations } from '@holdfast/event-store';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { Pool } from 'pg';
import { messagingMigrations } from '../messaging.migrations';

export interface MessagingDatabase {
  readonly db: TestDatabase;
  readonly pool: Pool;
  readonly store: PostgresEventStore;
  /** Empties the event log and every messaging table, for the next test. */
  reset(): Promise<void>;
  /** Appends `n` single-event streams and waits until the gap-safe log shows them. */
  append(n: number, tenantId?: string): Promise<RecordedEvent[]>;
  /** Rows of the test's `effects` table: what handlers did, one row per application. */
  effects(): Promise<{ event_id: string; consumer: string }[]>;
  close(): Promise<void>;
}

/** A throw-away database with the event store's and messaging's tables and an `effects` table. */
export async function createMessagingDatabase(): Promise<MessagingDatabase> {
  const db = await createTestDatabase('hf_msg');
  await runMigrations(db.url, [eventStoreMigrations, messagingMigrations]);
  const pool = new Pool({ connectionString: db.url, max: 8 });
  pool.on('error', () => undefined); // idle clients cut off when the database is dropped
  const store = new PostgresEventStore({ pool, notify: false });
  await pool.query('CREATE TABLE effects (id bigserial PRIMARY KEY, consumer text NOT NULL, event_id text NOT NULL)');
  return {
    db,
    pool,
    store,
    async reset() {
      await pool.query(
        'TRUNCATE events, streams, messaging_inbox, dead_letters, messaging_relay_checkpoints, effects RESTART IDENTITY',
      );
    },
    async append(n, tenantId = 'tenant-a') {
      const out: RecordedEvent[] = [];
      for (let i = 0; i < n; i++) {
        const r = await store.appendToStream(tenantId, `run-${randomUUID()}`, [{ type: 'RunRequested', data: { i } }], {
          expectedVersion: 'no_stream',
        });
        out.push(...r.events);
      }
      // readAll is gap-safe across the whole server: wait out transactions of other test runs
      await store.waitForVisibility();
      return out;
    },
    async effects() {
      const { rows } = await pool.query('SELECT event_id, consumer FROM effects ORDER BY id');
      return rows;
    },
    async close() {
      await pool.end();
      await db.drop();
    },
  };
}

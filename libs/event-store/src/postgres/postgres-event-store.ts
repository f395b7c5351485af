import { randomUUID } from 'node:crypto';
import { HoldfastError, type DomainEvent, type EventMetadata, type RecordedEvent } from '@holdfast/contracts';
import type { ClientBase, Pool, PoolClient } from 'pg';
import { ConcurrencyError } from '../concurrency.error';
import type { AppendResult, EventStore, ExpectedVersion, ReadAllOptions } from '../event-store.port';
import { UpcasterRegistry } from '../upcasting/upcaster-registry';
import { EVENTS_NOTIFY_CHANNEL } from './event-store.migrations';
import { inTransaction, type Queryable } from './pg-types';

export interface PostgresEventStoreOptions {
  readonly pool: Pool;
  /** Schema versions and upcasters; an empty registry treats every type as version 1. */
  readonly upcasters?: UpcasterRegistry;
  /** NOTIFY `holdfast_events` on every append so projection runners wake at once. Default true. */
  readonly notify?: boolean;
  /**
   * Event definitions (e.g. the contracts CATALOG) whose `parse` validates data on append.
   * The parsed data is stored, so fields the schema does not declare never reach the log.
   * Types not listed are appended as given.
   */
  readonly validate?: readonly EventValidator[];
}

/** What the store needs of an event definition to validate it (contracts' defineEvent fits). */
export interface EventValidator {
  readonly type: string;
  parse(data: unknown): unknown;
}

export interface AppendOptions {
  readonly expectedVersion: ExpectedVersion;
  /**
   * A client inside a transaction the caller opened: the append joins it and commits or
   * rolls back with the caller's own writes. Without it the store uses its own transaction.
   */
  readonly client?: ClientBase;
}

/** What `withTransaction` hands to its callback. */
export interface EventStoreTransaction {
  /** The transaction's client, for the service's own tables. */
  readonly client: PoolClient;
  appendToStream(
    tenantId: string,
    streamId: string,
    events: readonly DomainEvent[],
    options: { expectedVersion: ExpectedVersion },
  ): Promise<AppendResult>;
  readStream(streamId: string, options?: { fromVersion?: number; tenantId?: string }): Promise<RecordedEvent[]>;
}

const DEFAULT_READ_ALL_LIMIT = 1000;
const MAX_READ_ALL_LIMIT = 10_000;

interface EventRow {
  global_position: string;
  stream_id: string;
  stream_version: string;
  tenant_id: string;
  event_id: string;
  type: string;
  schema_version: number;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  recorded_at: Date;
}

const COLUMNS = [
  'global_position',
  'stream_id',
  'stream_version',
  'tenant_id',
  'event_id',
  'type',
  'schema_version',
  'data',
  'metadata',
  'recorded_at',
];
const EVENT_COLUMNS = COLUMNS.join(', ');
const EVENT_COLUMNS_OF_E = COLUMNS.map((c) => `e.${c}`).join(', ');

/**
 * The event store on Postgres: one `events` table (also the outbox), one `streams` table
 * with each stream's version. Run `eventStoreMigrations` before use.
 */
export class PostgresEventStore implements EventStore {
  readonly upcasters: UpcasterRegistry;
  private readonly pool: Pool;
  private readonly notify: boolean;
  private readonly validators: ReadonlyMap<string, EventValidator>;

  constructor(options: PostgresEventStoreOptions) {
    this.pool = options.pool;
    this.upcasters = options.upcasters ?? new UpcasterRegistry();
    this.notify = options.notify ?? true;
    this.validators = new Map((options.validate ?? []).map((v) => [v.type, v]));
  }

  async appendToStream(
    tenantId: string,
    streamId: string,
    events: readonly DomainEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    validateAppend(tenantId, streamId, events, options.expectedVersion);
    if (options.client) return this.appendWith(options.client, tenantId, streamId, events, options.expectedVersion);
    return inTransaction(this.pool, (client) =>
      this.appendWith(client, tenantId, streamId, events, options.expectedVersion),
    );
  }

  /**
   * Runs `fn` in one transaction: the service writes its own tables through `tx.client`
   * and appends through `tx.appendToStream`; all of it commits or none. Append last:
   * the appended stream stays locked until commit.
   */
  withTransaction<T>(fn: (tx: EventStoreTransaction) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, (client) =>
      fn({
        client,
        appendToStream: (tenantId, streamId, events, options) =>
          this.appendToStream(tenantId, streamId, events, { ...options, client }),
        readStream: (streamId, options) => this.readStream(streamId, { ...options, client }),
      }),
    );
  }

  async readStream(
    streamId: string,
    options: { fromVersion?: number; tenantId?: string; client?: Queryable } = {},
  ): Promise<RecordedEvent[]> {
    const params: unknown[] = [streamId, options.fromVersion ?? 1];
    let tenantFilter = '';
    if (options.tenantId !== undefined) {
      params.push(options.tenantId);
      tenantFilter = ' AND tenant_id = $3';
    }
    const { rows } = await (options.client ?? this.pool).query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events
        WHERE stream_id = $1 AND stream_version >= $2${tenantFilter}
        ORDER BY stream_version`,
      params,
    );
    return rows.map((r) => this.toRecorded(r));
  }

  /** Current version of a stream; 0 when it does not exist. */
  async streamVersion(streamId: string, client?: Queryable): Promise<number> {
    const { rows } = await (client ?? this.pool).query<{ version: string }>(
      'SELECT version FROM streams WHERE stream_id = $1',
      [streamId],
    );
    return rows.length ? Number(rows[0].version) : 0;
  }

  async readAll(options: ReadAllOptions & { client?: Queryable }): Promise<RecordedEvent[]> {
    if (!/^\d+$/.test(options.after)) {
      throw new HoldfastError('validation_failed', `readAll: after must be a global position (digits), got "${options.after}"`);
    }
    const limit = Math.min(Math.max(1, Math.floor(options.limit ?? DEFAULT_READ_ALL_LIMIT)), MAX_READ_ALL_LIMIT);
    const params: unknown[] = [options.after, limit];
    const filters: string[] = [];
    if (options.tenantId !== undefined) {
      params.push(options.tenantId);
      filters.push(`e.tenant_id = $${params.length}`);
    }
    if (options.types !== undefined) {
      params.push(options.types);
      filters.push(`e.type = ANY($${params.length}::text[])`);
    }
    // The cursor is the (transaction id, position) of the event at `after` (or the nearest
    // before it). Only rows of transactions older than every running one are returned:
    // anything that commits later has a larger transaction id and so sorts after them.
    const { rows } = await (options.client ?? this.pool).query<EventRow>(
      `WITH cursor AS (
         SELECT coalesce(
           (SELECT transaction_id FROM events WHERE global_position <= $1::bigint
             ORDER BY global_position DESC LIMIT 1),
           '0'::xid8) AS xid
       )
       SELECT ${EVENT_COLUMNS_OF_E}
         FROM events e
        WHERE (e.transaction_id, e.global_position) > ((SELECT xid FROM cursor), $1::bigint)
          AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
          ${filters.map((f) => `AND ${f}`).join(' ')}
        ORDER BY e.transaction_id, e.global_position
        LIMIT $2`,
      params,
    );
    return rows.map((r) => this.toRecorded(r));
  }

  /**
   * Resolves once readAll returns every event committed before the call. Gap-safe reads
   * hold events back while any older transaction on the server runs; tests and one-shot
   * tools use this to wait for those. Fails with a `timeout` HoldfastError after `timeoutMs`.
   */
  async waitForVisibility(options: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    const { rows } = await this.pool.query<{ target: string }>(
      'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS target',
    );
    for (;;) {
      const check = await this.pool.query<{ passed: boolean }>(
        'SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS passed',
        [rows[0].target],
      );
      if (check.rows[0].passed) return;
      if (Date.now() > deadline) {
        throw new HoldfastError('timeout', 'a transaction older than this wait is still running on the database server');
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async appendWith(
    client: ClientBase,
    tenantId: string,
    streamId: string,
    events: readonly DomainEvent[],
    expected: ExpectedVersion,
  ): Promise<AppendResult> {
    if (events.length === 0) {
      // Nothing to write: check the expectation without creating or locking the stream.
      const { rows } = await client.query<{ tenant_id: string; version: string }>(
        'SELECT tenant_id, version FROM streams WHERE stream_id = $1',
        [streamId],
      );
      const version = rows.length ? Number(rows[0].version) : 0;
      if (rows.length && rows[0].tenant_id !== tenantId) {
        throw new HoldfastError('forbidden', `stream ${streamId} belongs to another tenant`, { streamId });
      }
      checkExpected(streamId, expected, version);
      return { nextExpectedVersion: version, lastGlobalPosition: '0', events: [] };
    }
    const stream = await lockStream(client, tenantId, streamId);
    if (stream.tenantId !== tenantId) {
      throw new HoldfastError('forbidden', `stream ${streamId} belongs to another tenant`, { streamId });
    }
    checkExpected(streamId, expected, stream.version);
    if (stream.newerWriter) {
      // A transaction that started after ours already appended here; appending now would put
      // our (older) transaction id after its events' versions and break log order.
      throw new ConcurrencyError(
        streamId,
        expected,
        stream.version,
        `stream ${streamId} was appended by a newer transaction; retry in a new transaction`,
      );
    }

    const versions: number[] = [];
    const ids: string[] = [];
    const types: string[] = [];
    const schemaVersions: number[] = [];
    const datas: string[] = [];
    const metas: string[] = [];
    events.forEach((event, i) => {
      const eventId = event.metadata?.eventId ?? randomUUID();
      const metadata: EventMetadata = {
        ...stripUndefined(event.metadata ?? {}),
        eventId,
        correlationId: event.metadata?.correlationId ?? eventId,
      };
      versions.push(stream.version + i + 1);
      ids.push(eventId);
      types.push(event.type);
      schemaVersions.push(this.upcasters.currentVersion(event.type));
      datas.push(JSON.stringify(this.validated(streamId, event)));
      metas.push(JSON.stringify(metadata));
    });

    let inserted: EventRow[];
    try {
      ({ rows: inserted } = await client.query<EventRow>(
        `INSERT INTO events (stream_id, stream_version, tenant_id, event_id, type, schema_version, data, metadata)
         SELECT $1, v.version, $2, v.event_id, v.type, v.schema_version, v.data, v.metadata
           FROM unnest($3::bigint[], $4::uuid[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[])
                WITH ORDINALITY AS v(version, event_id, type, schema_version, data, metadata, ord)
          ORDER BY v.ord
         RETURNING ${EVENT_COLUMNS}`,
        [streamId, tenantId, versions, ids, types, schemaVersions, datas, metas],
      ));
    } catch (e) {
      if (isUniqueViolation(e, 'events_stream_id_stream_version_key')) {
        // only reachable from a REPEATABLE READ caller transaction with a stale snapshot
        throw new ConcurrencyError(streamId, expected, stream.version, `stream ${streamId} was appended concurrently`);
      }
      if (isUniqueViolation(e, 'events_event_id_key')) {
        throw new HoldfastError('already_exists', `an event with one of these event ids is already stored in ${streamId}`, {
          streamId,
        });
      }
      throw e;
    }
    const next = stream.version + events.length;
    await client.query(
      `UPDATE streams SET version = $2, last_transaction_id = pg_current_xact_id(), updated_at = now()
        WHERE stream_id = $1`,
      [streamId, next],
    );
    if (this.notify) await client.query('SELECT pg_notify($1, $2)', [EVENTS_NOTIFY_CHANNEL, tenantId]);

    inserted.sort((a, b) => Number(a.stream_version) - Number(b.stream_version));
    const recorded = inserted.map((r) => this.toRecorded(r));
    return {
      nextExpectedVersion: next,
      lastGlobalPosition: recorded[recorded.length - 1].globalPosition,
      events: recorded,
    };
  }

  private validated(streamId: string, event: DomainEvent): unknown {
    const validator = this.validators.get(event.type);
    if (!validator) return event.data;
    try {
      return validator.parse(event.data);
    } catch (e) {
      const issue = (e as { issues?: { path?: PropertyKey[]; message?: string }[] }).issues?.[0];
      const reason = issue
        ? `${issue.path?.length ? issue.path.map(String).join('.') : 'data'}: ${issue.message ?? 'invalid'}`
        : e instanceof Error
          ? e.message
          : String(e);
      throw new HoldfastError('validation_failed', `appendToStream(${streamId}): ${event.type} data is invalid (${reason})`, {
        streamId,
        type: event.type,
      });
    }
  }

  private toRecorded(row: EventRow): RecordedEvent {
    const { schemaVersion, data } = this.upcasters.upcast(row.type, row.schema_version, row.data);
    return {
      type: row.type,
      data,
      metadata: { ...row.metadata, eventId: row.event_id },
      eventId: row.event_id,
      streamId: row.stream_id,
      streamVersion: Number(row.stream_version),
      globalPosition: row.global_position,
      tenantId: row.tenant_id,
      schemaVersion,
      recordedAt: row.recorded_at.toISOString(),
    };
  }
}

interface LockedStream {
  tenantId: string;
  version: number;
  newerWriter: boolean;
}

/** Locks the stream's row for this transaction, creating it (version 0) if it is new. */
async function lockStream(client: ClientBase, tenantId: string, streamId: string): Promise<LockedStream> {
  // Writers of one stream queue on an advisory lock first: it takes no transaction id, so a
  // store-owned transaction gets its id only once it holds the lock, after the previous
  // writer committed, and versions ascend with transaction ids without spurious conflicts.
  await client.query("SELECT pg_advisory_xact_lock(hashtext('holdfast.event-store.stream'), hashtext($1))", [
    streamId,
  ]);
  for (let attempt = 0; attempt < 2; attempt++) {
    const { rows } = await client.query<{ tenant_id: string; version: string; newer: boolean }>(
      `SELECT tenant_id, version, last_transaction_id > pg_current_xact_id() AS newer
         FROM streams WHERE stream_id = $1 FOR UPDATE`,
      [streamId],
    );
    if (rows.length) {
      return { tenantId: rows[0].tenant_id, version: Number(rows[0].version), newerWriter: rows[0].newer };
    }
    // Two writers creating the same stream: the second waits here for the first to finish,
    // gets no row back, and reads the row the first one committed.
    const created = await client.query(
      `INSERT INTO streams (stream_id, tenant_id, version, last_transaction_id)
       VALUES ($1, $2, 0, pg_current_xact_id())
       ON CONFLICT (stream_id) DO NOTHING`,
      [streamId, tenantId],
    );
    if (created.rowCount === 1) return { tenantId, version: 0, newerWriter: false };
  }
  throw new HoldfastError('internal', `could not lock stream ${streamId}`);
}

function checkExpected(streamId: string, expected: ExpectedVersion, actual: number): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && actual === 0) ||
    (expected === 'stream_exists' && actual > 0) ||
    (typeof expected === 'number' && expected === actual);
  if (!ok) throw new ConcurrencyError(streamId, expected, actual);
}

function validateAppend(
  tenantId: string,
  streamId: string,
  events: readonly DomainEvent[],
  expected: ExpectedVersion,
): void {
  if (!tenantId) throw new HoldfastError('validation_failed', 'appendToStream: tenantId is required');
  if (!streamId) throw new HoldfastError('validation_failed', 'appendToStream: streamId is required');
  if (typeof expected === 'number' && (!Number.isInteger(expected) || expected < 0)) {
    throw new HoldfastError('validation_failed', `appendToStream: expectedVersion ${expected} is not a version`);
  }
  for (const e of events) {
    if (!e.type) throw new HoldfastError('validation_failed', `appendToStream(${streamId}): an event has no type`);
    if (e.data === null || typeof e.data !== 'object' || Array.isArray(e.data)) {
      throw new HoldfastError('validation_failed', `appendToStream(${streamId}): data of ${e.type} must be an object`);
    }
  }
}

function stripUndefined(metadata: EventMetadata): EventMetadata {
  return Object.fromEntries(Object.entries(metadata).filter(([, v]) => v !== undefined)) as EventMetadata;
}

function isUniqueViolation(e: unknown, constraint: string): boolean {
  return (
    typeof e === 'object' &&
    e !== null &&
    (e as { code?: string }).code === '23505' &&
    (e as { constraint?: string }).constraint === constraint
  );
}

import { Client, type Pool, type PoolClient } from 'pg';
import type { RecordedEvent } from '@holdfast/contracts';
import { EVENTS_NOTIFY_CHANNEL, type EventStore } from '@holdfast/event-store';
import { metrics } from '@opentelemetry/api';
import { defaultBusLogger, type BusLogger } from './bus-logger';
import { HoldfastError } from '@holdfast/contracts';
import { PostgresDeadLetterStore, type DeadLetterSink } from './dead-letter.repository';
import { describeError } from './delivery-policy';
import { encodeJson } from './wire-format';
import type { MessageBus } from './message-bus.port';

/** The part of the event store the relay reads: the gap-safe global log. */
export type GlobalLogReader = Pick<EventStore, 'readAll'>;

export interface OutboxRelayOptions {
  readonly store: GlobalLogReader;
  readonly bus: Pick<MessageBus, 'publishEvent'>;
  /** Holds `messaging_relay_checkpoints` (see messagingMigrations). */
  readonly pool: Pool;
  /** Checkpoint key; one relay per installation normally (default 'events'). */
  readonly name?: string;
  readonly batchSize?: number;
  /** Idle wait between polls when the log is drained (default 250 ms). */
  readonly pollIntervalMs?: number;
  /**
   * LISTEN for the event store's append notifications on this database (a dedicated
   * connection), so the background loop publishes at once instead of at the next poll.
   */
  readonly listenUrl?: string;
  readonly logger?: BusLogger;
  /**
   * Where events that can never be published go (e.g. a type that is not a valid subject
   * token), so one bad event cannot stop the relay. Default: the `dead_letters` table.
   */
  readonly deadLetters?: DeadLetterSink;
  /**
   * Called after a batch was published and before its checkpoint commits. A test seam to
   * prove that a relay dying here loses and duplicates nothing.
   */
  readonly beforeCheckpointCommit?: (events: readonly RecordedEvent[]) => Promise<void>;
}

export interface RelayBatchResult {
  /** Events published in this batch (duplicates included). */
  readonly published: number;
  /** Of those, how many JetStream already had (republished after a crash). */
  readonly duplicates: number;
  /** Checkpoint after the batch. */
  readonly position: string;
  /** False when another relay instance held the lock and this one did nothing. */
  readonly ranBatch: boolean;
}

const meter = metrics.getMeter('holdfast.messaging');
const relayPublished = meter.createCounter('holdfast.messaging.relay.published', {
  description: 'Events the outbox relay published for the first time',
});
const relayDuplicates = meter.createCounter('holdfast.messaging.relay.duplicates', {
  description: 'Events the relay published again after a crash, dropped by de-duplication',
});

/**
 * Publishes the event store's global log to the bus: the event table is the outbox.
 *
 * Each batch runs in one transaction holding an advisory lock (one active relay per name,
 * however many instances run): read the checkpoint, readAll after it (gap-safe), publish
 * each event with Nats-Msg-Id = eventId, then advance the checkpoint and commit. A relay
 * that dies after publishing and before the commit republishes the batch next time; the
 * stream's duplicate window drops the copies and consumer inboxes absorb any that get through.
 */
export class OutboxRelay {
  private readonly name: string;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly logger: BusLogger;
  private readonly deadLetters: DeadLetterSink;
  private running?: Promise<void>;
  private stopping = false;
  private wakeUp?: () => void;
  private wakeRequested = false;
  private listener?: Client;

  constructor(private readonly options: OutboxRelayOptions) {
    this.name = options.name ?? 'events';
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.logger = options.logger ?? defaultBusLogger('OutboxRelay');
    this.deadLetters = options.deadLetters ?? new PostgresDeadLetterStore(options.pool);
  }

  /** Publishes one batch and advances the checkpoint. */
  async runOnce(): Promise<RelayBatchResult> {
    const { pool } = this.options;
    await pool.query(
      'INSERT INTO messaging_relay_checkpoints (relay, position) VALUES ($1, 0) ON CONFLICT (relay) DO NOTHING',
      [this.name],
    );
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      // An advisory lock, not SELECT ... FOR UPDATE: it gives this transaction no xid, so the
      // gap-safe readAll is not held back by the relay's own open transaction.
      const lock = await client.query<{ ok: boolean }>(
        "SELECT pg_try_advisory_xact_lock(hashtext('holdfast.messaging.relay'), hashtext($1)) AS ok",
        [this.name],
      );
      if (!lock.rows[0].ok) {
        await client.query('ROLLBACK');
        return { published: 0, duplicates: 0, position: await this.checkpoint(), ranBatch: false };
      }
      const position = await this.readCheckpoint(client);
      const events = await this.options.store.readAll({ after: position, limit: this.batchSize });
      if (events.length === 0) {
        await client.query('ROLLBACK');
        return { published: 0, duplicates: 0, position, ranBatch: true };
      }
      const duplicates = await this.publishInOrder(events);
      await this.options.beforeCheckpointCommit?.(events);
      const next = events[events.length - 1].globalPosition;
      await client.query('UPDATE messaging_relay_checkpoints SET position = $2, updated_at = now() WHERE relay = $1', [
        this.name,
        next,
      ]);
      await client.query('COMMIT');
      relayPublished.add(events.length - duplicates, { 'holdfast.relay': this.name });
      if (duplicates > 0) relayDuplicates.add(duplicates, { 'holdfast.relay': this.name });
      if (duplicates > 0) this.logger.info({ relay: this.name, duplicates }, 'republished events were de-duplicated');
      return { published: events.length, duplicates, position: next, ranBatch: true };
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** Runs batches until the log is drained (tests, shutdown). */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const r = await this.runOnce();
      total += r.published;
      if (r.ranBatch && r.published < this.batchSize) return total;
      if (!r.ranBatch) await sleep(this.pollIntervalMs);
    }
  }

  /** Starts the relay loop in the background. */
  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = (async () => {
      if (this.options.listenUrl) await this.listen(this.options.listenUrl);
      await this.loop();
    })();
  }

  /** Wakes the loop now (e.g. after an append) instead of at the next poll. */
  wake(): void {
    this.wakeRequested = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    await this.running;
    this.running = undefined;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  private async listen(url: string): Promise<void> {
    const client = new Client({ connectionString: url, application_name: `holdfast-relay-${this.name}` });
    client.on('notification', () => this.wake());
    client.on('error', (err) => {
      // polling carries on; notifications only make it faster
      this.logger.warn({ relay: this.name, err: describeError(err) }, 'relay LISTEN connection failed; polling');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_NOTIFY_CHANNEL}`);
      this.listener = client;
    } catch (err) {
      this.logger.warn({ relay: this.name, err: describeError(err) }, 'relay could not LISTEN; polling');
      await client.end().catch(() => undefined);
    }
  }

  async checkpoint(): Promise<string> {
    const { rows } = await this.options.pool.query<{ position: string }>(
      'SELECT position::text AS position FROM messaging_relay_checkpoints WHERE relay = $1',
      [this.name],
    );
    return rows[0]?.position ?? '0';
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let wait = this.pollIntervalMs;
      this.wakeRequested = false;
      try {
        const r = await this.runOnce();
        failures = 0;
        if (r.published >= this.batchSize) wait = 0;
      } catch (err) {
        failures++;
        wait = Math.min(30_000, this.pollIntervalMs * 2 ** Math.min(failures, 7));
        this.logger.error({ relay: this.name, err: describeError(err), retryInMs: wait }, 'relay batch failed');
      }
      if (wait > 0 && !this.stopping && !this.wakeRequested) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, wait);
          this.wakeUp = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wakeUp = undefined;
      }
    }
  }

  private async readCheckpoint(client: PoolClient): Promise<string> {
    const { rows } = await client.query<{ position: string }>(
      'SELECT position::text AS position FROM messaging_relay_checkpoints WHERE relay = $1',
      [this.name],
    );
    return rows[0]?.position ?? '0';
  }

  /** One at a time: the stream then holds events in log order, which ordered consumers rely on. */
  private async publishInOrder(events: readonly RecordedEvent[]): Promise<number> {
    let duplicates = 0;
    for (const e of events) {
      try {
        const r = await this.options.bus.publishEvent(e);
        if (r.duplicate) duplicates++;
      } catch (err) {
        // transient failures stop the batch (retried from the same checkpoint); an event
        // the bus refuses outright would stop it forever, so it is set aside instead
        if (!(err instanceof HoldfastError && err.code === 'validation_failed')) throw err;
        await this.deadLetters.record({
          consumer: `relay:${this.name}`,
          subject: '',
          messageId: e.eventId,
          tenantId: e.tenantId,
          reason: 'unpublishable',
          detail: describeError(err),
          deliveries: 1,
          headers: {},
          payload: encodeJson(e),
        });
        this.logger.error({ relay: this.name, eventId: e.eventId, type: e.type, err: describeError(err) }, 'event cannot be published; dead-lettered');
      }
    }
    return duplicates;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

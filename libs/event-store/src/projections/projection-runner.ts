import { HoldfastError } from '@holdfast/contracts';
import { Client, type Pool } from 'pg';
import type { EventStore } from '../event-store.port';
import { EVENTS_NOTIFY_CHANNEL } from '../postgres/event-store.migrations';
import { inTransaction } from '../postgres/pg-types';
import type { Projection } from './projection';

/** pino-compatible subset; the runner logs failures and recoveries only. */
export interface ProjectionLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ProjectionRunnerOptions {
  readonly pool: Pool;
  /** Where the events come from: its `readAll` must be gap-safe (PostgresEventStore is). */
  readonly store: Pick<EventStore, 'readAll'>;
  readonly projections: readonly Projection[];
  /** Events per transaction. Default 500. */
  readonly batchSize?: number;
  /** How long to sleep when idle before polling again. Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** LISTEN for appends on this database (a dedicated connection) to wake at once. */
  readonly listenUrl?: string;
  readonly logger?: ProjectionLogger;
}

export interface ProjectionStatus {
  readonly name: string;
  /** Last checkpoint this runner saw ("0" before the first batch). */
  readonly position: string;
  readonly lastError?: string;
}

/** Outcome of one attempt at one batch. */
type BatchOutcome = { kind: 'applied'; count: number } | { kind: 'idle' } | { kind: 'moved' };

const MAX_BACKOFF_MS = 60_000;
const SETTLE_MIN_MS = 20;
const silentLogger: ProjectionLogger = { warn: () => undefined, error: () => undefined };

/**
 * Keeps projections up to date. For each projection it reads the gap-safe global log
 * after the projection's checkpoint and, in ONE transaction, compare-and-sets the
 * checkpoint and applies the batch: a replay is harmless and two runner instances never
 * apply the same batch twice (the loser of the compare-and-set rolls back).
 *
 *   const runner = new ProjectionRunner({ pool, store, projections: projectionRegistry.list(), listenUrl });
 *   runner.start(); ... await runner.stop();
 */
export class ProjectionRunner {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly logger: ProjectionLogger;
  private readonly positions = new Map<string, string>();
  private readonly errors = new Map<string, { message: string; failures: number; retryAt: number }>();
  private running: Promise<void> | undefined;
  private stopping = false;
  private woken = false;
  private wake: (() => void) | undefined;
  private listener: Client | undefined;

  constructor(private readonly options: ProjectionRunnerOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.logger = options.logger ?? silentLogger;
    const names = new Set<string>();
    for (const p of options.projections) {
      if (names.has(p.name)) throw new Error(`projection ${p.name} is given twice`);
      names.add(p.name);
    }
  }

  /** Starts the background loop (idempotent). */
  start(): void {
    if (this.running) return;
    this.stopping = false;
    this.running = this.loop();
  }

  /** Stops the loop after the batch in progress and closes the LISTEN connection. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.notify();
    await this.running;
    this.running = undefined;
    await this.closeListener();
  }

  /** Wakes the loop now instead of at the next poll (call after appending in-process). */
  notify(): void {
    this.woken = true;
    this.wake?.();
  }

  /**
   * Processes until every projection (or the named ones) has applied every event committed
   * before the call. Returns the number of events applied per projection; errors propagate.
   *
   * Gap-safe reads hold back events while ANY older transaction on the Postgres server is
   * still running, so this waits for those to finish too; it fails with a `timeout`
   * HoldfastError after `timeoutMs` (default 30 s) if one keeps running.
   */
  async catchUp(names?: readonly string[], options: { timeoutMs?: number } = {}): Promise<Record<string, number>> {
    const { pool } = this.options;
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    // Every transaction that finished before now has an id below this.
    const { rows } = await pool.query<{ target: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS target');
    const target = rows[0].target;
    const applied: Record<string, number> = {};
    const projections = this.selected(names);
    for (const p of projections) applied[p.name] = 0;
    for (;;) {
      // Checked BEFORE the pass: if every older transaction had finished by then, the pass
      // saw all their events.
      const horizon = await pool.query<{ passed: boolean }>(
        'SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::xid8 AS passed',
        [target],
      );
      for (const p of projections) {
        for (;;) {
          const outcome = await this.processBatch(p);
          if (outcome.kind === 'idle') break;
          if (outcome.kind === 'applied') applied[p.name] += outcome.count;
        }
      }
      if (horizon.rows[0].passed) return applied;
      if (Date.now() > deadline) {
        throw new HoldfastError(
          'timeout',
          'projections caught up only partially: a transaction older than the catch-up is still running on the database server',
          { applied },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  status(): ProjectionStatus[] {
    return this.options.projections.map((p) => ({
      name: p.name,
      position: this.positions.get(p.name) ?? '0',
      ...(this.errors.has(p.name) ? { lastError: this.errors.get(p.name)?.message } : {}),
    }));
  }

  private selected(names?: readonly string[]): readonly Projection[] {
    if (!names || names.length === 0) return this.options.projections;
    return this.options.projections.filter((p) => names.includes(p.name));
  }

  private async loop(): Promise<void> {
    let settleMs = 0;
    while (!this.stopping) {
      const woken = this.woken;
      this.woken = false;
      if (this.options.listenUrl && !this.listener) await this.openListener();
      let busy = false;
      for (const p of this.options.projections) {
        if (this.stopping) break;
        const failure = this.errors.get(p.name);
        if (failure && failure.retryAt > Date.now()) continue;
        try {
          const outcome = await this.processBatch(p);
          if (outcome.kind !== 'idle') busy = true;
          if (failure) {
            this.errors.delete(p.name);
            this.logger.warn({ projection: p.name }, 'projection recovered');
          }
        } catch (e) {
          const failures = (failure?.failures ?? 0) + 1;
          const message = e instanceof Error ? e.message : String(e);
          const backoff = Math.min(MAX_BACKOFF_MS, this.pollIntervalMs * 2 ** (failures - 1));
          this.errors.set(p.name, { message, failures, retryAt: Date.now() + backoff });
          this.logger.error(
            { projection: p.name, position: this.positions.get(p.name) ?? '0', failures, err: message },
            'projection batch failed; retrying later',
          );
        }
      }
      if (this.stopping) break;
      if (busy || this.woken) {
        settleMs = 0;
        continue;
      }
      // Woken but nothing visible yet: the new events wait behind an older transaction that
      // is still running, so look again soon (backing off) rather than after a full poll.
      settleMs = woken ? SETTLE_MIN_MS : settleMs * 2;
      if (settleMs > 0 && settleMs < this.pollIntervalMs) {
        await this.sleep(settleMs);
      } else {
        settleMs = 0;
        await this.sleep(this.pollIntervalMs);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** One batch of one projection: read after the checkpoint, then CAS + apply in one transaction. */
  private async processBatch(projection: Projection): Promise<BatchOutcome> {
    const { pool, store } = this.options;
    await pool.query('INSERT INTO projection_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [
      projection.name,
    ]);
    const { rows } = await pool.query<{ position: string }>(
      'SELECT position FROM projection_checkpoints WHERE name = $1',
      [projection.name],
    );
    const from = rows[0].position;
    this.positions.set(projection.name, from);
    const events = await store.readAll({ after: from, limit: this.batchSize, types: projection.handles });
    if (events.length === 0) return { kind: 'idle' };
    const to = events[events.length - 1].globalPosition;

    const moved = await inTransaction(pool, async (tx) => {
      // The compare-and-set goes first: a second runner blocks on the row lock here and
      // then finds the checkpoint moved, before applying anything.
      const cas = await tx.query(
        'UPDATE projection_checkpoints SET position = $3, updated_at = now() WHERE name = $1 AND position = $2',
        [projection.name, from, to],
      );
      if (cas.rowCount !== 1) return true;
      await projection.handle(events, tx);
      return false;
    });
    if (moved) return { kind: 'moved' };
    this.positions.set(projection.name, to);
    return { kind: 'applied', count: events.length };
  }

  private async openListener(): Promise<void> {
    const client = new Client({ connectionString: this.options.listenUrl, application_name: 'holdfast-projections' });
    client.on('notification', () => this.notify());
    client.on('error', (e) => {
      this.logger.warn({ err: e.message }, 'projection LISTEN connection lost; polling until it reconnects');
      if (this.listener === client) this.listener = undefined;
      client.end().catch(() => undefined);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_NOTIFY_CHANNEL}`);
      this.listener = client;
    } catch (e) {
      this.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'projection LISTEN failed; polling');
      await client.end().catch(() => undefined);
    }
  }

  private async closeListener(): Promise<void> {
    const client = this.listener;
    this.listener = undefined;
    await client?.end().catch(() => undefined);
  }
}

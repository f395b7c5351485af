import { CATALOG } from '@holdfast/contracts';
import { eventStoreMigrations, PostgresEventStore, runMigrations, UpcasterRegistry } from '@holdfast/event-store';
import { connectBus, messagingMigrations, OutboxRelay, type BusKind, type MessageBus } from '@holdfast/messaging';
import { Pool } from 'pg';
import { getLogger } from '../logging/logger';

/** The message bus as service-kit sees it: which adapter, why, whether it answers. */
export interface BusConnection {
  readonly kind: BusKind;
  /** Why this adapter was chosen (for the boot log and `holdfast up`). */
  readonly reason: string;
  readonly bus: MessageBus;
  /** Resolves when a request makes a round trip through the bus; throws with the reason otherwise. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** Connections shared by every service module of a process. */
export interface Platform {
  readonly namespace: string;
  readonly db: Pool;
  /** The event store on `db`, validating and upcasting with the contracts' catalog. */
  readonly eventStore: PostgresEventStore;
  readonly bus: BusConnection;
  close(): Promise<void>;
}

export type BusMode = 'auto' | 'jetstream' | 'in-process';

export interface PlatformOptions {
  readonly databaseUrl: string;
  readonly natsUrl?: string;
  readonly namespace: string;
  /** auto: JetStream when NATS_URL answers, else in-process; jetstream: NATS required. */
  readonly busMode?: BusMode;
  readonly poolSize?: number;
  /**
   * Run the outbox relay (event table -> bus) in this process; default true. Relays of
   * several processes take turns under an advisory lock, so every process may run one.
   */
  readonly relay?: boolean;
}

const PING = { service: 'service-kit', method: 'ping' } as const;

/**
 * Opens the Postgres pool, applies the event store's and messaging's migrations (the bus
 * needs its tables), then connects the bus. Everything opened is closed again on failure.
 */
export async function createPlatform(options: PlatformOptions): Promise<Platform> {
  const log = getLogger('Platform');
  const db = new Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
  // an idle client losing its connection must not crash the process; the next query reconnects
  db.on('error', (e) => log.warn({ err: e }, 'idle Postgres connection failed'));
  let bus: BusConnection;
  let relay: OutboxRelay | undefined;
  const eventStore = new PostgresEventStore({ pool: db, upcasters: new UpcasterRegistry().registerCatalog(CATALOG), validate: CATALOG });
  try {
    const report = await runMigrations(db, [eventStoreMigrations, messagingMigrations]);
    if (report.applied.length) log.info({ applied: report.applied.map((m) => `${m.module}/${m.name}`) }, 'migrations applied');
    const connected = await connectBus({
      natsUrl: options.natsUrl,
      namespace: options.namespace,
      mode: options.busMode ?? 'auto',
      pool: db,
      logger: getLogger('MessageBus'),
    });
    const ping = await connected.bus.respond(PING.service, PING.method, async () => ({ ok: true }));
    bus = {
      kind: connected.kind,
      reason: connected.reason,
      bus: connected.bus,
      async check() {
        await connected.bus.request(PING.service, PING.method, {}, { timeoutMs: 2000 });
      },
      async close() {
        await ping.close().catch(() => undefined);
        await connected.bus.close();
      },
    };
    if (options.relay ?? true) {
      relay = new OutboxRelay({
        store: eventStore,
        bus: connected.bus,
        pool: db,
        listenUrl: options.databaseUrl,
        logger: getLogger('OutboxRelay'),
      });
      relay.start();
    }
  } catch (e) {
    await db.end().catch(() => undefined);
    throw e;
  }
  let closed = false;
  return {
    namespace: options.namespace,
    db,
    eventStore,
    bus,
    async close() {
      if (closed) return;
      closed = true;
      await relay?.stop().catch((e) => log.warn({ err: e }, 'stopping the outbox relay failed'));
      await bus.close().catch((e) => log.warn({ err: e }, 'closing the bus failed'));
      await db.end().catch((e) => log.warn({ err: e }, 'closing the Postgres pool failed'));
    },
  };
}

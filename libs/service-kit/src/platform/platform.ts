import { Pool } from 'pg';
import { getLogger } from '../logging/logger';

/** The message bus as service-kit sees it: what it is, whether it works, how to close it. */
export interface BusConnection<TBus = unknown> {
  /** `jetstream` or `in-process`. */
  readonly kind: string;
  /** The bus itself (messaging's MessageBus) for services to publish and subscribe. */
  readonly bus: TBus;
  /** Resolves when the bus answers; throws with the reason otherwise. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** Connections shared by every service module of a process. */
export interface Platform {
  readonly namespace: string;
  readonly db: Pool;
  readonly bus: BusConnection;
  close(): Promise<void>;
}

export interface PlatformOptions {
  readonly databaseUrl: string;
  readonly natsUrl?: string;
  readonly namespace: string;
  /** Connects the bus; defaults to the messaging library's connectBus. */
  readonly connectBus?: (options: { natsUrl?: string; namespace: string }) => Promise<BusConnection>;
  readonly poolSize?: number;
}

/** Opens the Postgres pool and the bus for one process. */
export async function createPlatform(options: PlatformOptions): Promise<Platform> {
  const log = getLogger('Platform');
  const db = new Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
  // an idle client losing its connection must not crash the process; the next query reconnects
  db.on('error', (e) => log.warn({ err: e }, 'idle Postgres connection failed'));
  let bus: BusConnection;
  try {
    await db.query('SELECT 1');
    const connect = options.connectBus ?? connectDefaultBus;
    bus = await connect({ natsUrl: options.natsUrl, namespace: options.namespace });
  } catch (e) {
    await db.end().catch(() => undefined);
    throw e;
  }
  let closed = false;
  return {
    namespace: options.namespace,
    db,
    bus,
    async close() {
      if (closed) return;
      closed = true;
      await bus.close().catch((e) => log.warn({ err: e }, 'closing the bus failed'));
      await db.end().catch((e) => log.warn({ err: e }, 'closing the Postgres pool failed'));
    },
  };
}

async function connectDefaultBus(options: { natsUrl?: string; namespace: string }): Promise<BusConnection> {
  const { connectMessageBus } = await import('./message-bus');
  return connectMessageBus(options);
}

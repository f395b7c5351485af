import { connect } from '@nats-io/transport-node';
import type { BusConnection } from './platform';

/**
 * Connects the process's message bus: NATS JetStream when a URL is given, otherwise the
 * in-process adapter. Kept in one place so the messaging library's connectBus plugs in here.
 */
export async function connectMessageBus(options: { natsUrl?: string; namespace: string }): Promise<BusConnection> {
  if (!options.natsUrl) {
    return { kind: 'in-process', bus: undefined, check: async () => undefined, close: async () => undefined };
  }
  const nc = await connect({ servers: options.natsUrl, name: `holdfast-${options.namespace}` });
  return {
    kind: 'jetstream',
    bus: nc,
    async check() {
      if (nc.isClosed()) throw new Error('NATS connection closed');
      await nc.flush();
    },
    async close() {
      await nc.drain().catch(() => nc.close());
    },
  };
}

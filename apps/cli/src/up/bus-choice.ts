import type { BusMode } from '@holdfast/service-kit';
import { isPortOpen } from './tcp-probe';

export interface BusChoice {
  readonly natsUrl?: string;
  readonly mode: BusMode;
  readonly description: string;
}

export const DEFAULT_LOCAL_NATS = 'nats://127.0.0.1:4222';

/**
 * NATS for the all-in-one mode: NATS_URL (required to work when given), else the machine's
 * NATS on 127.0.0.1:4222 when it answers (JetStream, falling back if it lacks JetStream),
 * else the in-process bus.
 */
export async function chooseBus(options: { natsUrl?: string; localNatsUrl?: string }): Promise<BusChoice> {
  if (options.natsUrl) {
    return { natsUrl: options.natsUrl, mode: 'jetstream', description: `NATS JetStream from NATS_URL` };
  }
  const local = new URL(options.localNatsUrl ?? DEFAULT_LOCAL_NATS);
  const port = Number(local.port || 4222);
  if (await isPortOpen(local.hostname, port)) {
    return { natsUrl: local.toString(), mode: 'auto', description: `NATS on ${local.hostname}:${port}` };
  }
  return { mode: 'in-process', description: `in-process bus (nothing listens on ${local.hostname}:${port})` };
}

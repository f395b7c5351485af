import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { z } from 'zod';
import { HoldfastError } from '@holdfast/contracts';
import { defaultBusLogger, type BusLogger } from './bus-logger';
import { MemoryDeadLetterSink, PostgresDeadLetterStore, type DeadLetterSink } from './dead-letter.repository';
import { describeError, type ResolvedDelivery } from './delivery-policy';
import { InProcessBus } from './in-process-bus';
import { ensureInstallationId } from './installation.repository';
import { JetStreamBus } from './jetstream-bus';
import type { BusKind, MessageBus } from './message-bus.port';
import { DEFAULT_NAMESPACE } from './topology-naming';

/** Environment variables the messaging library reads (use with loadConfig from @holdfast/config). */
export const messagingConfigSchema = z.object({
  HOLDFAST_NAMESPACE: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'use 1-32 lowercase letters, digits, - or _, starting with a letter')
    .default(DEFAULT_NAMESPACE),
  NATS_URL: z.string().min(1).optional(),
  /** auto: JetStream when NATS_URL is reachable, else in-process (all-in-one); jetstream: required (distributed). */
  HOLDFAST_BUS: z.enum(['auto', 'jetstream', 'in-process']).default('auto'),
});

export type MessagingConfig = z.infer<typeof messagingConfigSchema>;

export interface ConnectBusOptions {
  readonly namespace?: string;
  readonly natsUrl?: string;
  readonly mode?: 'auto' | 'jetstream' | 'in-process';
  /** Where inbox, dead letters and the installation id live; required for JetStream unless both below are given. */
  readonly pool?: Pool;
  readonly installationId?: string;
  readonly deadLetters?: DeadLetterSink;
  readonly logger?: BusLogger;
  readonly delivery?: Partial<ResolvedDelivery>;
  readonly connectTimeoutMs?: number;
  readonly duplicateWindowMs?: number;
}

export interface ConnectedBus {
  readonly bus: MessageBus;
  /** The adapter chosen. */
  readonly kind: BusKind;
  /** Why it was chosen, for the boot log. */
  readonly reason: string;
}

/** Builds ConnectBusOptions from validated configuration. */
export function busOptionsFromConfig(config: MessagingConfig, extra: Omit<ConnectBusOptions, 'namespace' | 'natsUrl' | 'mode'> = {}): ConnectBusOptions {
  return { ...extra, namespace: config.HOLDFAST_NAMESPACE, natsUrl: config.NATS_URL, mode: config.HOLDFAST_BUS };
}

/**
 * Connects the message bus and creates its topology. In `auto` mode (all-in-one) it
 * picks JetStream when NATS is reachable with JetStream enabled and falls back to the
 * in-process adapter otherwise; `jetstream` mode (distributed) fails instead of falling back.
 * The result says which adapter was chosen and why.
 */
export async function connectBus(options: ConnectBusOptions = {}): Promise<ConnectedBus> {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const mode = options.mode ?? 'auto';
  const logger = options.logger ?? defaultBusLogger('connectBus');

  const installationId =
    options.installationId ?? (options.pool ? await ensureInstallationId(options.pool) : undefined);
  const deadLetters =
    options.deadLetters ?? (options.pool ? new PostgresDeadLetterStore(options.pool) : undefined);

  let reason: string;
  if (mode === 'in-process') {
    reason = 'HOLDFAST_BUS=in-process';
  } else if (!options.natsUrl) {
    if (mode === 'jetstream') throw new HoldfastError('validation_failed', 'NATS_URL is required when HOLDFAST_BUS=jetstream');
    reason = 'NATS_URL is not set';
  } else {
    if (!installationId || !deadLetters) {
      throw new HoldfastError(
        'validation_failed',
        'JetStream needs a database pool (or an installationId and a dead-letter sink) to recognise foreign messages and record dead letters',
      );
    }
    try {
      const bus = await JetStreamBus.connect({
        servers: options.natsUrl,
        connectTimeoutMs: options.connectTimeoutMs ?? 2_000,
        namespace,
        installationId,
        deadLetters,
        logger: options.logger,
        delivery: options.delivery,
        duplicateWindowMs: options.duplicateWindowMs,
      });
      try {
        await bus.ensureTopology();
      } catch (err) {
        await bus.close().catch(() => undefined);
        throw err;
      }
      const chosen = { bus, kind: 'jetstream' as const, reason: `NATS at ${redactUrl(options.natsUrl)} is reachable` };
      logger.info({ kind: chosen.kind, namespace, reason: chosen.reason }, 'message bus connected');
      return chosen;
    } catch (err) {
      if (mode === 'jetstream') {
        throw new HoldfastError('unavailable', `JetStream at ${redactUrl(options.natsUrl)} is not usable: ${describeError(err)}`);
      }
      reason = `NATS at ${redactUrl(options.natsUrl)} is not usable (${describeError(err)})`;
    }
  }

  const bus = new InProcessBus({
    namespace,
    installationId: installationId ?? randomUUID(),
    deadLetters: deadLetters ?? new MemoryDeadLetterSink(),
    logger: options.logger,
    delivery: options.delivery,
    duplicateWindowMs: options.duplicateWindowMs,
  });
  await bus.ensureTopology();
  logger.info({ kind: bus.kind, namespace, reason }, 'message bus connected');
  return { bus, kind: bus.kind, reason };
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/g, '//***@');
}

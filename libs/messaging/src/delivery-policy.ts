import { HoldfastError, type ErrorCode } from '@holdfast/contracts';
import type { DeliverySettings } from './message-bus.port';

/**
 * What happens to a delivery whose handler failed: retried later (nak with backoff) or
 * given up (term + dead letter). Transient failures are retried; errors that will fail
 * the same way every time are not.
 */
const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'timeout',
  'unavailable',
  'throttled',
  'concurrency_conflict',
  'internal',
]);

/** Thrown by a handler to give up on a message at once (poison): it is dead-lettered. */
export class PoisonMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoisonMessageError';
  }
}

/** Default retry rule: HoldfastErrors by code, PoisonMessageError never, anything else yes. */
export function isRetryableError(error: unknown): boolean {
  if (error instanceof PoisonMessageError) return false;
  if (error instanceof HoldfastError) return RETRYABLE_CODES.has(error.code);
  return true;
}

export interface ResolvedDelivery {
  readonly maxDeliver: number;
  readonly backoffMs: readonly number[];
  readonly ackWaitMs: number;
  readonly concurrency: number;
  readonly isRetryable: (error: unknown) => boolean;
}

export const DELIVERY_DEFAULTS: ResolvedDelivery = {
  maxDeliver: 5,
  backoffMs: [1_000, 5_000, 30_000, 120_000],
  ackWaitMs: 30_000,
  concurrency: 1,
  isRetryable: isRetryableError,
};

export function resolveDelivery(
  settings: DeliverySettings,
  defaults: Partial<ResolvedDelivery> = {},
): ResolvedDelivery {
  const base = { ...DELIVERY_DEFAULTS, ...defaults };
  const r: ResolvedDelivery = {
    maxDeliver: settings.maxDeliver ?? base.maxDeliver,
    backoffMs: settings.backoffMs ?? base.backoffMs,
    ackWaitMs: settings.ackWaitMs ?? base.ackWaitMs,
    concurrency: settings.concurrency ?? base.concurrency,
    isRetryable: settings.isRetryable ?? base.isRetryable,
  };
  if (!Number.isInteger(r.maxDeliver) || r.maxDeliver < 1) {
    throw new HoldfastError('validation_failed', `maxDeliver must be an integer >= 1, got ${r.maxDeliver}`);
  }
  if (!Number.isInteger(r.concurrency) || r.concurrency < 1) {
    throw new HoldfastError('validation_failed', `concurrency must be an integer >= 1, got ${r.concurrency}`);
  }
  if (!(r.ackWaitMs >= 100)) {
    throw new HoldfastError('validation_failed', `ackWaitMs must be >= 100, got ${r.ackWaitMs}`);
  }
  if (r.backoffMs.length === 0 || r.backoffMs.some((ms) => !(ms >= 0))) {
    throw new HoldfastError('validation_failed', 'backoffMs must be a non-empty list of delays >= 0');
  }
  return r;
}

/** Delay before the next delivery after the `deliveryCount`-th one failed. */
export function backoffFor(delivery: ResolvedDelivery, deliveryCount: number): number {
  const i = Math.min(Math.max(deliveryCount, 1), delivery.backoffMs.length) - 1;
  return delivery.backoffMs[i];
}

export function describeError(error: unknown): string {
  if (error instanceof HoldfastError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

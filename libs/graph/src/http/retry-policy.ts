import { GraphError, GraphThrottledError } from '../errors/graph-errors';

export interface RetryOptions {
  /** Attempts in total for transient failures (first try included). */
  readonly maxAttempts: number;
  /** Throttled answers are retried up to this many times (each waits its Retry-After). */
  readonly maxThrottleRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 5, maxThrottleRetries: 10, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Exponential backoff with "full jitter": a random wait between 0 and
 * min(max, base * 2^attempt), so many workers failing together do not retry together.
 * `attempt` counts from 1 for the first retry.
 */
export function backoffDelay(attempt: number, options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}

export type RetryDecision = { readonly retry: false } | { readonly retry: true; readonly delayMs: number; readonly throttled: boolean };

/**
 * Whether to try again after `error`. Throttled waits are handled by the pacer (every request
 * to the same key pauses), so for them the delay here is 0: re-entering the pacer waits.
 */
export function retryDecision(
  error: unknown,
  state: { transientFailures: number; throttles: number },
  options: RetryOptions,
  random: () => number = Math.random,
): RetryDecision {
  if (error instanceof GraphThrottledError) {
    return state.throttles < options.maxThrottleRetries ? { retry: true, delayMs: 0, throttled: true } : { retry: false };
  }
  if (error instanceof GraphError && error.retryable && error.kind === 'transient') {
    if (state.transientFailures + 1 >= options.maxAttempts) return { retry: false };
    return { retry: true, delayMs: backoffDelay(state.transientFailures + 1, options, random), throttled: false };
  }
  return { retry: false };
}

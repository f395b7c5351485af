import type { DomainEvent, RecordedEvent } from '@holdfast/contracts';

/**
 * The event store's public surface. Other libraries (messaging's outbox relay,
 * projections, services) code against this interface.
 */
export type ExpectedVersion =
  | number // the stream's current version must equal this (first event has version 1; 0 = no stream)
  | 'no_stream' // the stream must not exist yet
  | 'stream_exists'
  | 'any';

export interface AppendResult {
  /** Version of the last appended event in its stream. */
  readonly nextExpectedVersion: number;
  readonly lastGlobalPosition: string;
  readonly events: readonly RecordedEvent[];
}

export interface ReadAllOptions {
  /**
   * Exclusive cursor: the `globalPosition` of the LAST event a previous readAll returned
   * ("0" = from the start). Results continue after that event in log order.
   */
  readonly after: string;
  readonly limit?: number;
  readonly tenantId?: string;
  readonly types?: readonly string[];
}

export interface EventStore {
  /** Appends atomically; throws ConcurrencyError when the stream is not at `expectedVersion`. */
  appendToStream(
    tenantId: string,
    streamId: string,
    events: readonly DomainEvent[],
    options: { expectedVersion: ExpectedVersion },
  ): Promise<AppendResult>;

  /** Events of one stream in version order, upcast to their latest schema version. */
  readStream(streamId: string, options?: { fromVersion?: number; tenantId?: string }): Promise<RecordedEvent[]>;

  /**
   * The global log in log order, gap-safe: never returns an event while an event that
   * sorts before it may still commit, so a reader that keeps the last returned event's
   * `globalPosition` as its cursor never skips one.
   *
   * Log order is (transaction id, global position): events of one transaction stay
   * together, and within a stream versions always ascend. `globalPosition` is unique
   * but not strictly ascending across transactions, so keep the LAST event's position
   * as the cursor, not the maximum.
   */
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
}

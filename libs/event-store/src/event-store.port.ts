import type { DomainEvent, RecordedEvent } from '@holdfast/contracts';

/**
 * The event store's public surface. Other libraries (messaging's outbox relay,
 * projections, services) code against this interface.
 */
export type ExpectedVersion =
  | number // the stream's current version must equal this (first event has version 1)
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
  /** Exclusive: return events with globalPosition > after ("0" = from the start). */
  readonly after: string;
  readonly limit?: number;
  readonly tenantId?: string;
  readonly types?: readonly string[];
}

export interface EventStore {
  appendToStream(
    tenantId: string,
    streamId: string,
    events: readonly DomainEvent[],
    options: { expectedVersion: ExpectedVersion },
  ): Promise<AppendResult>;

  /** Events of one stream in version order, upcast to their latest schema version. */
  readStream(streamId: string, options?: { fromVersion?: number; tenantId?: string }): Promise<RecordedEvent[]>;

  /**
   * The global log in position order, gap-safe: never returns an event while an
   * earlier-positioned event's transaction may still commit.
   */
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
}

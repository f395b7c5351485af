/**
 * Event envelope shared by every service. Events hold ids, counts, times (ISO strings)
 * and reasons, never message bodies, file contents or secrets.
 */
export interface EventMetadata {
  /** Unique id of this event; also the Nats-Msg-Id when the relay publishes it. */
  readonly eventId?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  /** W3C trace context of the code that produced the event. */
  readonly traceparent?: string;
  readonly tracestate?: string;
  /** Who caused it: a user id, an API token id, or a service name. */
  readonly actor?: string;
}

export interface DomainEvent<TType extends string = string, TData = Record<string, unknown>> {
  readonly type: TType;
  readonly data: TData;
  readonly metadata?: EventMetadata;
}

/** An event as stored: position in its stream and in the global log. */
export interface RecordedEvent<TType extends string = string, TData = Record<string, unknown>>
  extends DomainEvent<TType, TData> {
  readonly eventId: string;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly globalPosition: string; // bigint as decimal string
  readonly tenantId: string;
  readonly schemaVersion: number;
  readonly recordedAt: string; // ISO
  readonly metadata: EventMetadata;
}

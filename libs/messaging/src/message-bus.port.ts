import type { RecordedEvent } from '@holdfast/contracts';

/**
 * The messaging port every service codes against. Two adapters implement it with the
 * same semantics (proven by one contract suite): `JetStreamBus` (NATS JetStream, the
 * distributed mode) and `InProcessBus` (the all-in-one mode without NATS).
 *
 * Delivery is at-least-once everywhere: handlers must be idempotent (see
 * `handleIdempotently`). A handler that returns normally is acked after it returns, so
 * "ack after commit" holds when the handler commits before returning. A handler that
 * throws is retried with backoff (nak) unless the error is not retryable or the message
 * has been delivered `maxDeliver` times, in which case it is termed and dead-lettered.
 */
export interface MessageBus {
  /** Which adapter this is; `connectBus` reports it so the all-in-one mode can log it. */
  readonly kind: BusKind;
  /** Namespace carried by every stream, consumer and subject (HOLDFAST_NAMESPACE). */
  readonly namespace: string;
  /** Installation id stamped on every message; messages with another id are dead-lettered. */
  readonly installationId: string;

  /**
   * Creates (or updates) the streams and, if given, durable consumers. Called explicitly
   * at boot; nothing is created implicitly on first use.
   */
  ensureTopology(declaration?: TopologyDeclaration): Promise<void>;

  /** Publishes a recorded event once per event id (Nats-Msg-Id = eventId). */
  publishEvent(event: RecordedEvent): Promise<PublishResult>;

  /**
   * Consumes events through a durable consumer. The consumer's position survives
   * restarts; several subscribers with the same durable name share the work.
   */
  subscribeEvents(spec: EventConsumerSpec, handler: EventHandler): Promise<Subscription>;

  /** Publishes a task to a work queue; a second publish with the same dedupeId is dropped. */
  publishTask<TData>(task: TaskToPublish<TData>): Promise<PublishResult>;

  /** Pulls tasks of one queue; each task goes to exactly one worker at a time. */
  processTasks<TData = Record<string, unknown>>(
    spec: TaskWorkerSpec,
    handler: TaskHandler<TData>,
  ): Promise<Subscription>;

  /**
   * Sends a request to `<ns>.rpc.<service>.<method>` and waits for the answer.
   * Rejects with HoldfastError: the responder's own code, 'timeout', or 'unavailable'
   * when nobody answers that subject.
   */
  request<TRes = unknown, TReq = unknown>(
    service: string,
    method: string,
    payload: TReq,
    options?: RequestOptions,
  ): Promise<TRes>;

  /** Answers requests for one method; instances of a service share the load. */
  respond<TReq = unknown, TRes = unknown>(
    service: string,
    method: string,
    handler: RequestHandler<TReq, TRes>,
  ): Promise<Subscription>;

  /** For readiness probes: whether the bus can publish and consume right now. */
  health(): Promise<BusHealth>;

  /** Stops every subscription (waiting for running handlers) and closes connections. */
  close(): Promise<void>;
}

export interface BusHealth {
  readonly ok: boolean;
  readonly kind: BusKind;
  /** Why not ok, or what it is connected to. */
  readonly detail: string;
}

export type BusKind = 'jetstream' | 'in-process';

export interface PublishResult {
  /** Position in the stream (the original one when `duplicate` is true). */
  readonly sequence: number;
  /** True when the message id had already been published inside the duplicate window. */
  readonly duplicate: boolean;
}

export interface Subscription {
  /** Stops fetching, waits for running handlers; unacked messages are redelivered later. */
  close(): Promise<void>;
}

export interface TopologyDeclaration {
  readonly eventConsumers?: readonly EventConsumerSpec[];
  readonly taskQueues?: readonly TaskWorkerSpec[];
}

/** Settings shared by event consumers and task workers. */
export interface DeliverySettings {
  /** Deliveries before a failing message is termed and dead-lettered (default 5). */
  readonly maxDeliver?: number;
  /** Redelivery delay after the n-th failed delivery; the last entry repeats. */
  readonly backoffMs?: readonly number[];
  /** Time the bus waits for an ack before redelivering (crash recovery; default 30 s). */
  readonly ackWaitMs?: number;
  /** Handlers this subscriber runs at once (default 1). */
  readonly concurrency?: number;
  /** Decides whether a thrown error is worth a retry (default: `isRetryableError`). */
  readonly isRetryable?: (error: unknown) => boolean;
}

export interface EventConsumerSpec extends DeliverySettings {
  /** Durable consumer name, unique per consuming service purpose: [A-Za-z0-9_-]+. */
  readonly durable: string;
  /**
   * Subject patterns relative to `<ns>.evt.`: `<tenantId>.<eventType>`, with `*` and `>`.
   * Default `['>']` (every event). Use `eventSubjectPatterns()` to build them from types.
   */
  readonly subjects?: readonly string[];
  /** Where a new durable consumer starts: the stream's beginning (default) or new events only. */
  readonly startFrom?: 'all' | 'new';
  /** Unacked messages the consumer lets out at once across all subscribers (default 1: in order). */
  readonly maxAckPending?: number;
}

export interface TaskWorkerSpec extends DeliverySettings {
  /** Queue name: [a-z0-9_-]+. Subjects are `<ns>.task.<queue>.<tenantId>`. */
  readonly queue: string;
  /** Unacked tasks the queue lets out at once across all workers (default 1000). */
  readonly maxAckPending?: number;
}

export interface TaskToPublish<TData> {
  readonly queue: string;
  /** What to do, e.g. 'BackupObject'. */
  readonly type: string;
  readonly tenantId: string;
  /** Identity of the task for de-duplication, e.g. `${runId}:${objectId}`. */
  readonly dedupeId: string;
  readonly data: TData;
  readonly correlationId?: string;
  readonly schemaVersion?: number;
}

/** A task as a worker receives it. */
export interface TaskMessage<TData = Record<string, unknown>> {
  readonly queue: string;
  readonly type: string;
  readonly tenantId: string;
  readonly dedupeId: string;
  readonly data: TData;
  readonly correlationId?: string;
  readonly schemaVersion: number;
  readonly publishedAt: string;
}

/** Settles one delivery. Handlers may settle explicitly; otherwise the bus does it. */
export interface AckContext {
  readonly subject: string;
  /** Nats-Msg-Id: the event id, or `task:<queue>:<tenant>:<dedupeId>`. */
  readonly messageId: string;
  readonly tenantId: string;
  readonly correlationId?: string;
  /** 1 on first delivery. */
  readonly deliveryCount: number;
  readonly redelivered: boolean;
  /** Acknowledges (call only after the handler's writes committed). */
  ack(): Promise<void>;
  /** Asks for redelivery after `delayMs` (default: the consumer's backoff for this attempt). */
  nak(delayMs?: number): void;
  /** Tells the bus the handler is still busy, restarting the ack-wait timer. */
  working(): void;
  /** Gives up on the message for good; it is recorded in the dead letters. */
  term(reason: string): Promise<void>;
  /** True once ack, nak or term was called. */
  readonly settled: boolean;
}

export type EventHandler = (event: RecordedEvent, ctx: AckContext) => Promise<void>;
export type TaskHandler<TData> = (task: TaskMessage<TData>, ctx: AckContext) => Promise<void>;

export interface RequestOptions {
  /** Default 5000 ms. */
  readonly timeoutMs?: number;
  readonly tenantId?: string;
  readonly correlationId?: string;
}

export interface RequestContext {
  readonly tenantId?: string;
  readonly correlationId?: string;
  readonly subject: string;
}

export type RequestHandler<TReq, TRes> = (payload: TReq, ctx: RequestContext) => Promise<TRes>;

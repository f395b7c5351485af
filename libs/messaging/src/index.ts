/** The messaging port every service codes against (events, work queues, request/reply). */
export type {
  MessageBus,
  BusKind,
  BusHealth,
  PublishResult,
  Subscription,
  TopologyDeclaration,
  DeliverySettings,
  EventConsumerSpec,
  TaskWorkerSpec,
  TaskToPublish,
  TaskMessage,
  AckContext,
  EventHandler,
  TaskHandler,
  RequestOptions,
  RequestContext,
  RequestHandler,
} from './message-bus.port';
/** MessageBus on NATS JetStream (distributed mode): `await JetStreamBus.connect({ servers, namespace, installationId, deadLetters })`. */
export { JetStreamBus, type JetStreamBusOptions, type JetStreamConnectOptions } from './jetstream-bus';
/** MessageBus inside one process (all-in-one without NATS): `new InProcessBus({ namespace, installationId, deadLetters })`. */
export { InProcessBus, InProcessBroker, type InProcessBusOptions } from './in-process-bus';
/** Picks JetStream when NATS is reachable, else in-process, and reports which: `const { bus, kind, reason } = await connectBus({ natsUrl, namespace, pool })`. */
export {
  connectBus,
  busOptionsFromConfig,
  messagingConfigSchema,
  type MessagingConfig,
  type ConnectBusOptions,
  type ConnectedBus,
} from './connect-bus';
/** Publishes the event store's global log to the bus with Nats-Msg-Id = eventId: `new OutboxRelay({ store, bus, pool }).start()`. */
export { OutboxRelay, type OutboxRelayOptions, type RelayBatchResult, type GlobalLogReader } from './outbox-relay';
/** Exactly-once effects over at-least-once delivery: `await handleIdempotently(pool, 'catalog', event, async (tx) => ...)`; `pruneInbox(pool, ms)` trims old rows. */
export { handleIdempotently, wasHandled, pruneInbox, type IdempotentResult } from './idempotent-handler';
/** Tables of messaging (inbox, dead letters, relay checkpoints, installation): `runMigrations(url, [eventStoreMigrations, messagingMigrations])`. */
export { messagingMigrations } from './messaging.migrations';
/** Where given-up messages go: `new PostgresDeadLetterStore(pool)`; `MemoryDeadLetterSink` for tests. */
export {
  PostgresDeadLetterStore,
  MemoryDeadLetterSink,
  type DeadLetter,
  type DeadLetterSink,
  type StoredDeadLetter,
} from './dead-letter.repository';
/** This installation's id, stamped on every message: `await ensureInstallationId(pool)`. */
export { ensureInstallationId } from './installation.repository';
/** Retry rules: throw `PoisonMessageError` to dead-letter at once; `isRetryableError` is the default rule. */
export { PoisonMessageError, isRetryableError } from './delivery-policy';
/** Stream, consumer and subject names: `new TopologyNames(ns).eventSubject(tenantId, type)`; `eventSubjectPatterns(['RunRequested'])`. */
export { TopologyNames, DEFAULT_NAMESPACE, eventSubjectPatterns, subjectMatches } from './topology-naming';
/** Header names and envelope schemas on the wire. */
export { HEADER, SCHEMA } from './wire-format';
/** Logger shape the bus accepts (a pino logger fits). */
export type { BusLogger } from './bus-logger';

import { HoldfastError, type RecordedEvent } from '@holdfast/contracts';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type StreamConfig,
} from '@nats-io/jetstream';
import {
  headers as natsHeaders,
  nanos,
  RequestError,
  TimeoutError,
  type MsgHdrs,
  type NatsConnection,
} from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { context } from '@opentelemetry/api';
import { defaultBusLogger, type BusLogger } from './bus-logger';
import type { DeadLetterSink } from './dead-letter.repository';
import { dispatchDelivery, eventTenant, taskTenant, type DispatchTarget, type RawDelivery } from './delivery-dispatcher';
import { describeError, resolveDelivery, type ResolvedDelivery } from './delivery-policy';
import type {
  BusHealth,
  EventConsumerSpec,
  EventHandler,
  MessageBus,
  PublishResult,
  RequestHandler,
  RequestOptions,
  Subscription,
  TaskHandler,
  TaskMessage,
  TaskToPublish,
  TaskWorkerSpec,
  TopologyDeclaration,
} from './message-bus.port';
import { answerRequest, timeoutError, unavailableError, unwrapReply } from './request-reply';
import { subjectMatches, TopologyNames } from './topology-naming';
import { eventProducerContext, producing } from './trace-context';
import {
  baseHeaders,
  decodeEvent,
  decodeTask,
  encodeJson,
  HEADER,
  SCHEMA,
  type Origin,
  type WireHeaders,
} from './wire-format';

export interface JetStreamBusOptions {
  readonly connection: NatsConnection;
  /** Close the connection in `close()` (true when the bus opened it). */
  readonly ownsConnection?: boolean;
  readonly namespace: string;
  readonly installationId: string;
  readonly deadLetters: DeadLetterSink;
  readonly logger?: BusLogger;
  /** Defaults for every consumer and worker; each spec may override. */
  readonly delivery?: Partial<ResolvedDelivery>;
  /** How long a message id is remembered for de-duplication (default 2 h). */
  readonly duplicateWindowMs?: number;
  /** How long events stay in the events stream (default 30 days; Postgres keeps them for good). */
  readonly eventMaxAgeMs?: number;
  readonly replicas?: number;
  /** Default request timeout (5 s). */
  readonly requestTimeoutMs?: number;
  /**
   * How long one pull request waits for a message (default 10 s, minimum 1 s). Each
   * handler slot keeps one pull open: keep concurrency x instances below the consumer's
   * max_waiting (512).
   */
  readonly pullExpiresMs?: number;
}

export interface JetStreamConnectOptions extends Omit<JetStreamBusOptions, 'connection' | 'ownsConnection'> {
  readonly servers: string | string[];
  /** Give up connecting after this long (default 2 s). */
  readonly connectTimeoutMs?: number;
  readonly name?: string;
}

const CONSUMER_NOT_FOUND = 10014;
const STREAM_NOT_FOUND = 10059;

/**
 * The MessageBus on NATS JetStream. Events go to a limits-retention stream, tasks to a
 * work-queue stream, requests over core NATS with queue groups. Streams and consumers
 * are created explicitly (`ensureTopology`, and each subscription ensures its own durable
 * consumer before it pulls).
 */
export class JetStreamBus implements MessageBus {
  readonly kind = 'jetstream' as const;
  readonly namespace: string;
  readonly installationId: string;
  readonly names: TopologyNames;
  private readonly nc: NatsConnection;
  private readonly js: JetStreamClient;
  private jsmPromise?: Promise<JetStreamManager>;
  private readonly origin: Origin;
  private readonly logger: BusLogger;
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;

  static async connect(options: JetStreamConnectOptions): Promise<JetStreamBus> {
    const nc = await connect({
      servers: options.servers,
      timeout: options.connectTimeoutMs ?? 2_000,
      name: options.name ?? `holdfast-${options.namespace}`,
      maxReconnectAttempts: -1,
    });
    return new JetStreamBus({ ...options, connection: nc, ownsConnection: true });
  }

  constructor(private readonly options: JetStreamBusOptions) {
    this.names = new TopologyNames(options.namespace);
    this.namespace = options.namespace;
    this.installationId = options.installationId;
    this.nc = options.connection;
    this.js = jetstream(this.nc);
    this.origin = { namespace: this.namespace, installationId: this.installationId };
    this.logger = options.logger ?? defaultBusLogger('JetStreamBus');
  }

  private jsm(): Promise<JetStreamManager> {
    this.jsmPromise ??= jetstreamManager(this.nc);
    return this.jsmPromise;
  }

  // ---------------------------------------------------------------- topology

  async ensureTopology(declaration: TopologyDeclaration = {}): Promise<void> {
    const jsm = await this.jsm();
    const duplicateWindow = nanos(this.options.duplicateWindowMs ?? 2 * 60 * 60 * 1000);
    await this.ensureStream(jsm, {
      name: this.names.eventStream,
      description: `Holdfast events of namespace ${this.namespace}`,
      subjects: [`${this.names.eventSubjectRoot}.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      duplicate_window: duplicateWindow,
      max_age: nanos(this.options.eventMaxAgeMs ?? 30 * 24 * 60 * 60 * 1000),
      num_replicas: this.options.replicas ?? 1,
    });
    await this.ensureStream(jsm, {
      name: this.names.taskStream,
      description: `Holdfast work queues of namespace ${this.namespace}`,
      subjects: [`${this.names.taskSubjectRoot}.>`],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      duplicate_window: duplicateWindow,
      num_replicas: this.options.replicas ?? 1,
    });
    for (const spec of declaration.eventConsumers ?? []) await this.ensureEventConsumer(spec);
    for (const spec of declaration.taskQueues ?? []) await this.ensureTaskConsumer(spec);
  }

  /** Deletes this namespace's streams (and with them their consumers). For tests and uninstall. */
  async destroyTopology(): Promise<void> {
    const jsm = await this.jsm();
    for (const name of [this.names.eventStream, this.names.taskStream]) {
      try {
        await jsm.streams.delete(name);
      } catch (err) {
        if (!isApiError(err, STREAM_NOT_FOUND)) throw err;
      }
    }
  }

  private async ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
    let existing: StreamConfig | undefined;
    try {
      existing = (await jsm.streams.info(config.name)).config;
    } catch (err) {
      if (!isApiError(err, STREAM_NOT_FOUND)) throw err;
    }
    if (!existing) {
      try {
        await jsm.streams.add(config);
        this.logger.info({ stream: config.name }, 'stream created');
        return;
      } catch (err) {
        // another instance may have created it between our info and add; else the add's error stands
        existing = await jsm.streams
          .info(config.name)
          .then((i) => i.config)
          .catch(() => {
            throw new HoldfastError('conflict', `stream ${config.name} could not be created: ${describeError(err)}`);
          });
      }
    }
    if (existing.retention !== config.retention) {
      throw new HoldfastError(
        'conflict',
        `stream ${config.name} exists with retention ${existing.retention}, expected ${config.retention}; delete it or use another namespace`,
      );
    }
    const drift =
      existing.duplicate_window !== config.duplicate_window ||
      (config.max_age !== undefined && existing.max_age !== config.max_age) ||
      JSON.stringify(existing.subjects) !== JSON.stringify(config.subjects);
    if (drift) {
      await jsm.streams.update(config.name, {
        subjects: config.subjects,
        duplicate_window: config.duplicate_window,
        ...(config.max_age !== undefined ? { max_age: config.max_age } : {}),
        description: config.description,
      });
      this.logger.info({ stream: config.name }, 'stream updated');
    }
  }

  private serverAtLeast(major: number, minor: number, patch: number): boolean {
    const [a, b, c] = (this.nc.info?.version ?? '0.0.0').split('.').map((x: string) => parseInt(x, 10) || 0);
    return a !== major ? a > major : b !== minor ? b > minor : c >= patch;
  }

  private supportsMultipleFilters(): boolean {
    return this.serverAtLeast(2, 10, 0);
  }

  /** Older servers do not parse `+TERM <reason>` and would leave the message pending. */
  private supportsTermReason(): boolean {
    return this.serverAtLeast(2, 10, 4);
  }

  /** Creates or updates the durable consumer of an event subscriber; returns its name and client-side filter. */
  private async ensureEventConsumer(
    spec: EventConsumerSpec,
  ): Promise<{ name: string; accept: (subject: string) => boolean; delivery: ResolvedDelivery }> {
    const delivery = resolveDelivery(spec, this.options.delivery);
    const name = this.names.eventConsumer(spec.durable);
    const filters = this.names.eventFilterSubjects(spec.subjects);
    const filterConfig: Partial<ConsumerConfig> =
      filters.length === 1
        ? { filter_subject: filters[0] }
        : this.supportsMultipleFilters()
          ? { filter_subjects: filters }
          : { filter_subject: `${this.names.eventSubjectRoot}.>` }; // older servers: one filter only
    const accept =
      filters.length === 1 || this.supportsMultipleFilters()
        ? () => true
        : (subject: string) => filters.some((f) => subjectMatches(f, subject));
    await this.ensureConsumer(this.names.eventStream, {
      durable_name: name,
      description: `events for ${spec.durable}`,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: spec.startFrom === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
      ack_wait: nanos(delivery.ackWaitMs),
      // Unlimited here: the bus itself dead-letters after maxDeliver, so nothing is
      // silently parked by the server (see dispatchDelivery).
      max_deliver: -1,
      max_ack_pending: spec.maxAckPending ?? 1,
      ...filterConfig,
    });
    return { name, accept, delivery };
  }

  private async ensureTaskConsumer(spec: TaskWorkerSpec): Promise<{ name: string; delivery: ResolvedDelivery }> {
    const delivery = resolveDelivery(spec, this.options.delivery);
    const name = this.names.taskConsumer(spec.queue);
    await this.ensureConsumer(this.names.taskStream, {
      durable_name: name,
      description: `work queue ${spec.queue}`,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(delivery.ackWaitMs),
      max_deliver: -1,
      max_ack_pending: spec.maxAckPending ?? 1000,
      filter_subject: this.names.taskQueueFilter(spec.queue),
    });
    return { name, delivery };
  }

  private async ensureConsumer(stream: string, config: Partial<ConsumerConfig> & { durable_name: string }): Promise<void> {
    const jsm = await this.jsm();
    let info: ConsumerInfo | undefined;
    try {
      info = await jsm.consumers.info(stream, config.durable_name);
    } catch (err) {
      if (isApiError(err, STREAM_NOT_FOUND)) {
        throw new HoldfastError('unavailable', `stream ${stream} does not exist: call ensureTopology() at boot`);
      }
      if (!isApiError(err, CONSUMER_NOT_FOUND)) throw err;
    }
    if (!info) {
      try {
        await jsm.consumers.add(stream, config);
        this.logger.info({ stream, consumer: config.durable_name }, 'consumer created');
        return;
      } catch (err) {
        info = await jsm.consumers.info(stream, config.durable_name).catch(() => {
          throw err;
        });
      }
    }
    const c = info.config;
    const sameFilter =
      (c.filter_subject ?? '') === (config.filter_subject ?? '') &&
      JSON.stringify(c.filter_subjects ?? []) === JSON.stringify(config.filter_subjects ?? []);
    const drift =
      !sameFilter ||
      c.ack_wait !== config.ack_wait ||
      c.max_ack_pending !== config.max_ack_pending ||
      c.max_deliver !== config.max_deliver ||
      c.description !== config.description;
    if (!drift) return;
    try {
      await jsm.consumers.update(stream, config.durable_name, {
        ack_wait: config.ack_wait,
        max_ack_pending: config.max_ack_pending,
        max_deliver: config.max_deliver,
        description: config.description,
        // set one filter form and clear the other (undefined is dropped from the merged config)
        ...(sameFilter
          ? {}
          : config.filter_subjects
            ? { filter_subjects: config.filter_subjects, filter_subject: undefined }
            : { filter_subject: config.filter_subject, filter_subjects: undefined }),
      });
      this.logger.info({ stream, consumer: config.durable_name }, 'consumer updated');
    } catch (err) {
      throw new HoldfastError(
        'conflict',
        `consumer ${config.durable_name} exists with a configuration that cannot be changed (${describeError(err)}); delete it to recreate`,
      );
    }
  }

  // ---------------------------------------------------------------- publish

  async publishEvent(event: RecordedEvent): Promise<PublishResult> {
    this.assertOpen();
    const subject = this.names.eventSubject(event.tenantId, event.type);
    const h = baseHeaders(this.origin, SCHEMA.event, event.tenantId, event.metadata?.correlationId);
    h[HEADER.eventType] = event.type;
    return producing(
      `${subject} publish`,
      eventProducerContext(event.metadata),
      { 'messaging.system': 'nats', 'messaging.message.id': event.eventId, 'holdfast.tenant.id': event.tenantId },
      h,
      () => this.publishRaw(subject, encodeJson(event), event.eventId, h),
    );
  }

  async publishTask<TData>(task: TaskToPublish<TData>): Promise<PublishResult> {
    this.assertOpen();
    const subject = this.names.taskSubject(task.queue, task.tenantId);
    const msgId = this.names.taskMessageId(task.queue, task.tenantId, task.dedupeId);
    const body: TaskMessage<TData> = {
      queue: task.queue,
      type: task.type,
      tenantId: task.tenantId,
      dedupeId: task.dedupeId,
      data: task.data,
      correlationId: task.correlationId,
      schemaVersion: task.schemaVersion ?? 1,
      publishedAt: new Date().toISOString(),
    };
    const h = baseHeaders(this.origin, SCHEMA.task, task.tenantId, task.correlationId);
    return producing(
      `${subject} publish`,
      context.active(),
      { 'messaging.system': 'nats', 'messaging.message.id': msgId, 'holdfast.tenant.id': task.tenantId },
      h,
      () => this.publishRaw(subject, encodeJson(body), msgId, h),
    );
  }

  /** Publishes bytes with any headers (also used by tests to plant foreign messages). */
  async publishRaw(subject: string, data: Uint8Array, msgId: string, wire: WireHeaders): Promise<PublishResult> {
    const h = toNatsHeaders(wire);
    try {
      const ack = await this.js.publish(subject, data, { msgID: msgId, headers: h });
      return { sequence: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      if (err instanceof RequestError && err.isNoResponders()) {
        throw new HoldfastError('unavailable', `no stream takes ${subject}: call ensureTopology() at boot`);
      }
      if (err instanceof TimeoutError || (err instanceof RequestError && err.cause instanceof TimeoutError)) {
        throw new HoldfastError('unavailable', `JetStream did not confirm the publish to ${subject}`);
      }
      throw err;
    }
  }

  // ---------------------------------------------------------------- consume

  async subscribeEvents(spec: EventConsumerSpec, handler: EventHandler): Promise<Subscription> {
    this.assertOpen();
    const { name, accept, delivery } = await this.ensureEventConsumer(spec);
    const target: DispatchTarget<RecordedEvent> = {
      consumer: name,
      delivery,
      deadLetters: this.options.deadLetters,
      logger: this.logger,
      decode: (h, d) => decodeEvent(h, d, this.origin),
      handle: handler,
      tenantOf: eventTenant,
      spanName: `${name} process`,
    };
    return this.pull(this.names.eventStream, name, delivery, target, accept);
  }

  async processTasks<TData = Record<string, unknown>>(
    spec: TaskWorkerSpec,
    handler: TaskHandler<TData>,
  ): Promise<Subscription> {
    this.assertOpen();
    const { name, delivery } = await this.ensureTaskConsumer(spec);
    const target: DispatchTarget<TaskMessage> = {
      consumer: name,
      delivery,
      deadLetters: this.options.deadLetters,
      logger: this.logger,
      decode: (h, d) => decodeTask(h, d, this.origin),
      handle: (task, ctx) => handler(task as TaskMessage<TData>, ctx),
      tenantOf: taskTenant,
      spanName: `${name} process`,
    };
    return this.pull(this.names.taskStream, name, delivery, target, () => true);
  }

  /**
   * Pulls with one fetch of a single message per free handler slot, so a subscriber never
   * holds messages it cannot start (a busy or hung subscriber must not sit on messages
   * that another one could take once their ack wait expires).
   */
  private async pull<T>(
    stream: string,
    consumerName: string,
    delivery: ResolvedDelivery,
    target: DispatchTarget<T>,
    accept: (subject: string) => boolean,
  ): Promise<Subscription> {
    const consumer = await this.js.consumers.get(stream, consumerName);
    const expires = this.options.pullExpiresMs ?? 10_000;
    const fetching = new Set<ConsumerMessages>();
    let stopping = false;
    let stopped!: () => void;
    const whenStopped = new Promise<void>((resolve) => (stopped = resolve));

    const worker = async (): Promise<void> => {
      let failures = 0;
      while (!stopping) {
        let got: JsMsg | undefined;
        let batch: ConsumerMessages | undefined;
        try {
          batch = await consumer.fetch({ max_messages: 1, expires });
          fetching.add(batch);
          for await (const m of batch) got = m;
          failures = 0;
        } catch (err) {
          if (stopping || this.closed) return;
          failures++;
          const wait = Math.min(30_000, 250 * 2 ** Math.min(failures, 7));
          this.logger.warn({ consumer: consumerName, err: describeError(err), retryInMs: wait }, 'pull failed');
          await Promise.race([sleep(wait), whenStopped]);
          continue;
        } finally {
          if (batch) fetching.delete(batch);
        }
        if (!got) continue;
        if (stopping) {
          got.nak(); // arrived while closing: hand it back at once
          return;
        }
        if (!accept(got.subject)) {
          got.ack(); // outside this consumer's patterns (older servers filter on one subject only)
          continue;
        }
        await dispatchDelivery(toRawDelivery(got, this.logger, this.supportsTermReason()), target).catch((err) =>
          this.logger.error({ consumer: consumerName, err: describeError(err) }, 'dispatch failed'),
        );
      }
    };
    const workers = Array.from({ length: delivery.concurrency }, () => worker());

    const sub: Subscription = {
      close: async () => {
        if (stopping) return;
        stopping = true;
        stopped();
        for (const b of fetching) await b.close().catch(() => undefined);
        await Promise.all(workers);
        this.subscriptions.delete(sub);
      },
    };
    this.subscriptions.add(sub);
    return sub;
  }

  // ---------------------------------------------------------------- request/reply

  async request<TRes = unknown, TReq = unknown>(
    service: string,
    method: string,
    payload: TReq,
    options: RequestOptions = {},
  ): Promise<TRes> {
    this.assertOpen();
    const subject = this.names.rpcSubject(service, method);
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs ?? 5_000;
    const h = baseHeaders(this.origin, SCHEMA.request, options.tenantId, options.correlationId);
    const reply = await producing(
      `${subject} request`,
      context.active(),
      { 'messaging.system': 'nats', 'messaging.destination.name': subject },
      h,
      async () => {
        try {
          return await this.nc.request(subject, encodeJson(payload ?? null), {
            timeout: timeoutMs,
            headers: toNatsHeaders(h),
          });
        } catch (err) {
          if (err instanceof RequestError && err.isNoResponders()) throw unavailableError(subject);
          if (err instanceof TimeoutError || (err instanceof RequestError && err.cause instanceof TimeoutError)) {
            throw timeoutError(subject, timeoutMs);
          }
          throw err;
        }
      },
    );
    return unwrapReply<TRes>(subject, reply.data);
  }

  async respond<TReq = unknown, TRes = unknown>(
    service: string,
    method: string,
    handler: RequestHandler<TReq, TRes>,
  ): Promise<Subscription> {
    this.assertOpen();
    const subject = this.names.rpcSubject(service, method);
    const inflight = new Set<Promise<void>>();
    const natsSub = this.nc.subscribe(subject, {
      queue: this.names.rpcQueueGroup(service),
      callback: (err, msg) => {
        if (err) {
          this.logger.error({ subject, err: describeError(err) }, 'responder subscription failed');
          return;
        }
        const p = answerRequest(
          this.origin,
          subject,
          fromNatsHeaders(msg.headers),
          msg.data,
          handler as RequestHandler<unknown, unknown>,
          this.logger,
        )
          .then((body) => {
            msg.respond(body);
          })
          .catch((e) => this.logger.error({ subject, err: describeError(e) }, 'reply could not be sent'))
          .finally(() => inflight.delete(p));
        inflight.add(p);
      },
    });
    await this.nc.flush(); // the subscription is registered with the server before we return
    const sub: Subscription = {
      close: async () => {
        await natsSub.drain(); // requests already received are still answered
        await Promise.all([...inflight]);
        this.subscriptions.delete(sub);
      },
    };
    this.subscriptions.add(sub);
    return sub;
  }

  // ---------------------------------------------------------------- lifecycle

  async health(): Promise<BusHealth> {
    if (this.closed || this.nc.isClosed()) return { ok: false, kind: this.kind, detail: 'connection closed' };
    try {
      await Promise.race([
        this.nc.flush(),
        sleep(2_000).then(() => {
          throw new Error('no answer from the server within 2 s');
        }),
      ]);
      return { ok: true, kind: this.kind, detail: `connected to ${this.nc.getServer()}` };
    } catch (err) {
      return { ok: false, kind: this.kind, detail: describeError(err) };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    if (this.options.ownsConnection) {
      // subscriptions are closed and their handlers done: flush what was published, then go
      await this.nc.flush().catch(() => undefined);
      await this.nc.close();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new HoldfastError('unavailable', 'the message bus is closed');
  }
}

function isApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

function toNatsHeaders(wire: WireHeaders): MsgHdrs {
  const h = natsHeaders();
  for (const [k, v] of Object.entries(wire)) {
    if (k !== HEADER.msgId) h.set(k, v);
  }
  return h;
}

function fromNatsHeaders(h: MsgHdrs | undefined): WireHeaders {
  const out: WireHeaders = {};
  if (!h) return out;
  for (const [k, values] of h) {
    if (values.length > 0) out[k] = values[values.length - 1];
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function toRawDelivery(m: JsMsg, logger: BusLogger, termWithReason: boolean): RawDelivery {
  return {
    subject: m.subject,
    headers: fromNatsHeaders(m.headers),
    data: m.data,
    deliveryCount: m.info.deliveryCount,
    async ack() {
      try {
        await m.ackAck();
      } catch (err) {
        // The handler's work committed; a redelivery is absorbed by the inbox.
        logger.warn({ subject: m.subject, err: describeError(err) }, 'ack not confirmed');
      }
    },
    nak(delayMs) {
      m.nak(delayMs);
    },
    working() {
      m.working();
    },
    term(reason) {
      if (termWithReason) m.term(reason);
      else m.term();
    },
  };
}

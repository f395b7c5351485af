import { HoldfastError, type RecordedEvent } from '@holdfast/contracts';
import { context } from '@opentelemetry/api';
import { defaultBusLogger, type BusLogger } from './bus-logger';
import type { DeadLetterSink } from './dead-letter.repository';
import { dispatchDelivery, eventTenant, taskTenant, type DispatchTarget, type RawDelivery } from './delivery-dispatcher';
import { resolveDelivery, type ResolvedDelivery } from './delivery-policy';
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

/**
 * The MessageBus inside one process, for the all-in-one mode without NATS. It keeps the
 * JetStream semantics the services rely on: durable consumer positions (for the life of
 * the process), at-least-once delivery with ack-wait redelivery and nak backoff,
 * work-queue exclusivity, de-duplication by message id within a window, and
 * request/reply with timeouts. Messages are serialised exactly as on the wire.
 *
 * Several InProcessBus instances can share one `InProcessBroker` (like several
 * connections to one NATS server).
 */
export interface InProcessBusOptions {
  readonly namespace: string;
  readonly installationId: string;
  readonly deadLetters: DeadLetterSink;
  readonly broker?: InProcessBroker;
  readonly logger?: BusLogger;
  readonly delivery?: Partial<ResolvedDelivery>;
  /** How long a message id is remembered for de-duplication (default 2 h). */
  readonly duplicateWindowMs?: number;
  /** Events older than this are dropped from memory (default 24 h; Postgres keeps them). */
  readonly eventMaxAgeMs?: number;
  readonly requestTimeoutMs?: number;
}

interface StoredMsg {
  readonly seq: number;
  readonly subject: string;
  readonly headers: WireHeaders;
  readonly data: Uint8Array;
  readonly at: number;
}

class MemoryStream {
  readonly msgs = new Map<number, StoredMsg>();
  lastSeq = 0;
  private readonly ids = new Map<string, { seq: number; at: number }>();
  readonly consumers = new Map<string, MemoryConsumer>();

  constructor(
    readonly name: string,
    readonly workQueue: boolean,
    private readonly duplicateWindowMs: number,
    private readonly maxAgeMs: number | undefined,
  ) {}

  append(subject: string, headers: WireHeaders, data: Uint8Array, msgId: string): PublishResult {
    const now = Date.now();
    this.prune(now);
    const seen = this.ids.get(msgId);
    if (seen) return { sequence: seen.seq, duplicate: true };
    const seq = ++this.lastSeq;
    this.msgs.set(seq, { seq, subject, headers: { ...headers, [HEADER.msgId]: msgId }, data, at: now });
    this.ids.set(msgId, { seq, at: now });
    // deliver on a later tick, never inside the publisher's call
    for (const c of this.consumers.values()) c.pumpSoon();
    return { sequence: seq, duplicate: false };
  }

  remove(seq: number): void {
    this.msgs.delete(seq);
  }

  private prune(now: number): void {
    // Map iteration follows insertion order, i.e. oldest first.
    for (const [id, entry] of this.ids) {
      if (now - entry.at <= this.duplicateWindowMs) break;
      this.ids.delete(id);
    }
    if (this.maxAgeMs !== undefined) {
      for (const [seq, msg] of this.msgs) {
        if (now - msg.at <= this.maxAgeMs) break;
        this.msgs.delete(seq);
      }
    }
  }
}

interface PendingEntry {
  deliveryCount: number;
  /** Changes on every delivery so settlements of an older delivery are recognised. */
  token: number;
  inFlight: boolean;
  ackTimer?: NodeJS.Timeout;
  redeliverTimer?: NodeJS.Timeout;
}

interface MemorySubscriber {
  readonly dispatch: (raw: RawDelivery) => Promise<void>;
  readonly concurrency: number;
  active: number;
  readonly running: Set<Promise<void>>;
  open: boolean;
}

class MemoryConsumer {
  private nextSeq: number;
  private readonly pending = new Map<number, PendingEntry>();
  private readonly ready: number[] = []; // pending seqs due for redelivery
  private readonly subscribers: MemorySubscriber[] = [];
  private rr = 0;
  private tokens = 0;
  private pumping = false;

  constructor(
    readonly name: string,
    private readonly stream: MemoryStream,
    public filters: string[],
    public ackWaitMs: number,
    public maxAckPending: number,
    startFrom: 'all' | 'new',
  ) {
    this.nextSeq = startFrom === 'new' ? stream.lastSeq + 1 : 1;
  }

  subscribe(sub: MemorySubscriber): void {
    this.subscribers.push(sub);
    this.pump();
  }

  unsubscribe(sub: MemorySubscriber): void {
    sub.open = false;
    const i = this.subscribers.indexOf(sub);
    if (i >= 0) this.subscribers.splice(i, 1);
  }

  private freeSubscriber(): MemorySubscriber | undefined {
    for (let i = 0; i < this.subscribers.length; i++) {
      const s = this.subscribers[(this.rr + i) % this.subscribers.length];
      if (s.open && s.active < s.concurrency) {
        this.rr = (this.rr + i + 1) % this.subscribers.length;
        return s;
      }
    }
    return undefined;
  }

  private nextNew(): StoredMsg | undefined {
    while (this.nextSeq <= this.stream.lastSeq) {
      const m = this.stream.msgs.get(this.nextSeq);
      if (m && this.filters.some((f) => subjectMatches(f, m.subject))) return m;
      this.nextSeq++;
    }
    return undefined;
  }

  pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const sub = this.freeSubscriber();
        if (!sub) return;
        let msg: StoredMsg | undefined;
        let entry: PendingEntry | undefined;
        while (!msg && this.ready.length > 0) {
          const seq = this.ready.shift() as number;
          msg = this.stream.msgs.get(seq);
          entry = this.pending.get(seq);
          if (!msg || !entry) {
            msg = undefined;
            this.pending.delete(seq); // removed from the stream (age limit) meanwhile
          }
        }
        if (!msg || !entry) {
          if (this.pending.size >= this.maxAckPending) return;
          msg = this.nextNew();
          if (!msg) return;
          this.nextSeq = msg.seq + 1;
          entry = { deliveryCount: 0, token: 0, inFlight: false };
          this.pending.set(msg.seq, entry);
        }
        this.deliver(sub, msg, entry);
      }
    } finally {
      this.pumping = false;
    }
  }

  private deliver(sub: MemorySubscriber, msg: StoredMsg, entry: PendingEntry): void {
    entry.deliveryCount++;
    const token = ++this.tokens;
    entry.token = token;
    entry.inFlight = true;
    this.armAckWait(msg.seq, entry);
    const current = () => {
      const e = this.pending.get(msg.seq);
      return e && e.token === token ? e : undefined;
    };
    const raw: RawDelivery = {
      subject: msg.subject,
      headers: msg.headers,
      data: msg.data,
      deliveryCount: entry.deliveryCount,
      ack: async () => {
        // a late ack from an older delivery still means the work was done
        const e = this.pending.get(msg.seq);
        if (!e) return;
        this.clearTimers(e);
        this.pending.delete(msg.seq);
        this.dropReady(msg.seq);
        if (this.stream.workQueue) this.stream.remove(msg.seq);
        this.pumpSoon();
      },
      nak: (delayMs) => {
        const e = current();
        if (!e) return;
        this.clearTimers(e);
        e.inFlight = false;
        e.redeliverTimer = setTimeout(() => this.makeReady(msg.seq, token), Math.max(0, delayMs));
        e.redeliverTimer.unref();
      },
      working: () => {
        const e = current();
        if (e) this.armAckWait(msg.seq, e);
      },
      term: () => {
        const e = current();
        if (!e) return;
        this.clearTimers(e);
        this.pending.delete(msg.seq);
        if (this.stream.workQueue) this.stream.remove(msg.seq);
        this.pumpSoon();
      },
    };
    sub.active++;
    const p = sub
      .dispatch(raw)
      .catch(() => undefined)
      .finally(() => {
        sub.active--;
        sub.running.delete(p);
        this.pumpSoon();
      });
    sub.running.add(p);
  }

  private armAckWait(seq: number, entry: PendingEntry): void {
    if (entry.ackTimer) clearTimeout(entry.ackTimer);
    const token = entry.token;
    entry.ackTimer = setTimeout(() => this.makeReady(seq, token), this.ackWaitMs);
    entry.ackTimer.unref();
  }

  private makeReady(seq: number, token: number): void {
    const e = this.pending.get(seq);
    if (!e || e.token !== token) return;
    this.clearTimers(e);
    e.inFlight = false;
    if (!this.ready.includes(seq)) {
      this.ready.push(seq);
      this.ready.sort((a, b) => a - b);
    }
    this.pump();
  }

  private dropReady(seq: number): void {
    const i = this.ready.indexOf(seq);
    if (i >= 0) this.ready.splice(i, 1);
  }

  private clearTimers(e: PendingEntry): void {
    if (e.ackTimer) clearTimeout(e.ackTimer);
    if (e.redeliverTimer) clearTimeout(e.redeliverTimer);
    e.ackTimer = undefined;
    e.redeliverTimer = undefined;
  }

  pumpSoon(): void {
    setImmediate(() => this.pump());
  }

  stopTimers(): void {
    for (const e of this.pending.values()) this.clearTimers(e);
  }
}

type Responder = (headers: WireHeaders, data: Uint8Array) => Promise<Uint8Array>;

/** Shared state of in-process buses: streams, consumers and responders per namespace. */
export class InProcessBroker {
  readonly streams = new Map<string, MemoryStream>();
  readonly responders = new Map<string, { list: Responder[]; next: number }>();

  stream(name: string, create?: () => MemoryStream): MemoryStream | undefined {
    let s = this.streams.get(name);
    if (!s && create) {
      s = create();
      this.streams.set(name, s);
    }
    return s;
  }

  shutdown(): void {
    for (const s of this.streams.values()) for (const c of s.consumers.values()) c.stopTimers();
  }
}

export class InProcessBus implements MessageBus {
  readonly kind = 'in-process' as const;
  readonly namespace: string;
  readonly installationId: string;
  readonly names: TopologyNames;
  readonly broker: InProcessBroker;
  private readonly origin: Origin;
  private readonly logger: BusLogger;
  private readonly subscriptions = new Set<Subscription>();
  private readonly ownsBroker: boolean;
  private closed = false;

  constructor(private readonly options: InProcessBusOptions) {
    this.names = new TopologyNames(options.namespace);
    this.namespace = options.namespace;
    this.installationId = options.installationId;
    this.ownsBroker = !options.broker;
    this.broker = options.broker ?? new InProcessBroker();
    this.origin = { namespace: this.namespace, installationId: this.installationId };
    this.logger = options.logger ?? defaultBusLogger('InProcessBus');
  }

  async ensureTopology(declaration: TopologyDeclaration = {}): Promise<void> {
    const window = this.options.duplicateWindowMs ?? 2 * 60 * 60 * 1000;
    this.broker.stream(
      this.names.eventStream,
      () => new MemoryStream(this.names.eventStream, false, window, this.options.eventMaxAgeMs ?? 24 * 60 * 60 * 1000),
    );
    this.broker.stream(this.names.taskStream, () => new MemoryStream(this.names.taskStream, true, window, undefined));
    for (const spec of declaration.eventConsumers ?? []) this.ensureEventConsumer(spec);
    for (const spec of declaration.taskQueues ?? []) this.ensureTaskConsumer(spec);
  }

  private requireStream(name: string): MemoryStream {
    const s = this.broker.stream(name);
    if (!s) throw new HoldfastError('unavailable', `stream ${name} does not exist: call ensureTopology() at boot`);
    return s;
  }

  private ensureConsumer(
    stream: MemoryStream,
    name: string,
    filters: string[],
    delivery: ResolvedDelivery,
    maxAckPending: number,
    startFrom: 'all' | 'new',
  ): MemoryConsumer {
    let c = stream.consumers.get(name);
    if (!c) {
      c = new MemoryConsumer(name, stream, filters, delivery.ackWaitMs, maxAckPending, startFrom);
      stream.consumers.set(name, c);
    } else {
      c.filters = filters;
      c.ackWaitMs = delivery.ackWaitMs;
      c.maxAckPending = maxAckPending;
    }
    return c;
  }

  private ensureEventConsumer(spec: EventConsumerSpec): { consumer: MemoryConsumer; delivery: ResolvedDelivery } {
    const delivery = resolveDelivery(spec, this.options.delivery);
    const name = this.names.eventConsumer(spec.durable);
    const filters = this.names.eventFilterSubjects(spec.subjects);
    const consumer = this.ensureConsumer(
      this.requireStream(this.names.eventStream),
      name,
      filters,
      delivery,
      spec.maxAckPending ?? 1,
      spec.startFrom ?? 'all',
    );
    return { consumer, delivery };
  }

  private ensureTaskConsumer(spec: TaskWorkerSpec): { consumer: MemoryConsumer; delivery: ResolvedDelivery } {
    const delivery = resolveDelivery(spec, this.options.delivery);
    const consumer = this.ensureConsumer(
      this.requireStream(this.names.taskStream),
      this.names.taskConsumer(spec.queue),
      [this.names.taskQueueFilter(spec.queue)],
      delivery,
      spec.maxAckPending ?? 1000,
      'all',
    );
    return { consumer, delivery };
  }

  async publishEvent(event: RecordedEvent): Promise<PublishResult> {
    this.assertOpen();
    const subject = this.names.eventSubject(event.tenantId, event.type);
    const h = baseHeaders(this.origin, SCHEMA.event, event.tenantId, event.metadata?.correlationId);
    h[HEADER.eventType] = event.type;
    return producing(
      `${subject} publish`,
      eventProducerContext(event.metadata),
      { 'messaging.system': 'in-process', 'messaging.message.id': event.eventId, 'holdfast.tenant.id': event.tenantId },
      h,
      async () => this.publishRaw(subject, encodeJson(event), event.eventId, h),
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
      { 'messaging.system': 'in-process', 'messaging.message.id': msgId, 'holdfast.tenant.id': task.tenantId },
      h,
      async () => this.publishRaw(subject, encodeJson(body), msgId, h),
    );
  }

  /** Publishes bytes with any headers (also used by tests to plant foreign messages). */
  async publishRaw(subject: string, data: Uint8Array, msgId: string, headers: WireHeaders): Promise<PublishResult> {
    const streamName = subject.startsWith(`${this.names.eventSubjectRoot}.`)
      ? this.names.eventStream
      : subject.startsWith(`${this.names.taskSubjectRoot}.`)
        ? this.names.taskStream
        : undefined;
    const stream = streamName ? this.broker.stream(streamName) : undefined;
    if (!stream) throw new HoldfastError('unavailable', `no stream takes ${subject}: call ensureTopology() at boot`);
    return stream.append(subject, { ...headers }, data, msgId);
  }

  async subscribeEvents(spec: EventConsumerSpec, handler: EventHandler): Promise<Subscription> {
    this.assertOpen();
    const { consumer, delivery } = this.ensureEventConsumer(spec);
    const target: DispatchTarget<RecordedEvent> = {
      consumer: consumer.name,
      delivery,
      deadLetters: this.options.deadLetters,
      logger: this.logger,
      decode: (h, d) => decodeEvent(h, d, this.origin),
      handle: handler,
      tenantOf: eventTenant,
      spanName: `${consumer.name} process`,
    };
    return this.attach(consumer, delivery, target);
  }

  async processTasks<TData = Record<string, unknown>>(
    spec: TaskWorkerSpec,
    handler: TaskHandler<TData>,
  ): Promise<Subscription> {
    this.assertOpen();
    const { consumer, delivery } = this.ensureTaskConsumer(spec);
    const target: DispatchTarget<TaskMessage> = {
      consumer: consumer.name,
      delivery,
      deadLetters: this.options.deadLetters,
      logger: this.logger,
      decode: (h, d) => decodeTask(h, d, this.origin),
      handle: (task, ctx) => handler(task as TaskMessage<TData>, ctx),
      tenantOf: taskTenant,
      spanName: `${consumer.name} process`,
    };
    return this.attach(consumer, delivery, target);
  }

  private attach<T>(consumer: MemoryConsumer, delivery: ResolvedDelivery, target: DispatchTarget<T>): Subscription {
    const sub: MemorySubscriber = {
      dispatch: (raw) => dispatchDelivery(raw, target),
      concurrency: delivery.concurrency,
      active: 0,
      running: new Set(),
      open: true,
    };
    // deliver on a later tick, as a network consumer would
    setImmediate(() => {
      if (sub.open) consumer.subscribe(sub);
    });
    const subscription: Subscription = {
      close: async () => {
        consumer.unsubscribe(sub);
        while (sub.running.size > 0) await Promise.all([...sub.running]);
        this.subscriptions.delete(subscription);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async request<TRes = unknown, TReq = unknown>(
    service: string,
    method: string,
    payload: TReq,
    options: RequestOptions = {},
  ): Promise<TRes> {
    this.assertOpen();
    const subject = this.names.rpcSubject(service, method);
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs ?? 5_000;
    const entry = this.broker.responders.get(subject);
    if (!entry || entry.list.length === 0) throw unavailableError(subject);
    const responder = entry.list[entry.next++ % entry.list.length];
    const h = baseHeaders(this.origin, SCHEMA.request, options.tenantId, options.correlationId);
    const reply = await producing(
      `${subject} request`,
      context.active(),
      { 'messaging.system': 'in-process', 'messaging.destination.name': subject },
      h,
      () =>
        new Promise<Uint8Array>((resolve, reject) => {
          const timer = setTimeout(() => reject(timeoutError(subject, timeoutMs)), timeoutMs);
          responder({ ...h }, encodeJson(payload ?? null)).then(
            (r) => {
              clearTimeout(timer);
              resolve(r);
            },
            (err) => {
              clearTimeout(timer);
              reject(err);
            },
          );
        }),
    );
    return unwrapReply<TRes>(subject, reply);
  }

  async respond<TReq = unknown, TRes = unknown>(
    service: string,
    method: string,
    handler: RequestHandler<TReq, TRes>,
  ): Promise<Subscription> {
    this.assertOpen();
    const subject = this.names.rpcSubject(service, method);
    const inflight = new Set<Promise<Uint8Array>>();
    const responder: Responder = (headers, data) => {
      const p = answerRequest(this.origin, subject, headers, data, handler as RequestHandler<unknown, unknown>, this.logger);
      inflight.add(p);
      void p.finally(() => inflight.delete(p)).catch(() => undefined);
      return p;
    };
    let entry = this.broker.responders.get(subject);
    if (!entry) {
      entry = { list: [], next: 0 };
      this.broker.responders.set(subject, entry);
    }
    entry.list.push(responder);
    const sub: Subscription = {
      close: async () => {
        const e = this.broker.responders.get(subject);
        if (e) e.list = e.list.filter((r) => r !== responder);
        await Promise.allSettled([...inflight]);
        this.subscriptions.delete(sub);
      },
    };
    this.subscriptions.add(sub);
    return sub;
  }

  async health(): Promise<BusHealth> {
    return this.closed
      ? { ok: false, kind: this.kind, detail: 'bus closed' }
      : { ok: true, kind: this.kind, detail: 'in-process' };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    if (this.ownsBroker) this.broker.shutdown();
  }

  private assertOpen(): void {
    if (this.closed) throw new HoldfastError('unavailable', 'the message bus is closed');
  }
}


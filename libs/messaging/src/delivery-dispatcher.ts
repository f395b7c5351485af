import type { RecordedEvent } from '@holdfast/contracts';
import { metrics } from '@opentelemetry/api';
import type { BusLogger } from './bus-logger';
import type { DeadLetterSink } from './dead-letter.repository';
import { backoffFor, describeError, type ResolvedDelivery } from './delivery-policy';
import type { AckContext, TaskMessage } from './message-bus.port';
import { consuming } from './trace-context';
import { HEADER, type Decoded, type WireHeaders } from './wire-format';

/**
 * One delivery as an adapter sees it: bytes, headers and the settle primitives of the
 * transport (JetStream message or in-process queue entry).
 */
export interface RawDelivery {
  readonly subject: string;
  readonly headers: WireHeaders;
  readonly data: Uint8Array;
  /** 1 on first delivery. */
  readonly deliveryCount: number;
  ack(): Promise<void>;
  nak(delayMs: number): void;
  working(): void;
  term(reason: string): void;
}

export interface DispatchTarget<T> {
  /** Consumer name recorded in dead letters. */
  readonly consumer: string;
  readonly delivery: ResolvedDelivery;
  readonly deadLetters: DeadLetterSink;
  readonly logger: BusLogger;
  decode(headers: WireHeaders, data: Uint8Array): Decoded<T>;
  handle(message: T, ctx: AckContext): Promise<void>;
  /** Tenant of a decoded message. */
  tenantOf(message: T): string;
  /** Span name, e.g. `<subject> process`. */
  readonly spanName: string;
}

const meter = metrics.getMeter('holdfast.messaging');
const handled = meter.createCounter('holdfast.messaging.handled', { description: 'Deliveries handled and acked' });
const retried = meter.createCounter('holdfast.messaging.retried', { description: 'Deliveries nak-ed for a later retry' });
const deadLettered = meter.createCounter('holdfast.messaging.dead_lettered', {
  description: 'Messages given up on and recorded as dead letters',
});

/**
 * The delivery rules both adapters share:
 * - foreign or undecodable messages are dead-lettered and termed, never handled;
 * - a message delivered more than maxDeliver times (a handler that crashes the process
 *   every time never gets to nak) is dead-lettered without running the handler again;
 * - a handler that returns is acked unless it settled the message itself;
 * - a handler that throws is nak'ed with backoff while the error is retryable and
 *   deliveries remain, else dead-lettered and termed.
 * A dead letter is written before the term; if that write fails the message is nak'ed.
 */
export async function dispatchDelivery<T>(raw: RawDelivery, target: DispatchTarget<T>): Promise<void> {
  const { delivery, logger } = target;
  const messageId = raw.headers[HEADER.msgId] ?? '';
  const log = { consumer: target.consumer, subject: raw.subject, messageId, deliveryCount: raw.deliveryCount };

  const giveUp = async (reason: string, detail: string, tenantId?: string): Promise<void> => {
    try {
      await target.deadLetters.record({
        consumer: target.consumer,
        subject: raw.subject,
        messageId,
        tenantId: tenantId ?? raw.headers[HEADER.tenant],
        reason,
        detail,
        deliveries: raw.deliveryCount,
        headers: raw.headers,
        payload: raw.data,
      });
    } catch (err) {
      logger.error({ ...log, reason, err: describeError(err) }, 'dead letter could not be recorded; retrying message later');
      raw.nak(backoffFor(delivery, raw.deliveryCount));
      return;
    }
    deadLettered.add(1, { 'messaging.consumer.group.name': target.consumer, 'holdfast.messaging.reason': reason });
    logger.warn({ ...log, reason, detail }, 'message dead-lettered');
    raw.term(reason);
  };

  const decoded = target.decode(raw.headers, raw.data);
  if (!decoded.ok) {
    await giveUp(decoded.reason, decoded.detail);
    return;
  }
  const message = decoded.value;
  const tenantId = target.tenantOf(message);
  if (raw.deliveryCount > delivery.maxDeliver) {
    await giveUp('max_deliveries', `delivered ${raw.deliveryCount} times without being settled`, tenantId);
    return;
  }

  let settled = false;
  const ctx: AckContext = {
    subject: raw.subject,
    messageId,
    tenantId,
    correlationId: raw.headers[HEADER.correlation],
    deliveryCount: raw.deliveryCount,
    redelivered: raw.deliveryCount > 1,
    get settled() {
      return settled;
    },
    async ack() {
      if (settled) return;
      settled = true;
      await raw.ack();
    },
    nak(delayMs?: number) {
      if (settled) return;
      settled = true;
      raw.nak(delayMs ?? backoffFor(delivery, raw.deliveryCount));
    },
    working() {
      if (!settled) raw.working();
    },
    async term(reason: string) {
      if (settled) return;
      settled = true;
      await giveUp('termed_by_handler', reason, tenantId);
    },
  };

  try {
    await consuming(
      target.spanName,
      raw.headers,
      {
        'messaging.system': 'nats',
        'messaging.destination.name': raw.subject,
        'messaging.message.id': messageId,
        'messaging.consumer.group.name': target.consumer,
        'holdfast.tenant.id': tenantId,
      },
      () => target.handle(message, ctx),
    );
  } catch (err) {
    if (settled) {
      logger.error({ ...log, err: describeError(err) }, 'handler failed after settling its message');
      return;
    }
    settled = true;
    const retryable = delivery.isRetryable(err);
    if (retryable && raw.deliveryCount < delivery.maxDeliver) {
      const delay = backoffFor(delivery, raw.deliveryCount);
      logger.warn({ ...log, err: describeError(err), retryInMs: delay }, 'handler failed; message will be redelivered');
      retried.add(1, { 'messaging.consumer.group.name': target.consumer });
      raw.nak(delay);
      return;
    }
    await giveUp(retryable ? 'max_deliveries' : 'non_retryable', describeError(err), tenantId);
    return;
  }
  if (!settled) {
    settled = true;
    await raw.ack();
  }
  handled.add(1, { 'messaging.consumer.group.name': target.consumer });
}

export const eventTenant = (e: RecordedEvent): string => e.tenantId;
export const taskTenant = (t: TaskMessage): string => t.tenantId;

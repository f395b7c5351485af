import { context, type Context } from '@opentelemetry/api';
import type { EventMetadata } from '@holdfast/contracts';
import { extractTraceContext, withConsumerSpan, withProducerSpan } from '@holdfast/telemetry';
import type { WireHeaders } from './wire-format';

/**
 * W3C trace context in message headers (through @holdfast/telemetry, i.e. the global
 * OpenTelemetry propagator), so a trace follows a message from producer to consumer.
 */

/**
 * The context an event was produced in: its stored trace context when it has one (the
 * relay publishes after the request that caused the event has ended), else the active one.
 */
export function eventProducerContext(metadata: EventMetadata | undefined): Context {
  if (metadata?.traceparent) {
    const carrier: WireHeaders = { traceparent: metadata.traceparent };
    if (metadata.tracestate) carrier.tracestate = metadata.tracestate;
    return extractTraceContext(carrier);
  }
  return context.active();
}

/** Publishes inside a PRODUCER span under `parent`, adding the trace headers to `headers`. */
export function producing<T>(
  name: string,
  parent: Context,
  attributes: Record<string, string>,
  headers: WireHeaders,
  publish: () => Promise<T>,
): Promise<T> {
  return context.with(parent, () =>
    withProducerSpan(name, attributes, async (traceHeaders) => {
      Object.assign(headers, traceHeaders);
      return publish();
    }),
  );
}

/** Runs a handler in a CONSUMER span continuing the trace carried by the message. */
export function consuming<T>(
  name: string,
  headers: WireHeaders,
  attributes: Record<string, string | number>,
  handle: () => Promise<T>,
): Promise<T> {
  return withConsumerSpan(name, headers, attributes, () => handle());
}

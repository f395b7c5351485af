import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';

/** Message headers as carried by NATS (or the in-process bus): one string value per key. */
export type TraceHeaders = Record<string, string>;

const getter = {
  keys: (carrier: TraceHeaders) => Object.keys(carrier),
  get: (carrier: TraceHeaders, key: string) => {
    const direct = carrier[key];
    if (direct !== undefined) return direct;
    // header names are case-insensitive on the wire
    const found = Object.keys(carrier).find((k) => k.toLowerCase() === key.toLowerCase());
    return found === undefined ? undefined : carrier[found];
  },
};

/**
 * Writes the trace context of `ctx` (the active one by default) into message headers
 * (`traceparent`, `tracestate`, `baggage`). Returns the same object for chaining.
 */
export function injectTraceHeaders(headers: TraceHeaders = {}, ctx: Context = context.active()): TraceHeaders {
  propagation.inject(ctx, headers);
  return headers;
}

/** The context described by message headers, on top of the root context. */
export function extractTraceContext(headers: TraceHeaders | undefined): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers, getter) : ROOT_CONTEXT;
}

/**
 * Runs a consumer's handler in a CONSUMER span whose parent is the producer's span taken
 * from the message headers, so the trace continues across the bus. The span ends when the
 * handler settles; a thrown error marks it failed and is rethrown.
 */
export async function withConsumerSpan<T>(
  name: string,
  headers: TraceHeaders | undefined,
  attributes: Attributes,
  handler: (span: Span) => Promise<T> | T,
  tracerName = 'holdfast.messaging',
): Promise<T> {
  const parent = extractTraceContext(headers);
  const tracer = trace.getTracer(tracerName);
  return tracer.startActiveSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
    try {
      return await handler(span);
    } catch (e) {
      span.recordException(e instanceof Error ? e : String(e));
      span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      span.end();
    }
  });
}

/**
 * Runs `fn` in a PRODUCER span and hands it headers carrying that span's context, to be
 * attached to the published message.
 */
export async function withProducerSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (headers: TraceHeaders, span: Span) => Promise<T> | T,
  tracerName = 'holdfast.messaging',
): Promise<T> {
  const tracer = trace.getTracer(tracerName);
  return tracer.startActiveSpan(name, { kind: SpanKind.PRODUCER, attributes }, async (span) => {
    try {
      return await fn(injectTraceHeaders({}), span);
    } catch (e) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      span.end();
    }
  });
}

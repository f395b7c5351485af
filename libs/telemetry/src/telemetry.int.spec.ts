import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { holdfastAttributes } from './attributes';
import { startTelemetry, type Telemetry } from './telemetry';
import { injectTraceHeaders, withConsumerSpan, type TraceHeaders } from './trace-propagation';

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res: IncomingMessage) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A queue whose consumer runs in its own async context, so only headers can carry the trace. */
class DetachedQueue {
  private waiting: ((m: { headers: TraceHeaders; body: string }) => void)[] = [];
  publish(m: { headers: TraceHeaders; body: string }): void {
    const next = this.waiting.shift();
    if (next) next(m);
  }
  next(): Promise<{ headers: TraceHeaders; body: string }> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

describe('telemetry with an in-memory exporter', () => {
  const exporter = new InMemorySpanExporter();
  let telemetry: Telemetry;

  beforeAll(() => {
    telemetry = startTelemetry({
      serviceName: 'telemetry-test',
      env: { OTEL_SDK_DISABLED: 'true' },
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
  });
  afterAll(() => telemetry.shutdown());

  it('continues a trace from an HTTP request handler into a message consumer', async () => {
    const queue = new DetachedQueue();
    // the consumer waits for a message before any request exists: its async context has no span
    const consumed = queue.next().then((msg) =>
      withConsumerSpan('consume runs.requested', msg.headers, holdfastAttributes({ 'run.id': 'r-1' }), (span) => ({
        traceId: span.spanContext().traceId,
        body: msg.body,
      })),
    );

    const tracer = telemetry.tracer('http');
    const server = createServer((req, res) => {
      tracer.startActiveSpan('POST /runs', { kind: SpanKind.SERVER }, (span) => {
        queue.publish({ headers: injectTraceHeaders({}), body: 'run r-1' });
        span.end();
        res.end('accepted');
      });
    });
    const port = await listen(server);
    try {
      const res = await get(port, '/runs', 'POST');
      expect(res.body).toBe('accepted');
      const result = await consumed;
      const spans = exporter.getFinishedSpans();
      const http = spans.find((s) => s.name === 'POST /runs');
      const consumer = spans.find((s) => s.name === 'consume runs.requested');
      expect(http).toBeDefined();
      expect(consumer).toBeDefined();
      expect(result.body).toBe('run r-1');
      expect(consumer!.spanContext().traceId).toBe(http!.spanContext().traceId);
      expect(result.traceId).toBe(http!.spanContext().traceId);
      expect(consumer!.parentSpanContext?.spanId).toBe(http!.spanContext().spanId);
      expect(consumer!.kind).toBe(SpanKind.CONSUMER);
      expect(consumer!.attributes['holdfast.run.id']).toBe('r-1');
    } finally {
      server.close();
    }
  });

  it('starts a new trace in a consumer when the message carries no context', async () => {
    exporter.reset();
    await withConsumerSpan('consume orphan', {}, {}, () => undefined);
    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('consume orphan');
    expect(span.parentSpanContext).toBeUndefined();
  });

  it('marks a consumer span failed when the handler throws, and rethrows', async () => {
    exporter.reset();
    await expect(
      withConsumerSpan('consume failing', {}, {}, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(exporter.getFinishedSpans()[0].status.message).toBe('boom');
  });

  it('serves metrics in the Prometheus text format', async () => {
    telemetry.meter('test').createCounter('holdfast.test.requests').add(3, { route: '/x' });
    const server = createServer((req, res) => telemetry.handleMetricsRequest(req, res));
    const port = await listen(server);
    try {
      const res = await get(port, '/metrics');
      expect(res.status).toBe(200);
      expect(res.body).toMatch(/holdfast_test_requests(_total)?\{[^}]*route="\/x"[^}]*\} 3/);
      expect(res.body).toContain('holdfast_process_uptime');
    } finally {
      server.close();
    }
  });

  it('is started once per process', () => {
    expect(startTelemetry({ serviceName: 'other' })).toBe(telemetry);
  });
});

describe('telemetry switched off', () => {
  it('records nothing and injects no context when OTEL_SDK_DISABLED=true', async () => {
    const t = startTelemetry({ serviceName: 'off', env: { OTEL_SDK_DISABLED: 'true' } });
    try {
      expect(t.tracingEnabled).toBe(false);
      expect(t.traceExporter).toBe('none');
      const headers = trace.getTracer('x').startActiveSpan('s', (span) => {
        const h = injectTraceHeaders({});
        span.end();
        return h;
      });
      expect(headers.traceparent).toBeUndefined();
    } finally {
      await t.shutdown();
    }
  });

  it('exports by OTLP when an endpoint is configured', async () => {
    const t = startTelemetry({ serviceName: 'otlp', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' } });
    try {
      expect(t.tracingEnabled).toBe(true);
      expect(t.traceExporter).toBe('otlp');
    } finally {
      await t.shutdown();
    }
  });
});

import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, metrics, propagation, trace, type Meter, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface TelemetryOptions {
  /** `service.name` of this process: the service, or `holdfast` in all-in-one mode. */
  readonly serviceName: string;
  readonly serviceVersion?: string;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Extra span processors, e.g. an in-memory exporter in tests. Giving any turns tracing
   * on even when OTEL_SDK_DISABLED=true.
   */
  readonly spanProcessors?: readonly SpanProcessor[];
}

export interface Telemetry {
  readonly serviceName: string;
  /** Whether spans are recorded (OTEL_SDK_DISABLED is not true, or processors were given). */
  readonly tracingEnabled: boolean;
  /** What recorded spans are exported to: `otlp`, `console` or `none`. */
  readonly traceExporter: TraceExporterKind;
  tracer(name?: string): Tracer;
  meter(name?: string): Meter;
  /** Answers a Prometheus scrape (text exposition format) with this process's metrics. */
  handleMetricsRequest(req: IncomingMessage, res: ServerResponse): void;
  /** Flushes and stops exporters; the next startTelemetry starts afresh. */
  shutdown(): Promise<void>;
}

export type TraceExporterKind = 'otlp' | 'console' | 'none';

let current: Telemetry | undefined;

/** The running telemetry of this process, if started. */
export function getTelemetry(): Telemetry | undefined {
  return current;
}

/**
 * Starts OpenTelemetry for this process, once: a second call returns the running instance
 * (the all-in-one mode boots several service modules in one process).
 *
 * Traces: recorded unless OTEL_SDK_DISABLED=true; exported by OTLP/HTTP when
 * OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, or as chosen
 * by OTEL_TRACES_EXPORTER (otlp | console | none).
 * Metrics: always collected in-process and pulled by Prometheus from GET /metrics (pull
 * needs no exporter to be reachable, so it stays on in tests too).
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (current) return current;
  const env = options.env ?? process.env;
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || options.serviceName,
    [ATTR_SERVICE_VERSION]: options.serviceVersion ?? '0.1.0',
  });

  // Context flow and W3C propagation are cheap and let trace context pass through a process
  // even when it records nothing itself.
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );

  const disabled = (env.OTEL_SDK_DISABLED ?? '').toLowerCase() === 'true';
  const extra = options.spanProcessors ?? [];
  const tracingEnabled = !disabled || extra.length > 0;
  const exporterKind = tracingEnabled && !disabled ? traceExporterKind(env) : 'none';
  let tracerProvider: NodeTracerProvider | undefined;
  if (tracingEnabled) {
    const processors: SpanProcessor[] = [...extra];
    const exporter = createTraceExporter(exporterKind);
    if (exporter) processors.push(new BatchSpanProcessor(exporter));
    tracerProvider = new NodeTracerProvider({ resource, spanProcessors: processors });
    trace.setGlobalTracerProvider(tracerProvider);
  }

  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ resource, readers: [prometheus] });
  metrics.setGlobalMeterProvider(meterProvider);
  registerProcessMetrics(meterProvider.getMeter('holdfast.process'));

  const telemetry: Telemetry = {
    serviceName: options.serviceName,
    tracingEnabled,
    traceExporter: exporterKind,
    tracer: (name = 'holdfast') => trace.getTracer(name),
    meter: (name = 'holdfast') => metrics.getMeter(name),
    handleMetricsRequest: (req, res) => prometheus.getMetricsRequestHandler(req, res),
    async shutdown() {
      if (current === telemetry) current = undefined;
      await Promise.allSettled([tracerProvider?.shutdown(), meterProvider.shutdown()]);
      trace.disable();
      metrics.disable();
      propagation.disable();
      context.disable();
    },
  };
  current = telemetry;
  return telemetry;
}

function traceExporterKind(env: NodeJS.ProcessEnv): TraceExporterKind {
  const chosen = (env.OTEL_TRACES_EXPORTER ?? '').toLowerCase();
  if (chosen === 'otlp' || chosen === 'console' || chosen === 'none') return chosen;
  if (chosen) throw new Error(`OTEL_TRACES_EXPORTER: expected otlp, console or none, got "${chosen}"`);
  return env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? 'otlp' : 'none';
}

function createTraceExporter(kind: TraceExporterKind): SpanExporter | undefined {
  // OTLPTraceExporter reads OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout) itself.
  if (kind === 'otlp') return new OTLPTraceExporter();
  if (kind === 'console') return new ConsoleSpanExporter();
  return undefined;
}

function registerProcessMetrics(meter: Meter): void {
  const started = Date.now();
  meter
    .createObservableGauge('holdfast.process.uptime', { unit: 's', description: 'Seconds since the process started telemetry' })
    .addCallback((r) => r.observe((Date.now() - started) / 1000));
  meter
    .createObservableGauge('holdfast.process.memory.rss', { unit: 'By', description: 'Resident set size' })
    .addCallback((r) => r.observe(process.memoryUsage().rss));
}

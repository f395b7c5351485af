/** Counter names the Graph layer reports (dotted, namespaced like the OpenTelemetry attributes). */
export type GraphMetricName =
  | 'holdfast.graph.requests'
  | 'holdfast.graph.throttled'
  | 'holdfast.graph.retries'
  | 'holdfast.graph.wait_ms'
  | 'holdfast.graph.errors';

export type MetricAttributes = Readonly<Record<string, string | number>>;

/** Where the Graph layer sends its counters; service-kit plugs an OpenTelemetry meter in. */
export interface GraphMetricsSink {
  add(name: GraphMetricName, value: number, attributes?: MetricAttributes): void;
}

export const noopMetrics: GraphMetricsSink = { add: () => undefined };

/** Keeps totals in memory: for tests and for a quick status line. */
export class InMemoryGraphMetrics implements GraphMetricsSink {
  private readonly totals = new Map<string, number>();

  add(name: GraphMetricName, value: number, attributes?: MetricAttributes): void {
    this.totals.set(name, (this.totals.get(name) ?? 0) + value);
    if (attributes) {
      for (const [k, v] of Object.entries(attributes)) {
        const key = `${name}{${k}=${v}}`;
        this.totals.set(key, (this.totals.get(key) ?? 0) + value);
      }
    }
  }

  /** Total of a counter, optionally only where attribute `k` had value `v`. */
  get(name: GraphMetricName, where?: { key: string; value: string | number }): number {
    return this.totals.get(where ? `${name}{${where.key}=${where.value}}` : name) ?? 0;
  }
}

/** A pino-compatible logger subset (object first, message second). */
export interface GraphLogger {
  debug(obj: Record<string, unknown>, msg?: string): void;
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
}

export const noopLogger: GraphLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined };

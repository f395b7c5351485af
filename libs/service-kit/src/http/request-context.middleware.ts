import { randomUUID } from 'node:crypto';
import { context, metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { extractTraceContext, type TraceHeaders } from '@holdfast/telemetry';
import type { NextFunction, Request, Response } from 'express';
import { getLogger } from '../logging/logger';
import { runWithRequestContext } from '../logging/request-context';

const CORRELATION_HEADER = 'x-correlation-id';
const VALID_CORRELATION = /^[\w.:-]{1,128}$/;
const QUIET = new Set(['/health', '/ready', '/metrics']);

/**
 * Per request: a correlation id (taken from X-Correlation-Id or new, echoed back) in the
 * log context, a SERVER span continuing the caller's trace, a request counter and duration.
 */
export function requestContextMiddleware() {
  const log = getLogger('Http');
  const tracer = trace.getTracer('holdfast.http');
  const meter = metrics.getMeter('holdfast.http');
  const requests = meter.createCounter('holdfast.http.requests', { description: 'HTTP requests answered' });
  const duration = meter.createHistogram('holdfast.http.duration', { unit: 's', description: 'HTTP request duration' });

  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.header(CORRELATION_HEADER);
    const correlationId = given && VALID_CORRELATION.test(given) ? given : randomUUID();
    res.setHeader(CORRELATION_HEADER, correlationId);
    const path = req.path;
    const parent = extractTraceContext(req.headers as TraceHeaders);
    const span = tracer.startSpan(
      req.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': path } },
      parent,
    );
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { method: req.method, route: route ?? 'unmatched', status: String(res.statusCode) };
      requests.add(1, labels);
      duration.record(seconds, labels);
      span.updateName(`${req.method} ${route ?? path}`);
      span.setAttribute('http.response.status_code', res.statusCode);
      if (route) span.setAttribute('http.route', route);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      const line = { method: req.method, path, status: res.statusCode, durationMs: Math.round(seconds * 1000) };
      if (QUIET.has(path)) log.debug(line, 'request');
      else log.info(line, 'request');
    });
    runWithRequestContext({ correlationId }, () => context.with(trace.setSpan(parent, span), next));
  };
}

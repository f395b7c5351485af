import { randomUUID } from 'node:crypto';
import { IncomingHttpHeaders } from 'node:http';
import { Readable, Transform } from 'node:stream';
import { HoldfastError } from '@holdfast/contracts';
import { GRAPH_API_VERSION, ResolvedCloud } from '../auth/clouds';
import { TokenProvider } from '../auth/token-provider';
import { Clock, systemClock } from '../clock';
import { classifyNetworkError, classifyResponse } from '../errors/classify';
import { GraphAuthError, GraphError, GraphThrottledError, GraphTransientError } from '../errors/graph-errors';
import { safeUrl } from '../errors/redact';
import { headerValue } from '../errors/retry-after';
import { GraphLogger, GraphMetricsSink, noopLogger, noopMetrics } from '../metrics';
import { Pacer, PacingLease, PacingTarget } from '../pacing/pacer';
import { DEFAULT_RETRY, RetryOptions, retryDecision } from './retry-policy';
import { HttpTransport, NodeHttpTransport, TransportResponse } from './transport';

/** One application of the organization's pool and where its tokens come from. */
export interface GraphApp {
  readonly appId: string;
  readonly tokenProvider: TokenProvider;
}

export interface GraphClientOptions {
  /** The customer organization (Entra tenant) this client works for. */
  readonly tenantId: string;
  /** From `resolveCloud(...)`; only `graphBaseUrl` is needed. */
  readonly cloud: Pick<ResolvedCloud, 'graphBaseUrl'>;
  /** One or more applications; requests rotate over them through the pacer. */
  readonly apps: readonly GraphApp[];
  /** Share one pacer per process so every client respects the same limits. */
  readonly pacer?: Pacer;
  readonly transport?: HttpTransport;
  /** Extra CA (PEM) for the default transport. */
  readonly ca?: string | Buffer;
  readonly clock?: Clock;
  readonly metrics?: GraphMetricsSink;
  readonly logger?: GraphLogger;
  readonly retry?: Partial<RetryOptions>;
  /** Randomness for backoff jitter (tests make it deterministic). */
  readonly random?: () => number;
  /** Ask for immutable Outlook ids on every call (`Prefer: IdType="ImmutableId"`). Default true. */
  readonly immutableIds?: boolean;
  /** Socket idle timeout. Default 60 s. */
  readonly timeoutMs?: number;
  /** Wait used when a throttled answer carries no Retry-After. Default 10 s. */
  readonly defaultRetryAfterMs?: number;
}

export type QueryValue = string | number | boolean | undefined;

export interface GraphRequestOptions {
  readonly method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** A path relative to `/v1.0` (`/users`), or an absolute URL (`@odata.nextLink`). */
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** A plain value is sent as JSON; strings, buffers and streams as they are (set contentType). */
  readonly body?: unknown;
  readonly contentType?: string;
  /** The limit family and key (mailbox) of the call. Default: directory. */
  readonly pacing?: PacingTarget;
  /** Override the client's immutable-id default for this call. */
  readonly immutableId?: boolean;
  /** `Prefer: odata.maxpagesize=N`. */
  readonly maxPageSize?: number;
  /** `ConsistencyLevel: eventual` for advanced directory queries ($count, $search). */
  readonly eventualConsistency?: boolean;
  /** The permission the call needs, named in a 403 error. */
  readonly requiredPermission?: string;
  /** Bytes uploaded into a mailbox (its 150 MB / 5 min limit). */
  readonly uploadBytes?: number;
  readonly signal?: AbortSignal;
  /**
   * Send the bearer token. Default: only to the Graph origin; pre-authenticated upload and
   * download URLs (other hosts) never get it.
   */
  readonly authenticate?: boolean;
  /** Follow 3xx (e.g. `/content` to the download URL). Default true. */
  readonly followRedirects?: boolean;
  /** Attempts for transient failures of this call (1: no retry; the caller resumes itself). */
  readonly maxAttempts?: number;
  /** Use this application of the pool (a $batch envelope goes with the app its sub-requests were paced on). */
  readonly pinnedApp?: string;
}

export interface GraphResponse<T> {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: T;
  readonly requestId?: string;
  readonly clientRequestId: string;
}

export interface GraphStreamResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The content, streamed; errors on it are typed GraphErrors. Consume or destroy it. */
  readonly body: Readable;
  readonly requestId?: string;
  readonly clientRequestId: string;
}

const MAX_ERROR_BODY = 1024 * 1024;
const MAX_REDIRECTS = 5;

/**
 * The Graph HTTP client every service uses: resolves paths against the cloud's `/v1.0`,
 * sends consistent headers (client-request-id for the logs, Prefer for immutable ids and page
 * size), paces every call through the shared Pacer, retries transient failures with jittered
 * backoff and throttled ones after Retry-After, and turns every failure into a typed
 * GraphError. Content (MIME, files) is streamed, never buffered whole.
 */
export class GraphClient {
  readonly tenantId: string;
  readonly baseUrl: string;
  readonly origin: string;
  readonly pacer: Pacer;
  readonly clock: Clock;
  readonly metrics: GraphMetricsSink;
  private readonly transport: HttpTransport;
  private readonly apps: ReadonlyMap<string, GraphApp>;
  private readonly logger: GraphLogger;
  private readonly retry: RetryOptions;
  private readonly random: () => number;
  private readonly immutableIds: boolean;
  private readonly timeoutMs: number;
  readonly defaultRetryAfterMs: number;
  private readonly ownsTransport: boolean;

  constructor(options: GraphClientOptions) {
    if (options.apps.length === 0) throw new HoldfastError('validation_failed', 'GraphClient needs at least one application');
    this.tenantId = options.tenantId;
    this.baseUrl = options.cloud.graphBaseUrl.replace(/\/+$/, '');
    if (!this.baseUrl.endsWith(`/${GRAPH_API_VERSION}`)) this.baseUrl = `${this.baseUrl}/${GRAPH_API_VERSION}`;
    this.origin = new URL(this.baseUrl).origin;
    this.clock = options.clock ?? systemClock;
    this.metrics = options.metrics ?? noopMetrics;
    this.pacer = options.pacer ?? new Pacer({ clock: this.clock, metrics: this.metrics });
    this.ownsTransport = !options.transport;
    this.transport = options.transport ?? new NodeHttpTransport({ ca: options.ca });
    this.apps = new Map(options.apps.map((a) => [a.appId, a]));
    this.logger = options.logger ?? noopLogger;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.random = options.random ?? Math.random;
    this.immutableIds = options.immutableIds ?? true;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.defaultRetryAfterMs = options.defaultRetryAfterMs ?? 10_000;
  }

  /** Closes idle keep-alive connections of the transport this client created. */
  close(): void {
    if (this.ownsTransport && this.transport instanceof NodeHttpTransport) this.transport.close();
  }

  /** Application ids of the pool. */
  get appIds(): readonly string[] {
    return [...this.apps.keys()];
  }

  /** An absolute URL for a path relative to `/v1.0`, or the URL itself when absolute. */
  resolveUrl(path: string, query?: Readonly<Record<string, QueryValue>>): string {
    const url = /^https?:\/\//i.test(path) ? new URL(path) : new URL(`${this.baseUrl}${path.startsWith('/') ? '' : '/'}${path}`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.toString();
  }

  async get<T>(path: string, options: Omit<GraphRequestOptions, 'path' | 'method'> = {}): Promise<T> {
    return (await this.request<T>({ ...options, path, method: 'GET' })).body;
  }

  async post<T>(path: string, body: unknown, options: Omit<GraphRequestOptions, 'path' | 'method' | 'body'> = {}): Promise<T> {
    return (await this.request<T>({ ...options, path, body, method: 'POST' })).body;
  }

  async patch<T>(path: string, body: unknown, options: Omit<GraphRequestOptions, 'path' | 'method' | 'body'> = {}): Promise<T> {
    return (await this.request<T>({ ...options, path, body, method: 'PATCH' })).body;
  }

  async delete(path: string, options: Omit<GraphRequestOptions, 'path' | 'method'> = {}): Promise<void> {
    await this.request<void>({ ...options, path, method: 'DELETE' });
  }

  /** A JSON call: the answer is read whole (a truncated body is a transient error, retried). */
  async request<T>(options: GraphRequestOptions): Promise<GraphResponse<T>> {
    return this.execute(options, async (res, meta) => {
      const text = await readAll(res.body, Number.POSITIVE_INFINITY, headerValue(res.headers, 'content-length'));
      let body: unknown = undefined;
      if (text.length > 0) {
        const type = String(res.headers['content-type'] ?? '');
        if (/json/i.test(type) || /^[\s]*[[{]/.test(text.subarray(0, 16).toString())) {
          try {
            body = JSON.parse(text.toString('utf8'));
          } catch {
            throw new GraphTransientError('Graph answer could not be read (truncated or malformed JSON)', meta);
          }
        } else {
          body = text.toString('utf8');
        }
      }
      return { status: res.status, headers: res.headers, body: body as T, requestId: meta.requestId, clientRequestId: meta.clientRequestId };
    });
  }

  /**
   * A streamed call (`/$value`, `/content`, download URLs): resolves once the headers are in;
   * the pacing slot is held until the body ends, errors or is destroyed.
   */
  async stream(options: GraphRequestOptions): Promise<GraphStreamResponse> {
    return this.execute(options, async (res, meta, lease) => {
      const body = typedStream(res, meta);
      lease.holdUntil(body);
      return { status: res.status, headers: res.headers, body, requestId: meta.requestId, clientRequestId: meta.clientRequestId };
    });
  }

  private headersFor(options: GraphRequestOptions, clientRequestId: string, bodyType: string | undefined): Record<string, string> {
    const prefer: string[] = [];
    if (options.immutableId ?? this.immutableIds) prefer.push('IdType="ImmutableId"');
    if (options.maxPageSize) prefer.push(`odata.maxpagesize=${options.maxPageSize}`);
    const extraPrefer = Object.entries(options.headers ?? {}).find(([k]) => k.toLowerCase() === 'prefer')?.[1];
    if (extraPrefer) prefer.push(extraPrefer);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'client-request-id': clientRequestId,
      'return-client-request-id': 'true',
      'user-agent': 'Holdfast/0.1 (+https://github.com/holdfast; graph)',
    };
    for (const [k, v] of Object.entries(options.headers ?? {})) if (k.toLowerCase() !== 'prefer') headers[k.toLowerCase()] = v;
    if (prefer.length > 0) headers.prefer = prefer.join(', ');
    if (options.eventualConsistency) headers.consistencylevel = 'eventual';
    if (bodyType) headers['content-type'] = bodyType;
    return headers;
  }

  private encodeBody(options: GraphRequestOptions): { body?: Buffer | string | Readable; type?: string; replayable: boolean } {
    const b = options.body;
    if (b === undefined || b === null) return { replayable: true };
    if (b instanceof Readable) return { body: b, type: options.contentType ?? 'application/octet-stream', replayable: false };
    if (Buffer.isBuffer(b)) return { body: b, type: options.contentType ?? 'application/octet-stream', replayable: true };
    if (typeof b === 'string' && options.contentType) return { body: b, type: options.contentType, replayable: true };
    return { body: JSON.stringify(b), type: options.contentType ?? 'application/json', replayable: true };
  }

  private async execute<R>(
    options: GraphRequestOptions,
    onSuccess: (res: TransportResponse, meta: { requestId?: string; clientRequestId: string; status: number }, lease: LeaseHandle) => Promise<R>,
  ): Promise<R> {
    const method = options.method ?? 'GET';
    const target: PacingTarget = options.pacing ?? { workload: 'directory' };
    const { body, type, replayable } = this.encodeBody(options);
    const state = { transientFailures: 0, throttles: 0 };
    let forceRefresh = false;
    let refreshed = false;
    const startUrl = this.resolveUrl(options.path, options.query);
    for (;;) {
      const clientRequestId = randomUUID();
      const pacingLease = await this.pacer.acquire({
        tenantId: this.tenantId,
        apps: options.pinnedApp ? [options.pinnedApp] : this.appIds,
        target,
        uploadBytes: options.uploadBytes,
        signal: options.signal,
      });
      const lease = new LeaseHandle(pacingLease);
      let failure: GraphError | undefined;
      let url = startUrl;
      const started = this.clock.now();
      try {
        for (let hop = 0; ; hop++) {
          const sameOrigin = new URL(url).origin === this.origin;
          const authenticate = options.authenticate ?? sameOrigin;
          const headers = this.headersFor(options, clientRequestId, hop === 0 ? type : undefined);
          if (authenticate && sameOrigin) {
            const app = this.apps.get(pacingLease.appId);
            if (!app) throw new GraphError('unexpected', `the pacer chose application ${pacingLease.appId}, which is not in this client's pool`);
            const token = await app.tokenProvider.getToken({ signal: options.signal, forceRefresh });
            forceRefresh = false;
            headers.authorization = `Bearer ${token.token}`;
          }
          const res = await this.transport.send({
            method: hop === 0 ? method : 'GET',
            url,
            headers,
            body: hop === 0 ? body : undefined,
            signal: options.signal,
            timeoutMs: this.timeoutMs,
          });
          this.metrics.add('holdfast.graph.requests', 1, { workload: target.workload, status: res.status });
          const requestId = headerValue(res.headers, 'request-id');
          const location = headerValue(res.headers, 'location');
          if ((options.followRedirects ?? true) && [301, 302, 303, 307, 308].includes(res.status) && location && hop < MAX_REDIRECTS) {
            res.body.resume();
            url = new URL(location, url).toString();
            continue;
          }
          const meta = { requestId, clientRequestId, status: res.status, method, url: safeUrl(url, this.origin) };
          if (res.status >= 400) {
            const raw = await readAll(res.body, MAX_ERROR_BODY).catch(() => Buffer.alloc(0));
            const error =
              classifyResponse(
              {
                status: res.status,
                headers: res.headers as Record<string, string>,
                body: raw,
                method,
                url: meta.url,
                clientRequestId,
                requiredPermission: options.requiredPermission,
                defaultRetryAfterMs: this.defaultRetryAfterMs,
              },
              this.clock.now(),
            ) ?? new GraphError('unexpected', `Graph answered ${res.status}`, { status: res.status });
            this.log(error.retryable ? 'info' : 'warn', meta, this.clock.now() - started, target, error);
            throw error;
          }
          this.log('debug', meta, this.clock.now() - started, target);
          return await onSuccess(res, meta, lease);
        }
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason ?? err;
        failure = err instanceof GraphError ? err : classifyNetworkError(err, { clientRequestId, method, url: safeUrl(url, this.origin) });
        // Pause the key before the slot is released, so no waiting request slips out first.
        if (failure instanceof GraphThrottledError) {
          pacingLease.throttled(failure.retryAfterMs);
          this.metrics.add('holdfast.graph.throttled', 1, { workload: target.workload });
        }
      } finally {
        lease.releaseUnlessHeld();
      }
      // Graph refused the token: renew it once, then treat as final.
      if (failure instanceof GraphAuthError && failure.reason === 'token_rejected' && !refreshed) {
        refreshed = true;
        forceRefresh = true;
        continue;
      }
      const retry = options.maxAttempts ? { ...this.retry, maxAttempts: options.maxAttempts } : this.retry;
      const decision = replayable ? retryDecision(failure, state, retry, this.random) : { retry: false as const };
      if (!decision.retry) {
        this.metrics.add('holdfast.graph.errors', 1, { workload: target.workload, kind: failure.kind });
        throw failure;
      }
      if (decision.throttled) state.throttles++;
      else state.transientFailures++;
      this.metrics.add('holdfast.graph.retries', 1, { workload: target.workload, kind: failure.kind });
      if (decision.delayMs > 0) {
        this.metrics.add('holdfast.graph.wait_ms', decision.delayMs, { workload: target.workload });
        await this.clock.sleep(decision.delayMs, options.signal);
      }
    }
  }

  private log(level: 'debug' | 'info' | 'warn', meta: Record<string, unknown>, ms: number, target: PacingTarget, error?: GraphError): void {
    const fields: Record<string, unknown> = {
      ...meta,
      ms,
      tenant: this.tenantId,
      workload: target.workload,
      ...(target.workload === 'exchange' ? { mailbox: target.mailbox } : {}),
      ...(error ? { errorKind: error.kind, graphCode: error.graphCode } : {}),
    };
    this.logger[level](fields, error ? error.message : 'graph call');
  }
}

/** A pacing lease that a streamed body can keep until it is finished. */
class LeaseHandle {
  private held = false;
  constructor(private readonly lease: PacingLease) {}

  holdUntil(stream: Readable): void {
    this.held = true;
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      this.lease.release();
    };
    stream.once('end', release);
    stream.once('close', release);
    stream.once('error', release);
  }

  releaseUnlessHeld(): void {
    if (!this.held) this.lease.release();
  }
}

/** Reads a body whole, up to `limit` bytes; a body shorter than its Content-Length is an error. */
export async function readAll(stream: Readable, limit: number, contentLength?: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += b.length;
    if (size > limit) {
      stream.destroy();
      break;
    }
    chunks.push(b);
  }
  const expected = contentLength !== undefined ? Number(contentLength) : NaN;
  if (!Number.isNaN(expected) && size < expected && size <= limit) {
    throw Object.assign(new Error(`body truncated: ${size} of ${expected} bytes`), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
  }
  return Buffer.concat(chunks);
}

/** Passes a body through, checking its length and turning failures into typed errors. */
function typedStream(res: TransportResponse, meta: { requestId?: string; clientRequestId: string; status: number }): Readable {
  const expected = Number(headerValue(res.headers, 'content-length') ?? NaN);
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      seen += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      if (!Number.isNaN(expected) && seen < expected) {
        cb(new GraphTransientError(`Graph content truncated: ${seen} of ${expected} bytes`, meta));
      } else cb();
    },
  });
  // Not stream.pipeline: it would hand the consumer the raw socket error instead of a typed one.
  res.body.on('error', (err) => {
    if (!counter.destroyed) counter.destroy(classifyNetworkError(err, meta));
  });
  res.body.on('aborted', () => {
    if (!counter.destroyed) counter.destroy(new GraphTransientError('Graph content cut off (connection aborted)', meta));
  });
  counter.on('close', () => {
    if (!res.body.readableEnded) res.body.destroy();
  });
  res.body.pipe(counter);
  return counter;
}

import { HoldfastError } from '@holdfast/contracts';
import { classifyResponse } from '../errors/classify';
import { GraphError, GraphThrottledError } from '../errors/graph-errors';
import { GraphClient } from '../http/graph-client';
import { backoffDelay } from '../http/retry-policy';
import { PacingLease, PacingTarget } from '../pacing/pacer';

export const BATCH_LIMIT = 20;

export interface BatchRequest {
  readonly id: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Relative to `/v1.0` (`/users/{id}/messages/{id}`). */
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly dependsOn?: readonly string[];
  /** Whose limits the sub-request counts against. Default: inferred from the URL. */
  readonly pacing?: PacingTarget;
}

export interface BatchResponse {
  readonly id: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  /** The typed failure for a status >= 400. */
  readonly error?: GraphError;
}

export interface BatchOptions {
  readonly signal?: AbortSignal;
  /** Rounds of re-sending throttled/failed sub-requests. Default 8. */
  readonly maxRounds?: number;
  /** $batch envelopes in flight at once. Default 2. */
  readonly concurrency?: number;
  /** Ask for immutable Outlook ids in every sub-request. Default: the client's setting (true). */
  readonly immutableId?: boolean;
}

const MAILBOX_PATH = /^\/users\/([^/?]+)\/(messages|mailFolders|contactFolders|contacts|events|calendar|calendars|calendarView|calendarGroups|mailboxSettings|inferenceClassification|outlook)\b/i;

/** Which limits a sub-request counts against, from its URL and method. */
export function inferPacing(method: string, url: string): PacingTarget {
  const path = url.replace(/^https?:\/\/[^/]+\/v1\.0/i, '');
  const m = MAILBOX_PATH.exec(path);
  if (m) return { workload: 'exchange', mailbox: decodeURIComponent(m[1]) };
  if (/^\/(drives|sites|shares)\b|^\/users\/[^/]+\/drive\b|^\/groups\/[^/]+\/(drive|sites)\b/i.test(path)) {
    const write = method !== 'GET';
    return { workload: 'sharepoint', kind: /permissions/i.test(path) ? 'permissions' : write ? 'write' : 'single' };
  }
  if (/^\/(teams|chats)\b|\/chats\b/i.test(path)) return { workload: 'teams', kind: /messages/i.test(path) ? 'message' : 'other' };
  return { workload: 'directory' };
}

function targetKey(t: PacingTarget): string {
  switch (t.workload) {
    case 'exchange':
      return `exchange|${t.mailbox.toLowerCase()}`;
    default:
      return t.workload;
  }
}

/**
 * Splits requests into $batch envelopes of at most 20, keeping every dependsOn chain in one
 * envelope. Throws on duplicate ids, unknown or cyclic dependencies, or a chain longer than 20.
 */
export function planBatches(requests: readonly BatchRequest[], limit = BATCH_LIMIT): BatchRequest[][] {
  const byId = new Map<string, BatchRequest>();
  for (const r of requests) {
    if (!r.id) throw new HoldfastError('validation_failed', 'every batch request needs an id');
    if (byId.has(r.id)) throw new HoldfastError('validation_failed', `duplicate batch request id ${JSON.stringify(r.id)}`);
    byId.set(r.id, r);
  }
  // Union-find over dependsOn: a chain must travel in one envelope.
  const parent = new Map<string, string>(requests.map((r) => [r.id, r.id]));
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    parent.set(x, root);
    return root;
  };
  for (const r of requests) {
    for (const dep of r.dependsOn ?? []) {
      if (!byId.has(dep)) throw new HoldfastError('validation_failed', `batch request ${r.id} depends on unknown id ${dep}`);
      parent.set(find(r.id), find(dep));
    }
  }
  assertAcyclic(requests, byId);
  const groups = new Map<string, BatchRequest[]>();
  for (const r of requests) {
    const root = find(r.id);
    const g = groups.get(root) ?? [];
    g.push(r);
    groups.set(root, g);
  }
  const envelopes: BatchRequest[][] = [];
  for (const group of groups.values()) {
    if (group.length > limit) throw new HoldfastError('validation_failed', `a dependsOn chain of ${group.length} requests does not fit in one $batch (max ${limit})`);
    const fit = envelopes.find((e) => e.length + group.length <= limit);
    if (fit) fit.push(...group);
    else envelopes.push([...group]);
  }
  return envelopes;
}

function assertAcyclic(requests: readonly BatchRequest[], byId: Map<string, BatchRequest>): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new HoldfastError('validation_failed', `batch dependsOn cycle through ${id}`);
    state.set(id, 'visiting');
    for (const dep of byId.get(id)?.dependsOn ?? []) visit(dep);
    state.set(id, 'done');
  };
  for (const r of requests) visit(r.id);
}

interface RawBatchResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * Sends any number of requests through `$batch`: envelopes of 20, each sub-request paced
 * against its own mailbox (or tenant budget), throttled sub-requests re-sent after their
 * own Retry-After (their mailbox pauses meanwhile), transient failures re-sent with backoff,
 * and 424 dependants re-sent with the request they depend on.
 */
export async function batch(client: GraphClient, requests: readonly BatchRequest[], options: BatchOptions = {}): Promise<Map<string, BatchResponse>> {
  planBatches(requests); // validate everything up front
  const results = new Map<string, BatchResponse>();
  const maxRounds = options.maxRounds ?? 8;
  let pending = [...requests];
  for (let round = 1; pending.length > 0; round++) {
    const envelopes = planBatches(pending);
    const retry: BatchRequest[] = [];
    let transientOnly = true;
    await runPool(envelopes, options.concurrency ?? 2, async (envelope) => {
      const outcome = await sendEnvelope(client, envelope, options, round >= maxRounds);
      for (const r of outcome.final) results.set(r.id, r);
      retry.push(...outcome.retry);
      if (outcome.throttled) transientOnly = false;
    });
    pending = retry;
    if (pending.length > 0 && transientOnly) await client.clock.sleep(backoffDelay(round, { baseDelayMs: 500, maxDelayMs: 30_000 }), options.signal);
  }
  return results;
}

async function runPool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}

async function sendEnvelope(
  client: GraphClient,
  envelope: readonly BatchRequest[],
  options: BatchOptions,
  lastRound: boolean,
): Promise<{ final: BatchResponse[]; retry: BatchRequest[]; throttled: boolean }> {
  // One lease per key, taken in a fixed order so two envelopes never wait on each other.
  const targets = new Map<string, { target: PacingTarget; ids: string[] }>();
  for (const r of envelope) {
    const target = r.pacing ?? inferPacing(r.method, r.url);
    const key = targetKey(target);
    const entry = targets.get(key) ?? { target, ids: [] };
    entry.ids.push(r.id);
    targets.set(key, entry);
  }
  const leases = new Map<string, PacingLease>();
  const leaseOf = new Map<string, PacingLease>();
  let appId: string | undefined;
  try {
    for (const [key, { target, ids }] of [...targets.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const lease = await client.pacer.acquire({
        tenantId: client.tenantId,
        apps: appId ? [appId] : client.appIds,
        target,
        count: ids.length,
        slots: ids.length,
        signal: options.signal,
      });
      appId = lease.appId;
      leases.set(key, lease);
      for (const id of ids) leaseOf.set(id, lease);
    }
    const immutable = options.immutableId ?? true;
    const body = {
      requests: envelope.map((r) => {
        const headers: Record<string, string> = { ...(r.headers ?? {}) };
        if (r.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
        if (immutable && !Object.keys(headers).some((h) => h.toLowerCase() === 'prefer')) headers.Prefer = 'IdType="ImmutableId"';
        return {
          id: r.id,
          method: r.method,
          url: relativeUrl(r.url),
          ...(Object.keys(headers).length ? { headers } : {}),
          ...(r.body !== undefined ? { body: r.body } : {}),
          ...(r.dependsOn?.length ? { dependsOn: r.dependsOn } : {}),
        };
      }),
    };
    // The envelope itself rides on the app already chosen and is not counted twice.
    const answer = await client.request<{ responses?: RawBatchResponse[] }>({
      method: 'POST',
      path: '/$batch',
      body,
      signal: options.signal,
      pacing: { workload: 'directory' },
      pinnedApp: appId,
    });
    const byId = new Map((answer.body?.responses ?? []).map((r) => [String(r.id), r]));
    const final: BatchResponse[] = [];
    const retry: BatchRequest[] = [];
    let throttled = false;
    const now = client.clock.now();
    // First pass: decide every non-424 answer, so 424s know whether their dependency is retried.
    const decided = new Map<string, 'final' | 'retry'>();
    for (const r of envelope) {
      const res = byId.get(r.id);
      if (!res) {
        decided.set(r.id, lastRound ? 'final' : 'retry');
        continue;
      }
      if (res.status === 424) continue;
      const error = res.status >= 400 ? subError(client, r, res, now) : undefined;
      if (error instanceof GraphThrottledError) {
        leaseOf.get(r.id)?.throttled(error.retryAfterMs);
        client.metrics.add('holdfast.graph.throttled', 1, { workload: (r.pacing ?? inferPacing(r.method, r.url)).workload, batch: 1 });
        throttled = true;
      }
      decided.set(r.id, error?.retryable && !lastRound ? 'retry' : 'final');
    }
    // 424 dependants go again when something they (transitively) depend on goes again.
    for (let changed = true; changed && !lastRound; ) {
      changed = false;
      for (const r of envelope) {
        if (decided.has(r.id) || byId.get(r.id)?.status !== 424) continue;
        if ((r.dependsOn ?? []).some((d) => decided.get(d) === 'retry')) {
          decided.set(r.id, 'retry');
          changed = true;
        }
      }
    }
    for (const r of envelope) {
      const res = byId.get(r.id);
      if (decided.get(r.id) === 'retry') {
        retry.push(r);
        continue;
      }
      if (!res) {
        final.push({ id: r.id, status: 0, headers: {}, body: undefined, error: new GraphError('transient', `$batch returned no answer for ${r.id}`, { retryable: true }) });
        continue;
      }
      final.push({ id: r.id, status: res.status, headers: res.headers ?? {}, body: res.body, error: res.status >= 400 ? subError(client, r, res, now) : undefined });
    }
    if (retry.length > 0) client.metrics.add('holdfast.graph.retries', retry.length, { batch: 1 });
    // A dependant is only re-sent together with what it depends on (ids stay resolvable).
    const retryIds = new Set(retry.map((r) => r.id));
    const cleanRetry = retry.map((r) => (r.dependsOn ? { ...r, dependsOn: r.dependsOn.filter((d) => retryIds.has(d)) } : r));
    return { final, retry: cleanRetry, throttled };
  } finally {
    for (const lease of leases.values()) lease.release();
  }
}

function subError(client: GraphClient, r: BatchRequest, res: RawBatchResponse, now: number): GraphError | undefined {
  return classifyResponse({ status: res.status, headers: res.headers, body: res.body, method: r.method, url: r.url, defaultRetryAfterMs: client.defaultRetryAfterMs }, now);
}

function relativeUrl(url: string): string {
  const stripped = url.replace(/^https?:\/\/[^/]+\/v1\.0/i, '');
  return stripped.startsWith('/') ? stripped : `/${stripped}`;
}

/**
 * JSON $batch: at most 20 requests, unique ids, dependsOn (dependants of a failed request get
 * 424), at most 4 sub-requests run at a time, each counts against the limits and may come back
 * as 429 with its own Retry-After.
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { GraphHttpError, graphErrorBody } from './graph-error';
import { SimResponse, parseJsonBody } from './http';
import type { CallerApp, HttpMethod } from './sim-types';
import type { Sim } from './sim-server';
import type { TenantState } from './world';

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

const MAX = 20;
const PARALLEL = 4;

export async function runBatch(
  sim: Sim,
  c: { requestId: string; clientRequestId?: string; headers: IncomingMessage['headers']; baseUrl: string; body: () => Promise<Buffer> },
  auth: { tenant: TenantState; app: CallerApp },
  out: SimResponse,
): Promise<void> {
  const payload = parseJsonBody<{ requests?: BatchItem[] }>(await c.body());
  const reqs = payload.requests;
  if (!Array.isArray(reqs) || reqs.length === 0) throw new GraphHttpError(400, 'BadRequest', 'Invalid batch payload format.');
  if (reqs.length > MAX) throw new GraphHttpError(400, 'BadRequest', `Number of batch requests exceeds the maximum of ${MAX}.`);
  const ids = new Set<string>();
  for (const r of reqs) {
    if (typeof r.id !== 'string' || !r.id) throw new GraphHttpError(400, 'BadRequest', 'Batch request id is missing.');
    if (ids.has(r.id)) throw new GraphHttpError(400, 'BadRequest', `Batch request ids must be unique. Duplicate id '${r.id}'.`);
    ids.add(r.id);
    if (typeof r.method !== 'string' || typeof r.url !== 'string') throw new GraphHttpError(400, 'BadRequest', `Batch request '${r.id}' needs method and url.`);
  }
  for (const r of reqs) for (const d of r.dependsOn ?? []) if (!ids.has(d)) throw new GraphHttpError(400, 'BadRequest', `Batch request '${r.id}' depends on unknown id '${d}'.`);

  const results = new Map<string, { id: string; status: number; headers: Record<string, string>; body?: unknown }>();
  const done = new Map<string, Promise<number>>();
  let running = 0;
  const waiters: (() => void)[] = [];
  const slot = async () => {
    while (running >= PARALLEL) await new Promise<void>((r) => waiters.push(r));
    running++;
  };
  const free = () => {
    running--;
    waiters.shift()?.();
  };

  const runOne = async (r: BatchItem): Promise<number> => {
    const depStatuses = await Promise.all((r.dependsOn ?? []).map((d) => done.get(d)!));
    if (depStatuses.some((s) => s >= 400)) {
      const body = graphErrorBody('FailedDependency', 'Dependent request failed.', c.requestId, c.clientRequestId);
      results.set(r.id, { id: r.id, status: 424, headers: { 'Content-Type': 'application/json' }, body });
      return 424;
    }
    await slot();
    try {
      const sub = new SimResponse(c.requestId, c.clientRequestId);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
      let bodyBuf = Buffer.alloc(0);
      if (r.body !== undefined) {
        if (!headers['content-type']) {
          sim.answerError(sub, new GraphHttpError(400, 'BadRequest', 'Content-Type header must be specified for a request with a body.'));
          return finish(r.id, sub);
        }
        bodyBuf = typeof r.body === 'string' ? (headers['content-type'].includes('json') ? Buffer.from(r.body) : Buffer.from(r.body, 'base64')) : Buffer.from(JSON.stringify(r.body));
      }
      const url = r.url.replace(/^https?:\/\/[^/]+/i, '').replace(/^\/?(v1\.0|beta)(?=\/)/i, '');
      const q = url.indexOf('?');
      const rawPath = (q < 0 ? url : url.slice(0, q)).replace(/^(?!\/)/, '/');
      const search = q < 0 ? '' : url.slice(q + 1);
      await sim.dispatchGraph(
        {
          requestId: c.requestId,
          clientRequestId: c.clientRequestId,
          method: r.method.toUpperCase() as HttpMethod,
          rawPath,
          search,
          headers: { ...headers, host: c.headers.host, authorization: c.headers.authorization },
          baseUrl: c.baseUrl,
          body: async () => bodyBuf,
          stream: () => Readable.from([bodyBuf]),
          inBatch: true,
        },
        auth,
        sub,
      );
      return finish(r.id, sub);
    } finally {
      free();
    }
  };

  const finish = async (id: string, sub: SimResponse): Promise<number> => {
    const buf = await sub.bodyBuffer();
    let body: unknown;
    const ct = sub.headers['Content-Type'] ?? '';
    if (buf && buf.length) body = ct.includes('json') ? JSON.parse(buf.toString('utf8')) : buf.toString('base64');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(sub.headers)) if (!['request-id', 'client-request-id', 'x-ms-ags-diagnostic', 'Content-Length'].includes(k)) headers[k] = v;
    results.set(id, { id, status: sub.status, headers, ...(body !== undefined ? { body } : {}) });
    return sub.status;
  };

  // Schedule in an order where dependencies come first (the payload order may not be).
  const byId = new Map(reqs.map((r) => [r.id, r]));
  const start = (r: BatchItem, stack: string[] = []): Promise<number> => {
    let p = done.get(r.id);
    if (p) return p;
    if (stack.includes(r.id)) throw new GraphHttpError(400, 'BadRequest', 'Batch dependsOn has a cycle.');
    for (const d of r.dependsOn ?? []) start(byId.get(d)!, [...stack, r.id]);
    p = runOne(r);
    done.set(r.id, p);
    return p;
  };
  for (const r of reqs) start(r);
  await Promise.all(done.values());
  out.json({ responses: reqs.map((r) => results.get(r.id)) });
}

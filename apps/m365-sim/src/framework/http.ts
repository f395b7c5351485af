/** Request/response plumbing shared by Graph, $batch, content and control routes. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { GraphHttpError } from './graph-error';
import type { GraphResponse, HttpMethod } from './sim-types';

export const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** Collects an answer; the server (or $batch) decides how to deliver it. */
export class SimResponse implements GraphResponse {
  status = 200;
  headers: Record<string, string> = {};
  body: Buffer | Readable | AsyncIterable<Buffer> | undefined;
  sent = false;

  constructor(
    readonly requestId: string,
    readonly clientRequestId?: string,
  ) {}

  header(name: string, value: string | number): this {
    this.headers[name] = String(value);
    return this;
  }

  private done(status: number): void {
    if (this.sent) throw new Error('response already sent');
    this.sent = true;
    this.status = status;
  }

  json(body: unknown, status = 200): void {
    this.done(status);
    this.headers['Content-Type'] = GRAPH_JSON;
    this.body = Buffer.from(JSON.stringify(body));
  }

  send(body: Buffer | string, contentType: string, status = 200): void {
    this.done(status);
    this.headers['Content-Type'] = contentType;
    this.body = typeof body === 'string' ? Buffer.from(body) : body;
  }

  stream(body: Readable | AsyncIterable<Buffer>, opts: { contentType: string; length?: number; status?: number }): void {
    this.done(opts.status ?? 200);
    this.headers['Content-Type'] = opts.contentType;
    if (opts.length !== undefined) this.headers['Content-Length'] = String(opts.length);
    this.body = body;
  }

  empty(status = 204): void {
    this.done(status);
    this.body = undefined;
  }

  redirect(location: string, status = 302): void {
    this.done(status);
    this.headers.Location = location;
    this.body = undefined;
  }

  /** The body as a Buffer (for $batch). */
  async bodyBuffer(): Promise<Buffer | undefined> {
    if (!this.body || Buffer.isBuffer(this.body)) return this.body as Buffer | undefined;
    const chunks: Buffer[] = [];
    for await (const c of this.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
    return Buffer.concat(chunks);
  }

  /** Writes to the socket. `truncate` cuts the body halfway and destroys the connection. */
  async deliver(res: ServerResponse, truncate = false): Promise<void> {
    if (!Buffer.isBuffer(this.body) && this.body && truncate) {
      const b = await this.bodyBuffer();
      this.body = b;
    }
    const headers = { ...this.headers };
    if (Buffer.isBuffer(this.body)) headers['Content-Length'] = String(this.body.length);
    else if (!this.body) headers['Content-Length'] = '0';
    res.writeHead(this.status, headers);
    if (!this.body) {
      res.end();
      return;
    }
    if (Buffer.isBuffer(this.body)) {
      if (truncate && this.body.length > 1) {
        res.write(this.body.subarray(0, Math.floor(this.body.length / 2)));
        res.socket?.destroy();
        return;
      }
      res.end(this.body);
      return;
    }
    const src = this.body instanceof Readable ? this.body : Readable.from(this.body);
    await new Promise<void>((resolve) => {
      src.on('error', () => {
        res.destroy();
        resolve();
      });
      res.on('close', () => {
        src.destroy();
        resolve();
      });
      src.pipe(res);
    });
  }
}

/** Reads a body once, with a cap. */
export function bodyReader(req: IncomingMessage, maxBytes = 300 * 1024 * 1024): { body(): Promise<Buffer>; stream(): Readable } {
  let cached: Promise<Buffer> | undefined;
  let streamed = false;
  return {
    body() {
      if (streamed) throw new Error('body already streamed');
      cached ??= new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let n = 0;
        req.on('data', (c: Buffer) => {
          n += c.length;
          if (n > maxBytes) {
            reject(new GraphHttpError(413, 'RequestEntityTooLarge', 'The request body is too large.'));
            req.destroy();
            return;
          }
          chunks.push(c);
        });
        req.on('end', () => resolve(Buffer.concat(chunks)));
        req.on('error', reject);
      });
      return cached;
    },
    stream() {
      if (cached) throw new Error('body already read');
      streamed = true;
      return req;
    },
  };
}

export function parseJsonBody<T>(buf: Buffer): T {
  if (buf.length === 0) throw new GraphHttpError(400, 'BadRequest', 'Empty Payload. JSON content expected.');
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch {
    throw new GraphHttpError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
}

/** Compiled route pattern. */
export interface CompiledPattern {
  re: RegExp;
  names: string[];
}

export function compilePattern(path: string | RegExp): CompiledPattern {
  if (path instanceof RegExp) return { re: path, names: [] };
  const names: string[] = [];
  const parts = path
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':')) {
        names.push(seg.slice(1));
        return '([^/]+)';
      }
      if (seg.startsWith('*')) {
        names.push(seg.slice(1));
        return '(.+)';
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    });
  return { re: new RegExp(`^/${parts.join('/')}/?$`, 'i'), names };
}

export function matchPattern(p: CompiledPattern, path: string): Record<string, string> | undefined {
  const m = p.re.exec(path);
  if (!m) return undefined;
  if (m.groups) return { ...m.groups };
  const out: Record<string, string> = {};
  p.names.forEach((n, k) => {
    out[n] = m[k + 1];
  });
  return out;
}

/** `/users('a@b')/x` -> `/users/a@b/x`; decodes each segment. Keeps ':' path syntax intact. */
export function normalisePath(raw: string): string {
  let p = raw.replace(/\/(\w+)\('([^']*)'\)/g, (_m, a: string, b: string) => `/${a}/${b}`);
  p = p.replace(/\/{2,}/g, '/');
  try {
    p = p
      .split('/')
      .map((s) => decodeURIComponent(s))
      .join('/');
  } catch {
    /* keep raw */
  }
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

export function parseQuery(search: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(search)) out[k.startsWith('$') ? k.toLowerCase() : k] = v;
  return out;
}

export function parsePrefer(header: string | string[] | undefined): { maxPageSize?: number; immutableId: boolean; values: string[] } {
  const values = (Array.isArray(header) ? header.join(',') : header ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  let maxPageSize: number | undefined;
  let immutableId = false;
  for (const v of values) {
    const m = /^odata\.maxpagesize\s*=\s*(\d+)$/i.exec(v);
    if (m) maxPageSize = Number(m[1]);
    if (/^IdType\s*=\s*"?ImmutableId"?$/i.test(v)) immutableId = true;
  }
  return { maxPageSize, immutableId, values };
}

export const METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'];

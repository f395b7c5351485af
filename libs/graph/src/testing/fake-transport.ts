import { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { HttpTransport, TransportRequest, TransportResponse } from '../http/transport';

export interface FakeAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  /** An object is sent as JSON; a Readable is streamed. */
  readonly body?: unknown;
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

/**
 * An in-memory HttpTransport for unit tests of code built on GraphClient: a handler answers
 * each request, and every request is recorded (bodies read whole).
 */
export class FakeGraphTransport implements HttpTransport {
  readonly requests: RecordedRequest[] = [];

  constructor(private readonly handler: (req: RecordedRequest, index: number) => FakeAnswer | Promise<FakeAnswer>) {}

  async send(req: TransportRequest): Promise<TransportResponse> {
    let body: Buffer | undefined;
    if (req.body instanceof Readable) {
      const parts: Buffer[] = [];
      for await (const c of req.body) parts.push(Buffer.from(c));
      body = Buffer.concat(parts);
    } else if (req.body !== undefined) {
      body = Buffer.from(req.body);
    }
    const recorded: RecordedRequest = { method: req.method, url: req.url, headers: { ...req.headers }, body };
    this.requests.push(recorded);
    const answer = await this.handler(recorded, this.requests.length - 1);
    const headers: IncomingHttpHeaders = {};
    for (const [k, v] of Object.entries(answer.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
    let stream: Readable;
    if (answer.body instanceof Readable) stream = answer.body;
    else if (answer.body === undefined) stream = Readable.from([]);
    else {
      const buf = Buffer.isBuffer(answer.body) ? answer.body : Buffer.from(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
      if (!headers['content-type']) headers['content-type'] = typeof answer.body === 'object' && !Buffer.isBuffer(answer.body) ? 'application/json' : 'application/octet-stream';
      if (!headers['content-length']) headers['content-length'] = String(buf.length);
      stream = Readable.from([buf]);
    }
    return { status: answer.status, headers, body: stream };
  }

  /** Requests whose URL contains `fragment`. */
  matching(fragment: string): RecordedRequest[] {
    return this.requests.filter((r) => r.url.includes(fragment));
  }
}

import { Agent as HttpAgent, IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { httpsAgentWithCa } from '../auth/credential.factory';

export interface TransportRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer | string | Readable;
  readonly signal?: AbortSignal;
  /** Socket idle timeout (no byte in either direction for this long fails the call). */
  readonly timeoutMs?: number;
}

export interface TransportResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body, unread: callers stream it or read it, and must consume or destroy it. */
  readonly body: Readable;
}

/** Sends one HTTP request; no retries, no redirects, no auth: the GraphClient decides those. */
export interface HttpTransport {
  send(request: TransportRequest): Promise<TransportResponse>;
}

export interface NodeTransportOptions {
  /** Extra CA certificate (PEM) to trust besides the public roots. */
  readonly ca?: string | Buffer;
  readonly maxSockets?: number;
}

/**
 * Why node:http(s) rather than fetch or the official client's middleware chain: the body
 * arrives as a Node Readable with backpressure, which pipes straight into the repository
 * writer without buffering a 150 MB attachment or a 250 GB file; an extra CA can be trusted
 * per connection without touching the process-wide NODE_EXTRA_CA_CERTS; and nothing
 * retries, redirects or drops the Authorization header behind the pacer's back (the
 * official client's RetryHandler would resend throttled calls itself, and its customHosts
 * rule silently strips the token on non-Microsoft hosts).
 */
export class NodeHttpTransport implements HttpTransport {
  private readonly httpsAgent: HttpsAgent;
  private readonly httpAgent: HttpAgent;

  constructor(options: NodeTransportOptions = {}) {
    this.httpsAgent = httpsAgentWithCa(options.ca, { keepAlive: true, maxSockets: options.maxSockets ?? 256 });
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets ?? 256 });
  }

  send(req: TransportRequest): Promise<TransportResponse> {
    const url = new URL(req.url);
    const isHttps = url.protocol === 'https:';
    const send = isHttps ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { ...req.headers };
    if (typeof req.body === 'string' || Buffer.isBuffer(req.body)) headers['content-length'] = String(Buffer.byteLength(req.body));
    return new Promise<TransportResponse>((resolve, reject) => {
      const r = send(
        url,
        { method: req.method, headers, agent: isHttps ? this.httpsAgent : this.httpAgent, signal: req.signal },
        (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res }),
      );
      if (req.timeoutMs) {
        r.setTimeout(req.timeoutMs, () => {
          const err = Object.assign(new Error(`no data for ${req.timeoutMs} ms (timed out)`), { code: 'ETIMEDOUT' });
          r.destroy(err);
        });
      }
      r.on('error', reject);
      if (req.body instanceof Readable) {
        req.body.on('error', (err) => r.destroy(err));
        req.body.pipe(r);
      } else {
        r.end(req.body);
      }
    });
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }
}

/**
 * The content host: pre-authenticated URLs (upload sessions, download URLs) on a DIFFERENT host
 * than Graph (https://127.0.0.2:PORT by default), carrying an unguessable signed token.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export class ContentApi {
  /** e.g. https://127.0.0.2:8443 (set by the server once it listens). */
  baseUrl = '';

  constructor(private readonly key: Buffer) {}

  /** Absolute URL on the content host: content.url('exchange/upload/' + token). */
  url(pathAfterContent: string): string {
    return `${this.baseUrl}/_content/${pathAfterContent.replace(/^\//, '')}`;
  }

  /**
   * Signs a payload into an unguessable URL-safe token that expires after ttlSeconds
   * (random nonce + HMAC; survives restarts because the key lives in the state dir).
   */
  sign(payload: Record<string, unknown>, ttlSeconds = 3600): string {
    const body = Buffer.from(
      JSON.stringify({ ...payload, x: Math.floor(Date.now() / 1000) + ttlSeconds, n: randomBytes(9).toString('base64url') }),
    ).toString('base64url');
    const mac = createHmac('sha256', this.key).update(body).digest('base64url');
    return `${body}.${mac}`;
  }

  /** The payload, or undefined when forged, altered or expired. */
  verify<T = Record<string, unknown>>(token: string): T | undefined {
    const [body, mac] = token.split('.');
    if (!body || !mac) return undefined;
    const want = createHmac('sha256', this.key).update(body).digest();
    let got: Buffer;
    try {
      got = Buffer.from(mac, 'base64url');
    } catch {
      return undefined;
    }
    if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
    const p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T & { x: number };
    if (p.x < Date.now() / 1000) return undefined;
    return p;
  }
}

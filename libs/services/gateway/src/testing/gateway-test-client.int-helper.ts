import { bootServices, type RunningServices } from '@holdfast/service-kit';
import type { TestDatabase } from '@holdfast/testing';
import { gatewayService } from '../gateway-service.module';

export const TEST_ADMIN = { email: 'admin@msp.test', password: 'correct horse battery staple' } as const;

/** Boots the gateway alone on a test database with a known first administrator. */
export async function bootGateway(db: TestDatabase, extra: Record<string, string> = {}): Promise<RunningServices> {
  return bootServices({
    services: [gatewayService],
    env: {
      DATABASE_URL: db.url,
      HOST: '127.0.0.1',
      PORT: '0',
      HOLDFAST_LOG_LEVEL: 'silent',
      HOLDFAST_BUS: 'in-process',
      HOLDFAST_ADMIN_TOKEN: 'hf_test_admin_token_0123456789abcdef',
      HOLDFAST_ADMIN_EMAIL: TEST_ADMIN.email,
      HOLDFAST_ADMIN_PASSWORD: TEST_ADMIN.password,
      ...extra,
    },
  });
}

export interface Answer<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
  readonly text: string;
}

/** A portal-like client: keeps the session cookie and sends the CSRF token on writes. */
export class TestClient {
  cookie: string | undefined;
  csrf: string | undefined;
  bearer: string | undefined;

  constructor(readonly baseUrl: string, readonly userAgent = 'holdfast-test') {}

  static withToken(baseUrl: string, token: string): TestClient {
    const c = new TestClient(baseUrl);
    c.bearer = token;
    return c;
  }

  async call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
    const h: Record<string, string> = { 'user-agent': this.userAgent, ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    if (this.cookie) h.cookie = this.cookie;
    if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
    if (this.csrf && !('x-csrf-token' in headers) && !['GET', 'HEAD'].includes(method)) h['x-csrf-token'] = this.csrf;
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const m = /(?:__Host-)?holdfast_session=([^;]*)/.exec(setCookie);
      if (m) this.cookie = m[1] ? `holdfast_session=${m[1]}` : undefined;
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (CSV, HTML)
    }
    return { status: res.status, body: parsed as T, headers: res.headers, text };
  }

  async login(email: string, password: string, extra: Record<string, string> = {}): Promise<Answer> {
    const r = await this.call('POST', '/api/v1/auth/login', { email, password, ...extra });
    if (r.status === 200) this.csrf = r.body.csrfToken;
    return r;
  }
}

import { HoldfastError, type ErrorBody, type ErrorCode } from '@holdfast/contracts';

export interface ApiClientOptions {
  readonly url: string;
  readonly token: string;
  /** The MSP customer tenant to act for (X-Holdfast-Tenant); the gateway checks the caller may. */
  readonly tenant?: string;
}

/**
 * Where the CLI finds the server: HOLDFAST_URL and HOLDFAST_TOKEN, with a clear error when
 * missing; HOLDFAST_TENANT optionally names the customer tenant to act for (needed by a
 * technician assigned to several tenants; MSP-wide users act for `default` without it).
 */
export function apiClientFromEnv(env: NodeJS.ProcessEnv = process.env): ApiClient {
  const missing = ['HOLDFAST_URL', 'HOLDFAST_TOKEN'].filter((k) => !env[k]);
  if (missing.length) {
    throw new HoldfastError(
      'validation_failed',
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: start a server with ` +
        `"npx holdfast up" and export the HOLDFAST_URL and HOLDFAST_TOKEN it prints`,
    );
  }
  let url: URL;
  try {
    url = new URL(env.HOLDFAST_URL!);
  } catch {
    throw new HoldfastError('validation_failed', `HOLDFAST_URL: not a URL: "${env.HOLDFAST_URL}"`);
  }
  const tenant = env.HOLDFAST_TENANT?.trim();
  if (tenant !== undefined && tenant !== '' && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(tenant)) {
    throw new HoldfastError('validation_failed', `HOLDFAST_TENANT: not a tenant id: "${tenant}"`);
  }
  return new ApiClient({ url: url.toString().replace(/\/$/, ''), token: env.HOLDFAST_TOKEN!, ...(tenant ? { tenant } : {}) });
}

/** Calls the gateway's REST API; an error answer becomes a HoldfastError carrying the server's message. */
export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  put<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('PUT', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.call<T>('DELETE', path);
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const target = `${this.options.url}${path.startsWith('/') ? path : `/${path}`}`;
    let res: Response;
    try {
      res = await fetch(target, {
        method,
        headers: {
          authorization: `Bearer ${this.options.token}`,
          accept: 'application/json',
          ...(this.options.tenant ? { 'x-holdfast-tenant': this.options.tenant } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new HoldfastError(
        'unavailable',
        `cannot reach Holdfast at ${this.options.url} (${cause?.code ?? cause?.message ?? (e as Error).message}); is it running?`,
      );
    }
    const text = await res.text();
    const parsed = parseJson(text);
    if (!res.ok) {
      const error = (parsed as { error?: ErrorBody } | undefined)?.error;
      if (error?.message) throw new HoldfastError(error.code ?? codeOf(res.status), error.message, error.details);
      throw new HoldfastError(codeOf(res.status), `${method} ${path} failed: HTTP ${res.status} ${res.statusText}`);
    }
    return parsed as T;
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function codeOf(status: number): ErrorCode {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'throttled';
  if (status === 503) return 'unavailable';
  if (status >= 400 && status < 500) return 'validation_failed';
  return 'internal';
}

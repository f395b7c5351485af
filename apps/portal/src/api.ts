// The portal's only way to the gateway: same-origin fetch with the session cookie, the CSRF
// token on writes, and problem+json errors turned into messages people can read.

export type Role = 'msp_admin' | 'msp_technician' | 'customer_admin' | 'customer_operator' | 'auditor';

export interface Me {
  user: { id: string; email: string; displayName: string; role: Role; tenantId: string | null; totpEnabled: boolean } | null;
  actor: string;
  role: Role;
  permissions: string[];
  csrfToken?: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    throw new ApiError(res.status, parsed?.code ?? 'internal', parsed?.detail ?? `Request failed (${res.status})`, parsed?.details);
  }
  return parsed as T;
}

export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

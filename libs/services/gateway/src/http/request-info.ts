import type { Request } from 'express';
import type { Principal } from '../rbac/roles';

/** What the access guard and handlers attach to a request (a separate field from ApiTokenGuard's). */
export interface AccessRequest extends Request {
  holdfastPrincipal?: Principal;
  /** Set by a handler so the audit entry names what was changed. */
  auditTarget?: string;
  auditTenantId?: string;
  auditDetails?: Record<string, unknown>;
  /** Set by sign-in so the entry names the account even when it failed. */
  auditActorName?: string;
}

export function clientIp(req: Request): string | undefined {
  return req.ip ?? req.socket?.remoteAddress;
}

export function userAgentOf(req: Request): string | undefined {
  return req.header('user-agent') ?? undefined;
}

/** Only secure transports get the Secure cookie flag (plain http on localhost would drop it). */
export function isHttps(req: Request): boolean {
  return req.secure || req.protocol === 'https';
}

/** A cookie's value from the raw header (no cookie-parser needed for one cookie). */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.header('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

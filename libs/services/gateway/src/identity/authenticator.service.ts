import { Inject, Injectable } from '@nestjs/common';
import { HoldfastError } from '@holdfast/contracts';
import { PG_POOL } from '@holdfast/service-kit';
import type { Pool } from 'pg';
import { hashApiToken } from '../api-tokens/api-token';
import { readCookie } from '../http/request-info';
import type { AccessRequest } from '../http/request-info';
import { isRole, type Principal, type Role, type TenantScope } from '../rbac/roles';
import { csrfTokenOf, sha256Hex } from './secrets';
import { SessionRepository } from './session.repository';
import { UserRepository, type UserRecord } from './user.repository';

/** Cookie names: the `__Host-` prefix (https only) pins the cookie to this host and path /. */
export const SESSION_COOKIE = 'holdfast_session';
export const SECURE_SESSION_COOKIE = '__Host-holdfast_session';

export function sessionIdOf(req: AccessRequest): string | undefined {
  return readCookie(req, SECURE_SESSION_COOKIE) ?? readCookie(req, SESSION_COOKIE);
}

/** Tenants a role reaches, from the user's home tenant and technician assignments. */
export function scopeOf(role: Role, tenantId: string | null, assigned: readonly string[]): TenantScope {
  if (role === 'msp_admin') return { kind: 'all' };
  if (role === 'auditor') return tenantId ? { kind: 'some', tenantIds: [tenantId] } : { kind: 'all' };
  if (role === 'msp_technician') return { kind: 'some', tenantIds: assigned };
  return { kind: 'some', tenantIds: tenantId ? [tenantId] : [] };
}

export function principalOfUser(user: UserRecord, kind: Principal['kind'], extra: { tokenId?: string; csrfToken?: string } = {}): Principal {
  return {
    kind,
    userId: user.id,
    tokenId: extra.tokenId ?? null,
    displayName: user.email,
    role: user.role,
    tenantId: user.tenantId,
    scope: scopeOf(user.role, user.tenantId, user.assignedTenantIds),
    ...(extra.csrfToken ? { csrfToken: extra.csrfToken } : {}),
  };
}

/** Finds who calls: a bearer API token, else the session cookie. */
@Injectable()
export class Authenticator {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly users: UserRepository,
    private readonly sessions: SessionRepository,
  ) {}

  async authenticate(req: AccessRequest): Promise<Principal> {
    const header = req.header('authorization');
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw new HoldfastError('unauthenticated', 'Malformed Authorization header: expected "Bearer <token>"');
      return this.fromToken(match[1]);
    }
    const sid = sessionIdOf(req);
    if (sid) return this.fromSession(sid);
    throw new HoldfastError('unauthenticated', 'Missing API token or session: sign in, or send "Authorization: Bearer <token>"');
  }

  private async fromToken(token: string): Promise<Principal> {
    const r = await this.pool.query<{ id: string; name: string; role: string; tenant_id: string | null; user_id: string | null }>(
      'SELECT id, name, role, tenant_id, user_id FROM gateway.api_tokens WHERE token_hash = $1 AND revoked_at IS NULL',
      [hashApiToken(token)],
    );
    const row = r.rows[0];
    if (!row || !isRole(row.role)) throw new HoldfastError('unauthenticated', 'Invalid or revoked API token');
    if (row.user_id) {
      // a user's token acts with the user's current role and tenants, and dies with the account
      const user = await this.users.findById(row.user_id);
      if (!user || user.disabled) throw new HoldfastError('unauthenticated', 'Invalid or revoked API token');
      return { ...principalOfUser(user, 'api_token', { tokenId: row.id }), displayName: `${user.email} (token ${row.name})` };
    }
    return {
      kind: 'api_token',
      userId: null,
      tokenId: row.id,
      displayName: `token ${row.name}`,
      role: row.role,
      tenantId: row.tenant_id,
      scope: scopeOf(row.role, row.tenant_id, []),
    };
  }

  private async fromSession(sessionId: string): Promise<Principal> {
    const userId = await this.sessions.touch(sha256Hex(sessionId));
    const user = userId ? await this.users.findById(userId) : undefined;
    if (!user || user.disabled) throw new HoldfastError('unauthenticated', 'Session expired or signed out: sign in again');
    return principalOfUser(user, 'session', { csrfToken: csrfTokenOf(sessionId) });
  }
}

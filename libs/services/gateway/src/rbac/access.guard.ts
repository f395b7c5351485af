import { timingSafeEqual } from 'node:crypto';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { HoldfastError } from '@holdfast/contracts';
import { setRequestTenant } from '@holdfast/service-kit';
import { AuditLogRepository } from '../audit/audit-log.repository';
import { Authenticator } from '../identity/authenticator.service';
import { clientIp, userAgentOf, type AccessRequest } from '../http/request-info';
import { AUTHENTICATED_KEY, PERMISSION_KEY, PUBLIC_KEY, type RouteAccess } from './permissions.decorator';
import { roleAllows, scopeAllows, type Permission } from './roles';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a handler declares (method metadata overrides its controller's). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Nest's Reflector takes handlers and classes as Function
export function routeAccess(reflector: Reflector, targets: [Function, Function]): RouteAccess {
  if (reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return { kind: 'public' };
  const permission = reflector.getAllAndOverride<Permission | undefined>(PERMISSION_KEY, targets);
  if (permission) return { kind: 'permission', permission };
  if (reflector.getAllAndOverride<boolean>(AUTHENTICATED_KEY, targets)) return { kind: 'authenticated' };
  return { kind: 'undeclared' };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Guards every /api route (deny by default): the route must declare its access; the caller
 * must be authenticated, hold the permission, reach the :tenantId of the path, and, when
 * signed in with a cookie, echo the session's CSRF token on writes.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly audit: AuditLogRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<AccessRequest>();
    // /health, /ready and /metrics of service-kit and other services are not the gateway's API
    if (!req.path.startsWith('/api/')) return true;
    try {
      return await this.check(context, req);
    } catch (e) {
      // a refused attempt to change something is worth an audit entry (reads are not logged)
      if (!SAFE_METHODS.has(req.method) && e instanceof HoldfastError) await this.auditRefusal(req, e);
      throw e;
    }
  }

  private async auditRefusal(req: AccessRequest, e: HoldfastError): Promise<void> {
    const p = req.holdfastPrincipal;
    await this.audit
      .append({
        actorKind: p ? (p.kind === 'session' ? 'user' : 'api_token') : 'anonymous',
        actorId: p ? (p.userId ?? p.tokenId) : null,
        actorName: p?.displayName ?? 'anonymous',
        actorRole: p?.role ?? null,
        action: 'access.denied',
        tenantId: typeof req.params?.tenantId === 'string' ? req.params.tenantId : null,
        target: `${req.method} ${req.route?.path ?? req.path}`.slice(0, 300),
        outcome: 'denied',
        status: e.code === 'unauthenticated' ? 401 : e.code === 'not_found' ? 404 : 403,
        ip: clientIp(req) ?? null,
        userAgent: userAgentOf(req) ?? null,
        details: { reason: e.code },
      })
      .catch(() => undefined);
  }

  private async check(context: ExecutionContext, req: AccessRequest): Promise<boolean> {
    const access = routeAccess(this.reflector, [context.getHandler(), context.getClass()]);
    if (access.kind === 'undeclared') {
      throw new HoldfastError('forbidden', 'This route declares no permission, so nobody may call it');
    }
    if (access.kind === 'public') return true;

    const principal = await this.authenticator.authenticate(req);
    req.holdfastPrincipal = principal;
    if (principal.kind === 'session' && !SAFE_METHODS.has(req.method)) {
      const sent = req.header('x-csrf-token');
      if (!sent || !principal.csrfToken || !sameSecret(sent, principal.csrfToken)) {
        throw new HoldfastError('forbidden', 'Missing or wrong X-CSRF-Token header (take it from GET /api/v1/auth/me)');
      }
    }
    if (access.kind === 'permission' && !roleAllows(principal.role, access.permission)) {
      throw new HoldfastError('forbidden', `Your role (${principal.role}) does not allow ${access.permission}`);
    }
    const raw = req.params?.tenantId;
    const tenantId = Array.isArray(raw) ? raw.join('/') : raw;
    if (tenantId !== undefined) {
      // out of scope looks like absent, so nobody learns which tenants exist
      if (!scopeAllows(principal.scope, tenantId)) throw new HoldfastError('not_found', `Tenant ${tenantId} not found`);
      setRequestTenant(tenantId);
    }
    return true;
  }
}

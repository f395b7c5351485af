import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { HoldfastError } from '@holdfast/contracts';
import { getLogger, httpStatusOf } from '@holdfast/service-kit';
import type { Response } from 'express';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { clientIp, userAgentOf, type AccessRequest } from '../http/request-info';
import { PERMISSION_KEY } from '../rbac/permissions.decorator';
import { AUDIT_ACTION_KEY } from './audit-action.decorator';
import { AuditLogRepository, type AuditRecord } from './audit-log.repository';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Appends an audit entry for every /api write (and every read marked @AuditAction, such as
 * exports), succeeded or failed, before the answer leaves: a change nobody can see in the
 * log is not answered as done.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly log = getLogger(AuditInterceptor.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditLogRepository,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<AccessRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const marked = this.reflector.getAllAndOverride<string | undefined>(AUDIT_ACTION_KEY, targets);
    if (!req.path.startsWith('/api/') || (SAFE_METHODS.has(req.method) && !marked)) return next.handle();
    const action =
      marked ?? this.reflector.getAllAndOverride<string | undefined>(PERMISSION_KEY, targets) ?? `${req.method.toLowerCase()} ${req.route?.path ?? req.path}`;

    return from(
      (async () => {
        try {
          const result = await lastValueFrom(next.handle(), { defaultValue: undefined });
          const res = context.switchToHttp().getResponse<Response>();
          await this.audit.append(this.entry(req, action, 'succeeded', res.statusCode));
          return result;
        } catch (e) {
          const status = e instanceof HoldfastError ? httpStatusOf(e.code) : 500;
          const outcome = status === 401 || status === 403 ? 'denied' : 'failed';
          await this.audit.append(this.entry(req, action, outcome, status)).catch((err) => this.log.error({ err }, 'audit entry of a failed request not written'));
          throw e;
        }
      })(),
    );
  }

  private entry(req: AccessRequest, action: string, outcome: AuditRecord['outcome'], status: number): AuditRecord {
    const p = req.holdfastPrincipal;
    return {
      actorKind: p ? (p.kind === 'session' ? 'user' : 'api_token') : 'anonymous',
      actorId: p ? (p.userId ?? p.tokenId) : null,
      actorName: p?.displayName ?? req.auditActorName ?? 'anonymous',
      actorRole: p?.role ?? null,
      action,
      tenantId: (typeof req.params?.tenantId === 'string' ? req.params.tenantId : undefined) ?? req.auditTenantId ?? null,
      target: req.auditTarget ?? null,
      outcome,
      status,
      ip: clientIp(req) ?? null,
      userAgent: userAgentOf(req) ?? null,
      details: req.auditDetails,
    };
  }
}

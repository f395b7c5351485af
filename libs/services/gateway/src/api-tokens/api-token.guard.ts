import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HoldfastError } from '@holdfast/contracts';
import { setRequestTenant } from '@holdfast/service-kit';
import type { Request } from 'express';
import { hashApiToken, type ApiPrincipal } from './api-token';
import { ApiTokenRepository } from './api-token.repository';
import type { Principal } from '../rbac/roles';

export type AuthenticatedRequest = Request & { principal: ApiPrincipal };

/** Bearer API-token authentication for the gateway's /api/v1 routes. */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  constructor(private readonly tokens: ApiTokenRepository) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    // the global AccessGuard already authenticated and authorized this caller (session or token)
    const checked = (req as AuthenticatedRequest & { holdfastPrincipal?: Principal }).holdfastPrincipal;
    if (checked) {
      req.principal = { tokenId: checked.tokenId ?? '', name: checked.displayName, role: checked.role, tenantId: checked.tenantId };
      return true;
    }
    const header = req.header('authorization');
    if (!header) {
      throw new HoldfastError('unauthenticated', 'Missing API token: send "Authorization: Bearer <token>"');
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new HoldfastError('unauthenticated', 'Malformed Authorization header: expected "Bearer <token>"');
    const principal = await this.tokens.findActiveByHash(hashApiToken(match[1]));
    if (!principal) throw new HoldfastError('unauthenticated', 'Invalid or revoked API token');
    req.principal = principal;
    if (principal.tenantId) setRequestTenant(principal.tenantId);
    return true;
  }
}

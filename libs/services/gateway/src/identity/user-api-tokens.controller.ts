import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { HoldfastError } from '@holdfast/contracts';
import { PG_POOL } from '@holdfast/service-kit';
import type { Response } from 'express';
import type { Pool } from 'pg';
import { generateApiToken, hashApiToken } from '../api-tokens/api-token';
import { AuditAction } from '../audit/audit-action.decorator';
import type { AccessRequest } from '../http/request-info';
import { CurrentPrincipal } from '../rbac/current-principal.decorator';
import { Authenticated } from '../rbac/permissions.decorator';
import type { Principal } from '../rbac/roles';

class CreateTokenDto {
  @ApiProperty({ example: 'nightly report script' }) name!: string;
}

/** API tokens for automation, owned by a user: they act with the user's role and tenants. */
@ApiTags('auth')
@ApiBearerAuth()
@Controller('api/v1/auth/tokens')
export class UserApiTokensController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'The caller\'s API tokens (never the token values)' })
  async list(@CurrentPrincipal() p: Principal) {
    const userId = this.userOf(p);
    const r = await this.pool.query<{ id: string; name: string; created_at: Date; revoked_at: Date | null }>(
      'SELECT id, name, created_at, revoked_at FROM gateway.api_tokens WHERE user_id = $1 ORDER BY created_at DESC',
      [userId],
    );
    return { items: r.rows.map((t) => ({ id: t.id, name: t.name, createdAt: t.created_at.toISOString(), revokedAt: t.revoked_at?.toISOString() ?? null })) };
  }

  @Post()
  @Authenticated()
  @AuditAction('auth.token.create')
  @ApiOperation({ summary: 'Create a token; its value is in this answer only' })
  @ApiBody({ type: CreateTokenDto })
  async create(@CurrentPrincipal() p: Principal, @Body() body: CreateTokenDto, @Req() req: AccessRequest, @Res({ passthrough: true }) res: Response) {
    const userId = this.userOf(p);
    const name = typeof body?.name === 'string' ? body.name.trim() : '';
    if (!name || name.length > 120) throw new HoldfastError('validation_failed', 'name must be 1 to 120 characters');
    const token = generateApiToken();
    const r = await this.pool.query<{ id: string }>(
      'INSERT INTO gateway.api_tokens (name, role, tenant_id, token_hash, user_id) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [name, p.role, p.tenantId, hashApiToken(token), userId],
    );
    req.auditTarget = `token:${r.rows[0].id}`;
    req.auditDetails = { name };
    res.setHeader('cache-control', 'no-store');
    return { id: r.rows[0].id, name, token };
  }

  @Delete(':tokenId')
  @HttpCode(204)
  @Authenticated()
  @AuditAction('auth.token.revoke')
  @ApiOperation({ summary: 'Revoke one of the caller\'s tokens' })
  async revoke(@CurrentPrincipal() p: Principal, @Param('tokenId') tokenId: string, @Req() req: AccessRequest): Promise<void> {
    const userId = this.userOf(p);
    req.auditTarget = `token:${tokenId}`;
    const r = /^[0-9a-f-]{36}$/i.test(tokenId)
      ? await this.pool.query('UPDATE gateway.api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL', [tokenId, userId])
      : { rowCount: 0 };
    if (!r.rowCount) throw new HoldfastError('not_found', `Token ${tokenId} not found`);
  }

  private userOf(p: Principal): string {
    if (!p.userId) throw new HoldfastError('forbidden', 'Only users own API tokens; this token belongs to no user');
    return p.userId;
  }
}

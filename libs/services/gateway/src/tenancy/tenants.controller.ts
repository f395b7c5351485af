import { Body, Controller, Get, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { HoldfastError } from '@holdfast/contracts';
import { parseListQuery, stringParam, type Page } from '../http/list-query';
import type { AccessRequest } from '../http/request-info';
import { AuditAction } from '../audit/audit-action.decorator';
import { CurrentPrincipal } from '../rbac/current-principal.decorator';
import { RequirePermission } from '../rbac/permissions.decorator';
import type { Principal } from '../rbac/roles';
import { TenantRepository, type TenantView } from './tenant.repository';

class CreateTenantDto {
  @ApiProperty({ example: 'Contoso Ltd' }) name!: string;
  @ApiPropertyOptional({ example: 'contoso', description: 'lowercase letters, digits and dashes; derived from the name when absent' }) id?: string;
}

class UpdateTenantDto {
  @ApiProperty({ example: 'Contoso Group' }) name!: string;
}

const TENANT_ID = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !name.trim() || name.trim().length > 120) {
    throw new HoldfastError('validation_failed', 'name must be a text of 1 to 120 characters');
  }
  return name.trim();
}

function slugOf(name: string): string {
  return name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '') || 'tenant';
}

/** The MSP's customer tenants. Every route under /tenants/:tenantId is scoped by the guard. */
@ApiTags('tenants')
@ApiBearerAuth()
@Controller('api/v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantRepository) {}

  @Get()
  @RequirePermission('tenants.read')
  @ApiOperation({ summary: 'Tenants the caller reaches (?q=, ?sort=name|createdAt, ?limit=, ?offset=)' })
  async list(@CurrentPrincipal() p: Principal, @Query() query: Record<string, unknown>): Promise<Page<TenantView>> {
    const page = parseListQuery(query, ['name', 'createdAt'] as const, 'name');
    const { items, total } = await this.tenants.list({
      ...page,
      ids: p.scope.kind === 'all' ? undefined : p.scope.tenantIds,
      q: stringParam(query, 'q'),
    });
    return { items, total, limit: page.limit, offset: page.offset };
  }

  @Post()
  @RequirePermission('tenants.create')
  @AuditAction('tenant.create')
  @ApiOperation({ summary: 'Add a customer tenant' })
  @ApiBody({ type: CreateTenantDto })
  async create(@Body() body: CreateTenantDto, @Req() req: AccessRequest): Promise<TenantView> {
    const name = checkName(body?.name);
    const id = body?.id === undefined ? slugOf(name) : body.id;
    if (typeof id !== 'string' || !TENANT_ID.test(id)) {
      throw new HoldfastError('validation_failed', 'id must be 1 to 40 lowercase letters, digits or dashes, not starting or ending with a dash');
    }
    req.auditTenantId = id;
    req.auditTarget = `tenant:${id}`;
    req.auditDetails = { name };
    if (await this.tenants.nameTaken(name)) throw new HoldfastError('already_exists', `A tenant named "${name}" exists already`);
    if (!(await this.tenants.insert(id, name))) throw new HoldfastError('already_exists', `Tenant id "${id}" is taken`);
    return (await this.tenants.find(id))!;
  }

  @Get(':tenantId')
  @RequirePermission('tenants.read')
  @ApiOperation({ summary: 'One tenant' })
  async get(@Param('tenantId') tenantId: string): Promise<TenantView> {
    const t = await this.tenants.find(tenantId);
    if (!t) throw new HoldfastError('not_found', `Tenant ${tenantId} not found`);
    return t;
  }

  @Patch(':tenantId')
  @RequirePermission('tenants.update')
  @AuditAction('tenant.update')
  @ApiOperation({ summary: 'Rename a tenant' })
  @ApiBody({ type: UpdateTenantDto })
  async update(@Param('tenantId') tenantId: string, @Body() body: UpdateTenantDto, @Req() req: AccessRequest): Promise<TenantView> {
    const name = checkName(body?.name);
    req.auditTarget = `tenant:${tenantId}`;
    req.auditDetails = { name };
    if (!(await this.tenants.find(tenantId))) throw new HoldfastError('not_found', `Tenant ${tenantId} not found`);
    if (await this.tenants.nameTaken(name, tenantId)) throw new HoldfastError('already_exists', `A tenant named "${name}" exists already`);
    await this.tenants.rename(tenantId, name);
    return (await this.tenants.find(tenantId))!;
  }
}

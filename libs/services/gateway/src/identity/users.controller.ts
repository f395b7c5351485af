import { Body, Controller, Get, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { HoldfastError } from '@holdfast/contracts';
import { parseListQuery, stringParam, type Page } from '../http/list-query';
import type { AccessRequest } from '../http/request-info';
import { AuditAction } from '../audit/audit-action.decorator';
import { CurrentPrincipal } from '../rbac/current-principal.decorator';
import { RequirePermission } from '../rbac/permissions.decorator';
import { isCustomerRole, isRole, ROLES, type Principal, type Role } from '../rbac/roles';
import { TenantRepository } from '../tenancy/tenant.repository';
import { hashPassword, passwordProblem } from './password-hasher';
import { SessionRepository } from './session.repository';
import { toUserView, UserRepository, type UserView } from './user.repository';

class CreateUserDto {
  @ApiProperty({ example: 'tech@msp.example' }) email!: string;
  @ApiPropertyOptional({ example: 'Alex Tech' }) displayName?: string;
  @ApiProperty({ description: 'Initial password, at least 12 characters' }) password!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiPropertyOptional({ description: 'Home tenant of customer roles (and of a tenant auditor)' }) tenantId?: string;
  @ApiPropertyOptional({ type: [String], description: 'Tenants an msp_technician works on' }) assignedTenantIds?: string[];
}

class UpdateUserDto {
  @ApiPropertyOptional({ enum: ROLES }) role?: Role;
  @ApiPropertyOptional() disabled?: boolean;
  @ApiPropertyOptional() displayName?: string;
  @ApiPropertyOptional({ type: [String] }) assignedTenantIds?: string[];
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,}$/;
const MSP_ONLY_ROLES: readonly Role[] = ['msp_admin', 'msp_technician'];

/** Users and their roles. MSP administrators manage everyone; customer admins their tenant's users. */
@ApiTags('users')
@ApiBearerAuth()
@Controller('api/v1')
export class UsersController {
  constructor(
    private readonly users: UserRepository,
    private readonly tenants: TenantRepository,
    private readonly sessions: SessionRepository,
  ) {}

  @Get('users')
  @RequirePermission('users.read')
  @ApiOperation({ summary: 'Users the caller may see (?q=, ?role=, ?sort=email|createdAt|role, ?limit=, ?offset=)' })
  async list(@CurrentPrincipal() p: Principal, @Query() query: Record<string, unknown>): Promise<Page<UserView>> {
    return this.page(query, p.scope.kind === 'all' ? undefined : p.scope.tenantIds);
  }

  @Get('tenants/:tenantId/users')
  @RequirePermission('users.read')
  @ApiOperation({ summary: 'Users of one tenant' })
  async listOfTenant(@Param('tenantId') tenantId: string, @Query() query: Record<string, unknown>): Promise<Page<UserView>> {
    return this.page(query, [tenantId]);
  }

  @Post('users')
  @RequirePermission('users.manage')
  @AuditAction('user.create')
  @ApiOperation({ summary: 'Create a user (MSP staff, or a customer user with tenantId)' })
  @ApiBody({ type: CreateUserDto })
  async create(@CurrentPrincipal() p: Principal, @Body() body: CreateUserDto, @Req() req: AccessRequest): Promise<UserView> {
    return this.createUser(p, body, req);
  }

  @Post('tenants/:tenantId/users')
  @RequirePermission('users.manage')
  @AuditAction('user.create')
  @ApiOperation({ summary: 'Create a user of one tenant' })
  @ApiBody({ type: CreateUserDto })
  async createInTenant(
    @CurrentPrincipal() p: Principal,
    @Param('tenantId') tenantId: string,
    @Body() body: CreateUserDto,
    @Req() req: AccessRequest,
  ): Promise<UserView> {
    if (body?.tenantId !== undefined && body.tenantId !== tenantId) {
      throw new HoldfastError('validation_failed', 'tenantId of the body differs from the tenant of the path');
    }
    return this.createUser(p, { ...body, tenantId }, req);
  }

  @Patch('users/:userId')
  @RequirePermission('users.manage')
  @AuditAction('user.update')
  @ApiOperation({ summary: 'Change a user: role, tenants, display name, disabled' })
  @ApiBody({ type: UpdateUserDto })
  async update(@CurrentPrincipal() p: Principal, @Param('userId') userId: string, @Body() body: UpdateUserDto, @Req() req: AccessRequest): Promise<UserView> {
    const user = await this.users.findById(userId);
    // a user outside the caller's reach is answered as absent
    if (!user || !this.manages(p, user.role, user.tenantId)) throw new HoldfastError('not_found', `User ${userId} not found`);
    req.auditTarget = `user:${userId}`;
    req.auditTenantId = user.tenantId ?? undefined;
    const role = body?.role === undefined ? user.role : body.role;
    if (!isRole(role)) throw new HoldfastError('validation_failed', `role must be one of ${ROLES.join(', ')}`);
    if (!this.manages(p, role, user.tenantId)) throw new HoldfastError('forbidden', `You may not give the role ${role}`);
    if (body?.disabled !== undefined && typeof body.disabled !== 'boolean') throw new HoldfastError('validation_failed', 'disabled must be true or false');
    if (p.userId === userId && (body?.disabled === true || role !== user.role)) {
      throw new HoldfastError('conflict', 'You cannot disable yourself or change your own role');
    }
    if (isCustomerRole(role) && !user.tenantId) throw new HoldfastError('validation_failed', `role ${role} needs a user with a home tenant`);
    if (MSP_ONLY_ROLES.includes(role) && user.tenantId) throw new HoldfastError('validation_failed', `role ${role} is for MSP staff, not tenant users`);
    const displayName = body?.displayName === undefined ? undefined : this.checkDisplayName(body.displayName);
    req.auditDetails = { role, disabled: body?.disabled, assignedTenantIds: body?.assignedTenantIds };
    await this.users.update(userId, { role, disabled: body?.disabled, displayName });
    if (body?.assignedTenantIds !== undefined || role !== 'msp_technician') {
      await this.users.setAssignments(userId, role === 'msp_technician' ? await this.checkTenants(body?.assignedTenantIds ?? user.assignedTenantIds) : []);
    }
    if (body?.disabled === true || role !== user.role) await this.sessions.revokeAllOf(userId);
    return toUserView((await this.users.findById(userId))!);
  }

  private async page(query: Record<string, unknown>, tenantIds: readonly string[] | undefined): Promise<Page<UserView>> {
    const page = parseListQuery(query, ['email', 'createdAt', 'role'] as const, 'email');
    const role = stringParam(query, 'role');
    if (role !== undefined && !isRole(role)) throw new HoldfastError('validation_failed', `role must be one of ${ROLES.join(', ')}`);
    const { items, total } = await this.users.list({ ...page, tenantIds, role, q: stringParam(query, 'q') });
    return { items, total, limit: page.limit, offset: page.offset };
  }

  /** MSP admins manage everyone; customer admins only customer users and auditors of their tenant. */
  private manages(p: Principal, role: Role, tenantId: string | null): boolean {
    if (p.role === 'msp_admin') return true;
    return p.role === 'customer_admin' && !!tenantId && tenantId === p.tenantId && !MSP_ONLY_ROLES.includes(role);
  }

  private checkDisplayName(value: unknown): string {
    if (typeof value !== 'string' || !value.trim() || value.length > 120) throw new HoldfastError('validation_failed', 'displayName must be 1 to 120 characters');
    return value.trim();
  }

  private async checkTenants(ids: unknown): Promise<string[]> {
    if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) throw new HoldfastError('validation_failed', 'assignedTenantIds must be a list of tenant ids');
    const unique = [...new Set(ids as string[])];
    const found = await this.tenants.existing(unique);
    const missing = unique.filter((x) => !found.includes(x));
    if (missing.length) throw new HoldfastError('validation_failed', `Unknown tenants in assignedTenantIds: ${missing.join(', ')}`);
    return unique;
  }

  private async createUser(p: Principal, body: CreateUserDto, req: AccessRequest): Promise<UserView> {
    const email = typeof body?.email === 'string' ? body.email.trim() : '';
    if (!EMAIL.test(email)) throw new HoldfastError('validation_failed', 'email must be an email address');
    if (!isRole(body?.role)) throw new HoldfastError('validation_failed', `role must be one of ${ROLES.join(', ')}`);
    const role = body.role;
    const tenantId = body.tenantId ?? null;
    if (tenantId !== null && typeof tenantId !== 'string') throw new HoldfastError('validation_failed', 'tenantId must be a tenant id');
    req.auditTenantId = tenantId ?? undefined;
    req.auditDetails = { email, role };
    if (tenantId !== null && !(p.scope.kind === 'all' || p.scope.tenantIds.includes(tenantId))) {
      throw new HoldfastError('not_found', `Tenant ${tenantId} not found`);
    }
    if (!this.manages(p, role, tenantId)) throw new HoldfastError('forbidden', `You may not create a user with role ${role}${tenantId ? '' : ' outside a tenant'}`);
    if (isCustomerRole(role) && !tenantId) throw new HoldfastError('validation_failed', `role ${role} needs tenantId`);
    if (MSP_ONLY_ROLES.includes(role) && tenantId) throw new HoldfastError('validation_failed', `role ${role} is for MSP staff: leave tenantId out`);
    if (tenantId && !(await this.tenants.find(tenantId))) throw new HoldfastError('not_found', `Tenant ${tenantId} not found`);
    const problem = passwordProblem(body.password);
    if (problem) throw new HoldfastError('validation_failed', problem);
    const assigned = role === 'msp_technician' && body.assignedTenantIds !== undefined ? await this.checkTenants(body.assignedTenantIds) : [];
    if (await this.users.findByEmail(email)) throw new HoldfastError('already_exists', `A user with email ${email} exists already`);
    const displayName = body.displayName === undefined ? email : this.checkDisplayName(body.displayName);
    const id = await this.users.insert({ email, displayName, passwordHash: await hashPassword(body.password), role, tenantId, assignedTenantIds: assigned });
    req.auditTarget = `user:${id}`;
    return toUserView((await this.users.findById(id))!);
  }
}

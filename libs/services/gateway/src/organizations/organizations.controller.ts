import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AUTH_RPC,
  AUTH_RPC_SLOW_TIMEOUT_MS,
  AUTH_SERVICE,
  HoldfastError,
  INVENTORY_OBJECT_KINDS,
  INVENTORY_RPC,
  INVENTORY_RPC_SYNC_TIMEOUT_MS,
  INVENTORY_SERVICE,
  type InventoryListRequestBody,
  type InventoryObjectKind,
  type InventoryPage,
  type InventorySyncSummary,
  type OnboardingView,
  type OrganizationView,
  type PermissionCheckView,
} from '@holdfast/contracts';
import type { MessageBus } from '@holdfast/messaging';
import { MESSAGE_BUS } from '@holdfast/service-kit';
import type { AccessRequest } from '../http/request-info';
import { CurrentPrincipal } from '../rbac/current-principal.decorator';
import { RequirePermission } from '../rbac/permissions.decorator';
import { scopeAllows, type Principal } from '../rbac/roles';

/** Header an MSP-wide caller (or a technician of several tenants) names the Holdfast tenant with. */
export const TENANT_HEADER = 'x-holdfast-tenant';
/** The tenant of MSP-wide callers that name none: the installation's own (the CLI's default too). */
export const DEFAULT_MSP_TENANT = 'default';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const READ_TIMEOUT_MS = 15_000;
const KINDS: readonly string[] = INVENTORY_OBJECT_KINDS;

function uuidParam(value: string, what: string): string {
  if (!UUID.test(value)) throw new HoldfastError('validation_failed', `expected ${what} id (UUID), got "${value.slice(0, 60)}"`);
  return value;
}

/**
 * The Holdfast (MSP) tenant the request acts for, never taken from the body: the one named
 * in X-Holdfast-Tenant if the caller reaches it (otherwise 404, like a :tenantId path),
 * else the caller's home tenant, else a technician's only tenant, else `default` for
 * MSP-wide callers.
 */
export function mspTenantOf(p: Principal, req: AccessRequest): string {
  const raw = req.header(TENANT_HEADER);
  const asked = typeof raw === 'string' ? raw.trim() : '';
  if (asked) {
    if (!scopeAllows(p.scope, asked)) throw new HoldfastError('not_found', `Tenant ${asked} not found`);
    return asked;
  }
  if (p.tenantId) return p.tenantId;
  if (p.scope.kind === 'some') {
    if (p.scope.tenantIds.length === 1) return p.scope.tenantIds[0];
    throw new HoldfastError('validation_failed', `You reach several tenants (or none): name one with the ${TENANT_HEADER} header`);
  }
  return DEFAULT_MSP_TENANT;
}

function booleanParam(query: Record<string, unknown>, name: string): boolean | undefined {
  const v = query[name];
  if (v === undefined || v === '') return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new HoldfastError('validation_failed', `${name}: expected true or false`);
}

function integerParam(query: Record<string, unknown>, name: string): number | undefined {
  const v = query[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || !/^\d{1,9}$/.test(v)) throw new HoldfastError('validation_failed', `${name}: expected a whole number`);
  return Number(v);
}

function textParam(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new HoldfastError('validation_failed', `${name}: expected one value`);
  return v;
}

/** The secrets of a request body (never echoed back in an error message). */
function secretsOf(body: unknown): string[] {
  const c = (body as { credential?: Record<string, unknown> } | null | undefined)?.credential;
  if (!c || typeof c !== 'object') return [];
  return ['clientSecret', 'password', 'pfxBase64', 'pem'].map((k) => c[k]).filter((v): v is string => typeof v === 'string' && v.length >= 4);
}

function objectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new HoldfastError('validation_failed', 'expected a JSON object');
  return body as Record<string, unknown>;
}

/**
 * Organizations (connected Microsoft 365 tenants), onboardings and the inventory: each route
 * forwards to a request/reply method of the auth or inventory service with the caller's
 * Holdfast tenant as the bus tenant (see apps/cli/src/orgs/org-routes.ts).
 */
@ApiTags('organizations')
@ApiBearerAuth()
@ApiHeader({ name: TENANT_HEADER, required: false, description: 'Holdfast tenant to act for (MSP-wide callers; default: "default")' })
@Controller('api/v1')
export class OrganizationsController {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}

  private async call<T>(service: string, method: string, tenantId: string, payload: Record<string, unknown>, timeoutMs: number, secrets: string[] = []): Promise<T> {
    try {
      return await this.bus.request<T>(service, method, { ...payload, tenantId }, { tenantId, timeoutMs });
    } catch (e) {
      if (!(e instanceof HoldfastError)) throw e;
      const fromBus = typeof e.details?.subject === 'string';
      if (fromBus && e.code === 'timeout') {
        throw new HoldfastError('timeout', `The ${service} service did not answer ${method} within ${Math.round(timeoutMs / 1000)} s; it may still finish, check again later`);
      }
      if (fromBus && e.code === 'unavailable') {
        throw new HoldfastError('unavailable', `The ${service} service is not running or not reachable (${method}); start it (holdfast up) and retry`);
      }
      let message = e.message;
      for (const s of secrets) message = message.split(s).join('[redacted]');
      if (message === e.message) throw e;
      throw new HoldfastError(e.code, message);
    }
  }

  @Post('organizations')
  @RequirePermission('orgs.manage')
  @ApiOperation({ summary: 'Connect a Microsoft 365 tenant with an existing application (auth.org-add)' })
  @ApiBody({ schema: { type: 'object' } })
  async add(@CurrentPrincipal() p: Principal, @Req() req: AccessRequest, @Body() body: unknown): Promise<OrganizationView> {
    const tenantId = mspTenantOf(p, req);
    const b = objectBody(body);
    req.auditTenantId = tenantId;
    req.auditDetails = { displayName: typeof b.displayName === 'string' ? b.displayName.slice(0, 120) : null };
    const org = await this.call<OrganizationView>(AUTH_SERVICE, AUTH_RPC.addOrganization, tenantId, b, AUTH_RPC_SLOW_TIMEOUT_MS, secretsOf(b));
    req.auditTarget = `organization:${org.organizationId}`;
    return org;
  }

  @Get('organizations')
  @RequirePermission('orgs.read')
  @ApiOperation({ summary: 'Connected organizations of the tenant (auth.org-list)' })
  list(@CurrentPrincipal() p: Principal, @Req() req: AccessRequest): Promise<OrganizationView[]> {
    return this.call(AUTH_SERVICE, AUTH_RPC.listOrganizations, mspTenantOf(p, req), {}, READ_TIMEOUT_MS);
  }

  @Post('organizations/device-code')
  @RequirePermission('orgs.manage')
  @ApiOperation({ summary: 'Connect a tenant by device-code sign-in of an administrator (auth.org-device-code-start)' })
  @ApiBody({ schema: { type: 'object' } })
  deviceCode(@CurrentPrincipal() p: Principal, @Req() req: AccessRequest, @Body() body: unknown): Promise<OnboardingView> {
    const tenantId = mspTenantOf(p, req);
    const b = objectBody(body);
    req.auditTenantId = tenantId;
    req.auditDetails = { displayName: typeof b.displayName === 'string' ? b.displayName.slice(0, 120) : null };
    return this.call(AUTH_SERVICE, AUTH_RPC.startDeviceCode, tenantId, b, AUTH_RPC_SLOW_TIMEOUT_MS, secretsOf(b));
  }

  @Get('organizations/:id')
  @RequirePermission('orgs.read')
  @ApiOperation({ summary: 'One organization (auth.org-show)' })
  show(@CurrentPrincipal() p: Principal, @Req() req: AccessRequest, @Param('id') id: string): Promise<OrganizationView> {
    const organizationId = uuidParam(id, 'an organization');
    return this.call(AUTH_SERVICE, AUTH_RPC.showOrganization, mspTenantOf(p, req), { organizationId }, READ_TIMEOUT_MS);
  }

  @Post('organizations/:id/check')
  @HttpCode(200)
  @RequirePermission('orgs.manage')
  @ApiOperation({ summary: 'Check the granted permissions now (auth.org-check)' })
  check(@CurrentPrincipal() p: Principal, @Req() req: AccessRequest, @Param('id') id: string): Promise<PermissionCheckView> {
    const organizationId = uuidParam(id, 'an organization');
    const tenantId = mspTenantOf(p, req);
    req.auditTenantId = tenantId;
    req.auditTarget = `organization:${organizationId}`;
    return this.call(AUTH_SERVICE, AUTH_RPC.checkOrganization, tenantId, { organizationId }, AUTH_RPC_SLOW_TIMEOUT_MS);
  }

  @Post('organizations/:id/grant')
  @HttpCode(200)
  @RequirePermission('orgs.manage')
  @ApiOperation({ summary: 'Start a sign-in that grants the missing permissions (auth.org-grant-start)' })
  grant(@CurrentPrincipal() p: Principal, @Req() req: AccessRequest, @Param('id') id: string): Promise<OnboardingView> {
    const organizationId = uuidParam(id, 'an organization');
    const tenantId = mspTenantOf(p, req);
    req.auditTenantId = tenantId;
    req.auditTarget = `organization:${organizationId}`;
    return this.call(AUTH_SERVICE, AUTH_RPC.startGrant, tenantId, { organizationId }, AUTH_RPC_SLOW_TIMEOUT_MS);
  }

  @Delete('organizations/:id')
  @RequirePermission('orgs.manage')
  @ApiOperation({ summary: 'Disconnect an organization; its credentials are destroyed (auth.org-remove)' })
  remove(@CurrentPrincipal() p: Principal, @Req() req: AccessRequest, @Param('id') id: string): Promise<{ organizationId: string; removed: true }> {
    const organizationId = uuidParam(id, 'an organization');
    const tenantId = mspTenantOf(p, req);
    req.auditTenantId = tenantId;
    req.auditTarget = `organization:${organizationId}`;
    return this.call(AUTH_SERVICE, AUTH_RPC.removeOrganization, tenantId, { organizationId }, AUTH_RPC_SLOW_TIMEOUT_MS);
  }

  @Get('onboardings/:id')
  @RequirePermission('orgs.manage')
  @ApiOperation({ summary: 'State of a device-code onboarding or grant (auth.org-onboarding-status)' })
  onboarding(@CurrentPrincipal() p: Principal, @Req() req: AccessRequest, @Param('id') id: string): Promise<OnboardingView> {
    const onboardingId = uuidParam(id, 'an onboarding');
    return this.call(AUTH_SERVICE, AUTH_RPC.onboardingStatus, mspTenantOf(p, req), { onboardingId }, READ_TIMEOUT_MS);
  }

  @Post('organizations/:id/inventory/sync')
  @HttpCode(200)
  @RequirePermission('inventory.sync')
  @ApiOperation({ summary: 'Discover the objects of an organization now (inventory.sync)' })
  sync(@CurrentPrincipal() p: Principal, @Req() req: AccessRequest, @Param('id') id: string): Promise<InventorySyncSummary> {
    const organizationId = uuidParam(id, 'an organization');
    const tenantId = mspTenantOf(p, req);
    req.auditTenantId = tenantId;
    req.auditTarget = `organization:${organizationId}`;
    return this.call(INVENTORY_SERVICE, INVENTORY_RPC.sync, tenantId, { organizationId }, INVENTORY_RPC_SYNC_TIMEOUT_MS);
  }

  @Get('inventory')
  @RequirePermission('inventory.read')
  @ApiOperation({ summary: 'Discovered objects (?organizationId=&kind=&search=&licensed=&protected=&limit=&offset=; inventory.list)' })
  inventory(@CurrentPrincipal() p: Principal, @Req() req: AccessRequest, @Query() query: Record<string, unknown>): Promise<InventoryPage> {
    const organizationId = textParam(query, 'organizationId');
    const kind = textParam(query, 'kind');
    if (kind !== undefined && !KINDS.includes(kind)) throw new HoldfastError('validation_failed', `kind: expected one of ${KINDS.join(', ')}`);
    const filter: InventoryListRequestBody = {
      organizationId: organizationId === undefined ? undefined : uuidParam(organizationId, 'an organization'),
      kind: kind as InventoryObjectKind | undefined,
      search: textParam(query, 'search'),
      licensed: booleanParam(query, 'licensed'),
      protected: booleanParam(query, 'protected'),
      limit: integerParam(query, 'limit'),
      offset: integerParam(query, 'offset'),
    };
    const payload = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
    return this.call(INVENTORY_SERVICE, INVENTORY_RPC.list, mspTenantOf(p, req), payload, READ_TIMEOUT_MS);
  }
}

import { Controller, Get, Inject, Optional } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditLogRepository } from '../audit/audit-log.repository';
import { CurrentPrincipal } from '../rbac/current-principal.decorator';
import { RequirePermission } from '../rbac/permissions.decorator';
import type { Principal } from '../rbac/roles';
import { TenantRepository } from './tenant.repository';

/** One section of the MSP overview; `available: false` until the service behind it exists. */
export interface OverviewSection {
  readonly key: string;
  readonly title: string;
  readonly available: boolean;
  readonly value?: unknown;
}

/**
 * Extension point: later issues (inventory, jobs, storage) provide contributors under this
 * token and the overview shows their sections for the caller's tenants.
 */
export interface OverviewContributor {
  readonly key: string;
  readonly title: string;
  contribute(tenantIds: readonly string[] | undefined): Promise<unknown>;
}
export const OVERVIEW_CONTRIBUTORS = Symbol('holdfast.gateway.overview-contributors');

const PLANNED: readonly { key: string; title: string }[] = [
  { key: 'protectedObjects', title: 'Protected objects' },
  { key: 'lastRuns', title: 'Last runs' },
  { key: 'failures', title: 'Failures' },
  { key: 'storage', title: 'Storage' },
];

@ApiTags('overview')
@ApiBearerAuth()
@Controller('api/v1/overview')
export class OverviewController {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly audit: AuditLogRepository,
    @Optional() @Inject(OVERVIEW_CONTRIBUTORS) private readonly contributors: readonly OverviewContributor[] = [],
  ) {}

  @Get()
  @RequirePermission('overview.read')
  @ApiOperation({ summary: 'Summary of the tenants the caller reaches' })
  async get(@CurrentPrincipal() p: Principal) {
    const ids = p.scope.kind === 'all' ? undefined : p.scope.tenantIds;
    const tenants = await this.tenants.list({ ids, sort: 'name', descending: false, limit: 10, offset: 0 });
    const recent = await this.audit.search({ tenantIds: ids, descending: true, limit: 5, offset: 0 });
    const sections: OverviewSection[] = [];
    for (const planned of PLANNED) {
      const c = (this.contributors ?? []).find((x) => x.key === planned.key);
      sections.push(c ? { key: c.key, title: c.title, available: true, value: await c.contribute(ids) } : { ...planned, available: false });
    }
    return { tenants: { total: tenants.total, first: tenants.items }, recentActivity: recent.items, sections };
  }
}

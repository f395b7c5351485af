import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HoldfastError } from '@holdfast/contracts';
import type { Response } from 'express';
import { MAX_PAGE_SIZE, parseListQuery, stringParam, timeParam, type Page } from '../http/list-query';
import { AuditAction } from './audit-action.decorator';
import { CurrentPrincipal } from '../rbac/current-principal.decorator';
import { RequirePermission } from '../rbac/permissions.decorator';
import type { Principal } from '../rbac/roles';
import { AuditLogRepository, type AuditEntry, type AuditSearch } from './audit-log.repository';

const EXPORT_LIMIT = 100_000;
const CSV_COLUMNS = ['id', 'at', 'actorKind', 'actorId', 'actorName', 'actorRole', 'action', 'tenantId', 'target', 'outcome', 'status', 'ip', 'userAgent', 'details'] as const;

function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  // a leading = + - @ would run as a formula in a spreadsheet
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function auditCsv(entries: readonly AuditEntry[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of entries) lines.push(CSV_COLUMNS.map((c) => csvCell(e[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Search and export of the audit log, limited to the tenants the caller reaches. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1')
export class AuditController {
  constructor(private readonly audit: AuditLogRepository) {}

  @Get('audit')
  @RequirePermission('audit.read')
  @ApiOperation({ summary: 'Search: ?actor=, ?action= (prefix*), ?tenantId=, ?from=, ?to= (ISO), ?sort=at|-at, ?limit=, ?offset=' })
  async search(@CurrentPrincipal() p: Principal, @Query() query: Record<string, unknown>): Promise<Page<AuditEntry>> {
    const s = this.criteria(p, query, undefined);
    const { items, total } = await this.audit.search(s);
    return { items, total, limit: s.limit, offset: s.offset };
  }

  @Get('tenants/:tenantId/audit')
  @RequirePermission('audit.read')
  @ApiOperation({ summary: 'Audit entries of one tenant (same filters as /audit)' })
  async searchTenant(@CurrentPrincipal() p: Principal, @Param('tenantId') tenantId: string, @Query() query: Record<string, unknown>): Promise<Page<AuditEntry>> {
    const s = this.criteria(p, query, tenantId);
    const { items, total } = await this.audit.search(s);
    return { items, total, limit: s.limit, offset: s.offset };
  }

  @Get('audit/export')
  @RequirePermission('audit.read')
  @AuditAction('audit.export')
  @ApiOperation({ summary: 'Export matching entries: ?format=csv|json plus the /audit filters' })
  async export(@CurrentPrincipal() p: Principal, @Query() query: Record<string, unknown>, @Res({ passthrough: true }) res: Response): Promise<string> {
    const format = stringParam(query, 'format') ?? 'json';
    if (format !== 'csv' && format !== 'json') throw new HoldfastError('validation_failed', 'format must be csv or json');
    const s = { ...this.criteria(p, { ...query, limit: undefined, offset: undefined }, undefined), limit: EXPORT_LIMIT, offset: 0 };
    const { items } = await this.audit.search(s);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    res.setHeader('content-disposition', `attachment; filename="holdfast-audit-${stamp}.${format}"`);
    if (format === 'csv') {
      res.type('text/csv; charset=utf-8');
      return auditCsv(items);
    }
    res.type('application/json');
    return JSON.stringify(items);
  }

  private criteria(p: Principal, query: Record<string, unknown>, pathTenant: string | undefined): AuditSearch {
    const page = parseListQuery(query, ['at'] as const, '-at');
    const tenantId = pathTenant ?? stringParam(query, 'tenantId');
    if (tenantId && p.scope.kind === 'some' && !p.scope.tenantIds.includes(tenantId)) {
      throw new HoldfastError('not_found', `Tenant ${tenantId} not found`);
    }
    return {
      // callers without the whole installation in scope never see MSP-wide entries
      tenantIds: p.scope.kind === 'all' ? undefined : p.scope.tenantIds,
      tenantId,
      actor: stringParam(query, 'actor'),
      action: stringParam(query, 'action'),
      from: timeParam(query, 'from'),
      to: timeParam(query, 'to'),
      descending: page.descending,
      limit: Math.min(page.limit, MAX_PAGE_SIZE),
      offset: page.offset,
    };
  }
}

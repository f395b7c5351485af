import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@holdfast/service-kit';
import type { Pool } from 'pg';

/** One audit entry to append: who, what, on which tenant, from where, how it ended. */
export interface AuditRecord {
  readonly actorKind: 'user' | 'api_token' | 'anonymous' | 'system';
  readonly actorId: string | null;
  readonly actorName: string;
  readonly actorRole: string | null;
  /** Dotted verb: `tenant.create`, `auth.login`, `restore.start`... */
  readonly action: string;
  readonly tenantId: string | null;
  readonly target: string | null;
  readonly outcome: 'succeeded' | 'failed' | 'denied';
  readonly status: number | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** Ids, names and counts only: never a secret or a message body. */
  readonly details?: Record<string, unknown>;
}

export interface AuditEntry extends AuditRecord {
  readonly id: string;
  readonly at: string;
  readonly details: Record<string, unknown>;
}

export interface AuditSearch {
  /** Only entries of these tenants (a principal's scope); undefined: every entry. */
  readonly tenantIds?: readonly string[];
  readonly tenantId?: string;
  readonly actor?: string;
  readonly action?: string;
  readonly from?: string;
  readonly to?: string;
  readonly descending: boolean;
  readonly limit: number;
  readonly offset: number;
}

interface AuditRow {
  id: string;
  at: Date;
  actor_kind: AuditRecord['actorKind'];
  actor_id: string | null;
  actor_name: string;
  actor_role: string | null;
  action: string;
  tenant_id: string | null;
  target: string | null;
  outcome: AuditRecord['outcome'];
  status: number | null;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
}

const entry = (r: AuditRow): AuditEntry => ({
  id: r.id,
  at: r.at.toISOString(),
  actorKind: r.actor_kind,
  actorId: r.actor_id,
  actorName: r.actor_name,
  actorRole: r.actor_role,
  action: r.action,
  tenantId: r.tenant_id,
  target: r.target,
  outcome: r.outcome,
  status: r.status,
  ip: r.ip,
  userAgent: r.user_agent,
  details: r.details,
});

/** The append-only audit log (gateway.audit_log; a trigger refuses updates and deletes). */
@Injectable()
export class AuditLogRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async append(r: AuditRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO gateway.audit_log (actor_kind, actor_id, actor_name, actor_role, action, tenant_id, target, outcome, status, ip, user_agent, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [r.actorKind, r.actorId, r.actorName, r.actorRole, r.action, r.tenantId, r.target, r.outcome, r.status, r.ip, r.userAgent?.slice(0, 512) ?? null, JSON.stringify(r.details ?? {})],
    );
  }

  async search(s: AuditSearch): Promise<{ items: AuditEntry[]; total: number }> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: (n: number) => string, value: unknown) => {
      args.push(value);
      where.push(sql(args.length));
    };
    if (s.tenantIds) add((n) => `tenant_id = ANY($${n})`, s.tenantIds);
    if (s.tenantId) add((n) => `tenant_id = $${n}`, s.tenantId);
    if (s.actor) add((n) => `(actor_name ILIKE $${n} OR actor_id = $${n})`, s.actor.replace(/[%_\\]/g, '\\$&'));
    if (s.action) add((n) => (s.action!.endsWith('*') ? `action LIKE $${n}` : `action = $${n}`), s.action.endsWith('*') ? `${s.action.slice(0, -1).replace(/[%_\\]/g, '\\$&')}%` : s.action);
    if (s.from) add((n) => `at >= $${n}`, s.from);
    if (s.to) add((n) => `at < $${n}`, s.to);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = Number((await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM gateway.audit_log ${clause}`, args)).rows[0].n);
    const dir = s.descending ? 'DESC' : 'ASC';
    const r = await this.pool.query<AuditRow>(
      `SELECT * FROM gateway.audit_log ${clause} ORDER BY at ${dir}, id ${dir} LIMIT ${s.limit} OFFSET ${s.offset}`,
      args,
    );
    return { items: r.rows.map(entry), total };
  }
}

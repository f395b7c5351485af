import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@holdfast/service-kit';
import type { Pool } from 'pg';

export interface TenantView {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface TenantListFilter {
  /** Only these tenants (a principal's scope); all when undefined. */
  readonly ids?: readonly string[];
  readonly q?: string;
  readonly sort: 'name' | 'createdAt';
  readonly descending: boolean;
  readonly limit: number;
  readonly offset: number;
}

interface TenantRow {
  id: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}

const view = (r: TenantRow): TenantView => ({ id: r.id, name: r.name, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString() });

/** Customer tenants of the MSP (gateway.tenants). */
@Injectable()
export class TenantRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async find(id: string): Promise<TenantView | undefined> {
    const r = await this.pool.query<TenantRow>('SELECT * FROM gateway.tenants WHERE id = $1', [id]);
    return r.rows[0] && view(r.rows[0]);
  }

  async existing(ids: readonly string[]): Promise<string[]> {
    const r = await this.pool.query<{ id: string }>('SELECT id FROM gateway.tenants WHERE id = ANY($1)', [ids]);
    return r.rows.map((x) => x.id);
  }

  /** Inserts; false when the id or the name is taken. */
  async insert(id: string, name: string): Promise<boolean> {
    const r = await this.pool.query('INSERT INTO gateway.tenants (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [id, name]);
    return (r.rowCount ?? 0) === 1;
  }

  async rename(id: string, name: string): Promise<void> {
    await this.pool.query('UPDATE gateway.tenants SET name = $2, updated_at = now() WHERE id = $1', [id, name]);
  }

  async nameTaken(name: string, exceptId?: string): Promise<boolean> {
    const r = await this.pool.query('SELECT 1 FROM gateway.tenants WHERE lower(name) = lower($1) AND id <> $2', [name, exceptId ?? '']);
    return (r.rowCount ?? 0) > 0;
  }

  async list(filter: TenantListFilter): Promise<{ items: TenantView[]; total: number }> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.ids) {
      args.push(filter.ids);
      where.push(`id = ANY($${args.length})`);
    }
    if (filter.q) {
      args.push(`%${filter.q.replace(/[%_\\]/g, '\\$&')}%`);
      where.push(`(name ILIKE $${args.length} OR id ILIKE $${args.length})`);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const column = filter.sort === 'name' ? 'lower(name)' : 'created_at';
    const total = Number((await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM gateway.tenants ${clause}`, args)).rows[0].n);
    const r = await this.pool.query<TenantRow>(
      `SELECT * FROM gateway.tenants ${clause} ORDER BY ${column} ${filter.descending ? 'DESC' : 'ASC'}, id LIMIT ${filter.limit} OFFSET ${filter.offset}`,
      args,
    );
    return { items: r.rows.map(view), total };
  }
}

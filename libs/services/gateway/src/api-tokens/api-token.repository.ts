import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@holdfast/service-kit';
import type { Pool, PoolClient } from 'pg';
import type { ApiPrincipal, ApiTokenRole } from './api-token';

type Queryable = Pool | PoolClient;

/** API tokens in gateway.api_tokens, by hash only. */
@Injectable()
export class ApiTokenRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async findActiveByHash(tokenHash: string): Promise<ApiPrincipal | undefined> {
    const r = await this.pool.query<{ id: string; name: string; role: ApiTokenRole; tenant_id: string | null }>(
      'SELECT id, name, role, tenant_id FROM gateway.api_tokens WHERE token_hash = $1 AND revoked_at IS NULL',
      [tokenHash],
    );
    const row = r.rows[0];
    return row && { tokenId: row.id, name: row.name, role: row.role, tenantId: row.tenant_id };
  }

  async hashExists(db: Queryable, tokenHash: string): Promise<boolean> {
    return ((await db.query('SELECT 1 FROM gateway.api_tokens WHERE token_hash = $1', [tokenHash])).rowCount ?? 0) > 0;
  }

  async countActive(db: Queryable): Promise<number> {
    const r = await db.query<{ n: string }>('SELECT count(*) AS n FROM gateway.api_tokens WHERE revoked_at IS NULL');
    return Number(r.rows[0].n);
  }

  async insert(db: Queryable, token: { name: string; role: ApiTokenRole; tenantId: string | null; tokenHash: string }): Promise<string> {
    const r = await db.query<{ id: string }>(
      'INSERT INTO gateway.api_tokens (name, role, tenant_id, token_hash) VALUES ($1, $2, $3, $4) RETURNING id',
      [token.name, token.role, token.tenantId, token.tokenHash],
    );
    return r.rows[0].id;
  }

  /** Runs fn in a transaction holding a lock that serializes token bootstrap across replicas. */
  async withBootstrapLock<T>(fn: (db: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('holdfast.gateway.admin-token'))`);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }
}

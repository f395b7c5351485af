import type { Pool } from 'pg';
import type { DataKeyStore } from './envelope-cipher';

/** Wrapped data keys in auth.data_keys, one per MSP tenant. */
export class PostgresDataKeyStore implements DataKeyStore {
  constructor(private readonly pool: Pool) {}

  async find(tenantId: string): Promise<string | undefined> {
    const r = await this.pool.query<{ wrapped_key: string }>('SELECT wrapped_key FROM auth.data_keys WHERE tenant_id = $1', [tenantId]);
    return r.rows[0]?.wrapped_key;
  }

  async insertIfAbsent(tenantId: string, wrapped: string): Promise<string> {
    await this.pool.query('INSERT INTO auth.data_keys (tenant_id, wrapped_key) VALUES ($1, $2) ON CONFLICT (tenant_id) DO NOTHING', [tenantId, wrapped]);
    return (await this.find(tenantId))!;
  }

  async delete(tenantId: string): Promise<void> {
    await this.pool.query('DELETE FROM auth.data_keys WHERE tenant_id = $1', [tenantId]);
  }
}

import type { Pool } from 'pg';
import type { RestoreJournal } from './restore.usecase';

/** The restore journal in Postgres: a restarted restore task skips what it already did. */
export class PostgresRestoreJournal implements RestoreJournal {
  constructor(
    private readonly pool: Pool,
    private readonly tenantId: string,
    private readonly restoreId: string,
  ) {}

  async restored(itemId: string): Promise<string | undefined> {
    const r = await this.pool.query<{ outcome: string }>('SELECT outcome FROM recovery.restore_items WHERE tenant_id = $1 AND restore_id = $2 AND item_id = $3', [
      this.tenantId,
      this.restoreId,
      itemId,
    ]);
    return r.rows[0]?.outcome;
  }

  async record(itemId: string, outcome: 'restored' | 'skipped', newId?: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO recovery.restore_items (tenant_id, restore_id, item_id, outcome, new_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, restore_id, item_id) DO UPDATE SET outcome = EXCLUDED.outcome, new_id = EXCLUDED.new_id, recorded_at = now()`,
      [this.tenantId, this.restoreId, itemId, outcome, newId ?? null],
    );
  }

  /** backed-up item id -> restored id, for the report. */
  async entries(): Promise<Map<string, { outcome: string; newId: string | null }>> {
    const r = await this.pool.query('SELECT item_id, outcome, new_id FROM recovery.restore_items WHERE tenant_id = $1 AND restore_id = $2', [this.tenantId, this.restoreId]);
    return new Map(r.rows.map((x) => [x.item_id as string, { outcome: x.outcome as string, newId: x.new_id as string | null }]));
  }
}

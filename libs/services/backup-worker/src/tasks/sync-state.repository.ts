import type { Queryable } from '@holdfast/event-store';
import type { MailboxSyncState } from '../mailbox/mailbox-sync-state';

/** Where the delta state of each object (per repository) is kept between runs. */
export class SyncStateRepository {
  async load(db: Queryable, tenantId: string, objectId: string, repository: string): Promise<MailboxSyncState | undefined> {
    const { rows } = await db.query<{ state: MailboxSyncState }>(
      'SELECT state FROM backup_worker.sync_state WHERE tenant_id = $1 AND object_id = $2 AND repository = $3',
      [tenantId, objectId, repository],
    );
    return rows[0]?.state;
  }

  /** Call in the transaction that also records the recovery point. */
  async save(db: Queryable, tenantId: string, objectId: string, repository: string, state: MailboxSyncState): Promise<void> {
    await db.query(
      `INSERT INTO backup_worker.sync_state (tenant_id, object_id, repository, state, recovery_point_id, updated_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (tenant_id, object_id, repository) DO UPDATE SET state = EXCLUDED.state, recovery_point_id = EXCLUDED.recovery_point_id, updated_at = now()`,
      [tenantId, objectId, repository, JSON.stringify(state), state.manifestId],
    );
  }
}

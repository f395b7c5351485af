import type { ServiceMigration } from '@holdfast/service-kit';

/**
 * The backup-worker service's tables live in its own Postgres schema `backup_worker`: no other service
 * reads them (services talk over NATS only). Append new migrations; never edit applied ones.
 */
export const backupWorkerMigrations: readonly ServiceMigration[] = [
  { name: '0001_schema', up: 'CREATE SCHEMA IF NOT EXISTS backup_worker' },
  {
    name: '0002_mailbox_sync_state',
    up: `CREATE TABLE backup_worker.sync_state (
      tenant_id text NOT NULL,
      object_id text NOT NULL,
      repository text NOT NULL,
      state jsonb NOT NULL,
      recovery_point_id text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, object_id, repository)
    )`,
  },
];

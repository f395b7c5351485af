import type { ServiceMigration } from '@holdfast/service-kit';

/**
 * The backup-worker service's tables live in its own Postgres schema `backup_worker`: no other service
 * reads them (services talk over NATS only). Append new migrations; never edit applied ones.
 */
export const backupWorkerMigrations: readonly ServiceMigration[] = [
  { name: '0001_schema', up: 'CREATE SCHEMA IF NOT EXISTS backup_worker' },
];

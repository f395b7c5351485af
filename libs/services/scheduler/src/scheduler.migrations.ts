import type { ServiceMigration } from '@holdfast/service-kit';

/**
 * The scheduler service's tables live in its own Postgres schema `scheduler`: no other service
 * reads them (services talk over NATS only). Append new migrations; never edit applied ones.
 */
export const schedulerMigrations: readonly ServiceMigration[] = [
  { name: '0001_schema', up: 'CREATE SCHEMA IF NOT EXISTS scheduler' },
  {
    name: '0002_dispatched_tasks',
    up: `CREATE TABLE scheduler.dispatched_tasks (
      tenant_id text NOT NULL,
      dedupe_id text NOT NULL,
      run_id text NOT NULL,
      object_id text NOT NULL,
      dispatched_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, dedupe_id)
    )`,
  },
];

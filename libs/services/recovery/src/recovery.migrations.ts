import type { ServiceMigration } from '@holdfast/service-kit';

/**
 * The recovery service's tables live in its own Postgres schema `recovery`: no other service
 * reads them (services talk over NATS only). Append new migrations; never edit applied ones.
 */
export const recoveryMigrations: readonly ServiceMigration[] = [
  { name: '0001_schema', up: 'CREATE SCHEMA IF NOT EXISTS recovery' },
  {
    name: '0002_restore_items',
    up: `
      CREATE TABLE recovery.restore_items (
        tenant_id   text        NOT NULL,
        restore_id  text        NOT NULL,
        item_id     text        NOT NULL,
        outcome     text        NOT NULL CHECK (outcome IN ('restored', 'skipped')),
        new_id      text,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, restore_id, item_id)
      )`,
  },
];

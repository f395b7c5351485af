import type { ServiceMigration } from '@holdfast/service-kit';

/**
 * The inventory service's tables live in its own Postgres schema `inventory`: no other service
 * reads them (services talk over NATS only). Append new migrations; never edit applied ones.
 */
export const inventoryMigrations: readonly ServiceMigration[] = [
  { name: '0001_schema', up: 'CREATE SCHEMA IF NOT EXISTS inventory' },
];

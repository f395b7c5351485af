import type { ServiceMigration } from '@holdfast/service-kit';

/**
 * The retention service's tables live in its own Postgres schema `retention`: no other service
 * reads them (services talk over NATS only). Append new migrations; never edit applied ones.
 */
export const retentionMigrations: readonly ServiceMigration[] = [
  { name: '0001_schema', up: 'CREATE SCHEMA IF NOT EXISTS retention' },
];

import type { ServiceMigration } from '@holdfast/service-kit';

/**
 * The recovery service's tables live in its own Postgres schema `recovery`: no other service
 * reads them (services talk over NATS only). Append new migrations; never edit applied ones.
 */
export const recoveryMigrations: readonly ServiceMigration[] = [
  { name: '0001_schema', up: 'CREATE SCHEMA IF NOT EXISTS recovery' },
];

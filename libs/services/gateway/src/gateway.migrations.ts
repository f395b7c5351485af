import type { ServiceMigration } from '@holdfast/service-kit';
import { accessMigrations } from './identity/identity.migrations';

/**
 * The gateway's tables live in its own Postgres schema `gateway`. Append new migrations;
 * never edit applied ones.
 */
export const gatewayMigrations: readonly ServiceMigration[] = [
  { name: '0001_schema', up: 'CREATE SCHEMA IF NOT EXISTS gateway' },
  {
    name: '0002_api_tokens',
    // only the SHA-256 of a token is stored; tenant_id NULL = installation-wide administrator
    up: `CREATE TABLE gateway.api_tokens (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            name text NOT NULL,
            role text NOT NULL,
            tenant_id text,
            token_hash text NOT NULL UNIQUE,
            created_at timestamptz NOT NULL DEFAULT now(),
            revoked_at timestamptz
          )`,
  },
  // users, sessions, tenants, audit log (numbered from 0100)
  ...accessMigrations,
];

import type { ServiceMigration } from '@holdfast/service-kit';

/**
 * The inventory service's tables live in its own Postgres schema `inventory`: no other service
 * reads them (services talk over NATS only). Append new migrations; never edit applied ones.
 */
export const inventoryMigrations: readonly ServiceMigration[] = [
  { name: '0001_schema', up: 'CREATE SCHEMA IF NOT EXISTS inventory' },
  {
    name: '0002_inventory',
    up: `
      -- what the last sync saw (the sync's own state, for diffing)
      CREATE TABLE inventory.known_objects (
        organization_id uuid NOT NULL,
        kind text NOT NULL,
        object_id text NOT NULL,
        tenant_id text NOT NULL,
        fingerprint text NOT NULL,
        name text NOT NULL,
        PRIMARY KEY (organization_id, kind, object_id)
      );
      -- projection inventory.organizations: connected organizations and their sync schedule
      CREATE TABLE inventory.organizations (
        organization_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        display_name text NOT NULL,
        services text[] NOT NULL,
        removed boolean NOT NULL DEFAULT false
      );
      CREATE TABLE inventory.sync_schedule (
        organization_id uuid PRIMARY KEY,
        next_sync_at timestamptz NOT NULL,
        last_sync_at timestamptz,
        last_status text
      );
      -- projection inventory.objects: the searchable read model
      CREATE TABLE inventory.objects (
        tenant_id text NOT NULL,
        organization_id uuid NOT NULL,
        kind text NOT NULL,
        object_id text NOT NULL,
        name text NOT NULL,
        address text,
        licensed boolean,
        mailbox text,
        one_drive boolean,
        parent_id text,
        channels integer,
        protected boolean NOT NULL DEFAULT false,
        first_seen_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (organization_id, kind, object_id)
      );
      CREATE INDEX objects_tenant_org_kind ON inventory.objects (tenant_id, organization_id, kind);
      CREATE INDEX objects_name ON inventory.objects (tenant_id, lower(name));`,
  },
];

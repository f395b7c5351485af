import type { ServiceMigration } from '@holdfast/service-kit';

/**
 * The auth service's tables live in its own Postgres schema `auth`: no other service
 * reads them (services talk over NATS only). Append new migrations; never edit applied ones.
 */
export const authMigrations: readonly ServiceMigration[] = [
  { name: '0001_schema', up: 'CREATE SCHEMA IF NOT EXISTS auth' },
  {
    name: '0002_organizations',
    // data keys are wrapped by the master key; credentials are encrypted by the tenant's data key
    up: `
      CREATE TABLE auth.data_keys (
        tenant_id text PRIMARY KEY,
        wrapped_key text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE auth.organizations (
        id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        display_name text NOT NULL,
        m365_tenant_id text NOT NULL,
        cloud text NOT NULL,
        services text[] NOT NULL,
        authority_host text,
        graph_endpoint text,
        onboarding text NOT NULL,
        connected_at timestamptz NOT NULL,
        removed_at timestamptz
      );
      CREATE UNIQUE INDEX organizations_active_m365_tenant ON auth.organizations (tenant_id, lower(m365_tenant_id)) WHERE removed_at IS NULL;
      CREATE INDEX organizations_tenant ON auth.organizations (tenant_id) WHERE removed_at IS NULL;
      CREATE TABLE auth.applications (
        organization_id uuid NOT NULL REFERENCES auth.organizations (id) ON DELETE CASCADE,
        client_id text NOT NULL,
        tenant_id text NOT NULL,
        credential_kind text NOT NULL,
        credential_ciphertext text NOT NULL,
        credential_expires_at timestamptz,
        certificate_thumbprint text,
        granted text[] NOT NULL DEFAULT '{}',
        missing text[] NOT NULL DEFAULT '{}',
        checked_at timestamptz,
        added_at timestamptz NOT NULL,
        rotated_at timestamptz,
        PRIMARY KEY (organization_id, client_id)
      );`,
  },
];

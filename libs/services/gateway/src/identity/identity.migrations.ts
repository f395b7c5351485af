import type { ServiceMigration } from '@holdfast/service-kit';

/**
 * Users, sessions, tenants and the audit log (schema `gateway`). Numbered from 0100 so they
 * never collide with the gateway's other migrations; append, never edit.
 */
export const accessMigrations: readonly ServiceMigration[] = [
  {
    name: '0100_tenants_users_sessions',
    up: `
      CREATE TABLE gateway.tenants (
        id text PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX tenants_name_uq ON gateway.tenants (lower(name));
      CREATE TABLE gateway.users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        display_name text NOT NULL,
        password_hash text NOT NULL,
        role text NOT NULL,
        tenant_id text REFERENCES gateway.tenants(id),
        disabled boolean NOT NULL DEFAULT false,
        totp_secret text,
        totp_enabled boolean NOT NULL DEFAULT false,
        totp_last_counter bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX users_email_uq ON gateway.users (lower(email));
      CREATE TABLE gateway.user_tenants (
        user_id uuid NOT NULL REFERENCES gateway.users(id) ON DELETE CASCADE,
        tenant_id text NOT NULL REFERENCES gateway.tenants(id),
        PRIMARY KEY (user_id, tenant_id)
      );
      CREATE TABLE gateway.recovery_codes (
        user_id uuid NOT NULL REFERENCES gateway.users(id) ON DELETE CASCADE,
        code_hash text NOT NULL,
        used_at timestamptz,
        PRIMARY KEY (user_id, code_hash)
      );
      CREATE TABLE gateway.sessions (
        id_hash text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES gateway.users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        idle_expires_at timestamptz NOT NULL,
        absolute_expires_at timestamptz NOT NULL,
        ip text,
        user_agent text,
        revoked_at timestamptz
      );
      CREATE INDEX sessions_user_idx ON gateway.sessions (user_id);
      CREATE TABLE gateway.login_attempts (
        id bigserial PRIMARY KEY,
        email text NOT NULL,
        ip text,
        succeeded boolean NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX login_attempts_email_idx ON gateway.login_attempts (lower(email), at);
      CREATE INDEX login_attempts_ip_idx ON gateway.login_attempts (ip, at);
      ALTER TABLE gateway.api_tokens ADD COLUMN user_id uuid REFERENCES gateway.users(id) ON DELETE CASCADE;
    `,
  },
  {
    name: '0101_audit_log',
    // append-only: a trigger refuses UPDATE, DELETE and TRUNCATE, whoever asks
    up: `
      CREATE TABLE gateway.audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_kind text NOT NULL,
        actor_id text,
        actor_name text NOT NULL,
        actor_role text,
        action text NOT NULL,
        tenant_id text,
        target text,
        outcome text NOT NULL,
        status integer,
        ip text,
        user_agent text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb
      );
      CREATE INDEX audit_log_at_idx ON gateway.audit_log (at);
      CREATE INDEX audit_log_tenant_idx ON gateway.audit_log (tenant_id, at);
      CREATE INDEX audit_log_actor_idx ON gateway.audit_log (actor_name, at);
      CREATE INDEX audit_log_action_idx ON gateway.audit_log (action, at);
      CREATE FUNCTION gateway.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'gateway.audit_log is append-only';
      END $$;
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON gateway.audit_log
        FOR EACH ROW EXECUTE FUNCTION gateway.audit_log_append_only();
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON gateway.audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION gateway.audit_log_append_only();
    `,
  },
];

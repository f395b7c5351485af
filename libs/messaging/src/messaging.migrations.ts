import type { MigrationModule } from '@holdfast/event-store';

/**
 * The tables messaging owns, as migrations any runner applies in order:
 * `runMigrations(databaseUrl, [eventStoreMigrations, messagingMigrations])`.
 *
 * - messaging_inbox: one row per (consumer, event) handled; written in the handler's
 *   transaction so a redelivered event has no second effect.
 * - dead_letters: messages given up on (poison, non-retryable, foreign), one row per
 *   consumer and message id.
 * - messaging_relay_checkpoints: the outbox relay's position in the global log.
 * - messaging_installation: the id stamped on every message of this installation.
 */
export const messagingMigrations: MigrationModule = {
  module: 'messaging',
  migrations: [
    {
      name: '0001_inbox',
      up: `
CREATE TABLE IF NOT EXISTS messaging_inbox (
  consumer     text        NOT NULL,
  event_id     text        NOT NULL,
  tenant_id    text        NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
CREATE INDEX IF NOT EXISTS messaging_inbox_processed_at_idx ON messaging_inbox (processed_at);`,
    },
    {
      name: '0002_dead_letters',
      up: `
CREATE TABLE IF NOT EXISTS dead_letters (
  id          bigserial   PRIMARY KEY,
  consumer    text        NOT NULL,
  subject     text        NOT NULL,
  message_id  text        NOT NULL,
  tenant_id   text,
  reason      text        NOT NULL,
  detail      text,
  deliveries  integer     NOT NULL,
  headers     jsonb       NOT NULL DEFAULT '{}'::jsonb,
  payload     bytea       NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (consumer, message_id)
);
CREATE INDEX IF NOT EXISTS dead_letters_tenant_idx ON dead_letters (tenant_id, recorded_at);`,
    },
    {
      name: '0003_relay_checkpoints',
      up: `
CREATE TABLE IF NOT EXISTS messaging_relay_checkpoints (
  relay      text        PRIMARY KEY,
  position   bigint      NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);`,
    },
    {
      name: '0004_installation',
      up: `
CREATE TABLE IF NOT EXISTS messaging_installation (
  singleton       boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
  installation_id text        NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);`,
    },
  ],
};

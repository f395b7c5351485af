import type { MigrationModule } from '../migrations/run-migrations';

/** Channel the store NOTIFYs on commit of an append; projection runners LISTEN to wake early. */
export const EVENTS_NOTIFY_CHANNEL = 'holdfast_events';

/**
 * Tables of the event store and of projection checkpoints. Every service that appends or
 * projects runs these (with its own module) through runMigrations at start.
 */
export const eventStoreMigrations: MigrationModule = {
  module: 'event-store',
  migrations: [
    {
      name: '0001_create_events',
      up: `
        CREATE TABLE streams (
          stream_id           text        PRIMARY KEY,
          tenant_id           text        NOT NULL,
          version             bigint      NOT NULL,
          -- xid of the last appending transaction: keeps versions ascending in log order
          last_transaction_id xid8        NOT NULL,
          created_at          timestamptz NOT NULL DEFAULT now(),
          updated_at          timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE events (
          global_position bigserial   PRIMARY KEY,
          stream_id       text        NOT NULL,
          stream_version  bigint      NOT NULL,
          tenant_id       text        NOT NULL,
          event_id        uuid        NOT NULL UNIQUE,
          type            text        NOT NULL,
          schema_version  integer     NOT NULL,
          data            jsonb       NOT NULL,
          metadata        jsonb       NOT NULL,
          recorded_at     timestamptz NOT NULL DEFAULT now(),
          transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
          UNIQUE (stream_id, stream_version)
        );
        -- log order for gap-safe global reads
        CREATE INDEX events_log_order ON events (transaction_id, global_position);
        CREATE INDEX events_tenant_log_order ON events (tenant_id, transaction_id, global_position);
        CREATE INDEX events_type ON events (type, transaction_id, global_position);
      `,
    },
    {
      name: '0002_create_projection_checkpoints',
      up: `
        CREATE TABLE projection_checkpoints (
          name       text        PRIMARY KEY,
          -- global_position of the last event applied (a readAll cursor); 0 = nothing yet
          position   bigint      NOT NULL DEFAULT 0,
          updated_at timestamptz NOT NULL DEFAULT now()
        );
      `,
    },
  ],
};

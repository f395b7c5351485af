import type { ServiceMigration } from '@holdfast/service-kit';

/**
 * The catalog service's tables live in its own Postgres schema `catalog`: no other service
 * reads them (services talk over NATS only). Append new migrations; never edit applied ones.
 *
 * `catalog.items` holds one row per VERSION of an item with the range of point times it is
 * present in (`first_time`..`last_time`, inclusive): an item unchanged across 365 points is
 * one row, so the catalog grows with changes, not with points. An item is in point P of its
 * mailbox exactly when a row of that mailbox has `first_time <= P.point_time <= last_time`.
 */
export const catalogMigrations: readonly ServiceMigration[] = [
  { name: '0001_schema', up: 'CREATE SCHEMA IF NOT EXISTS catalog' },
  {
    name: '0002_points_items',
    up: `
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
      CREATE TABLE catalog.points (
        tenant_id        text        NOT NULL,
        organization_id  text        NOT NULL,
        object_id        text        NOT NULL,
        mailbox          text        NOT NULL,
        point_id         text        NOT NULL,
        point_time       timestamptz NOT NULL,
        item_count       integer     NOT NULL,
        indexed_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, point_id),
        UNIQUE (tenant_id, object_id, point_time)
      );
      CREATE INDEX points_org_idx ON catalog.points (tenant_id, organization_id, mailbox);
      CREATE TABLE catalog.items (
        id                  bigserial   PRIMARY KEY,
        tenant_id           text        NOT NULL,
        organization_id     text        NOT NULL,
        object_id           text        NOT NULL,
        item_id             text        NOT NULL,
        version_hash        text        NOT NULL,
        first_time          timestamptz NOT NULL,
        last_time           timestamptz NOT NULL,
        item_type           text        NOT NULL,
        folder_path         text        NOT NULL,
        subject             text,
        sender              text,
        recipients          text[]      NOT NULL DEFAULT '{}',
        sent_at             timestamptz,
        received_at         timestamptz,
        created_at          timestamptz,
        modified_at         timestamptz,
        item_date           timestamptz,
        size                bigint      NOT NULL DEFAULT 0,
        has_attachments     boolean     NOT NULL DEFAULT false,
        attachment_names    text[]      NOT NULL DEFAULT '{}',
        body_text           text,
        content_ref         text,
        internet_message_id text,
        restore             jsonb       NOT NULL DEFAULT '{}',
        address_text        text        NOT NULL DEFAULT '',
        attachment_text     text        NOT NULL DEFAULT '',
        search_text         text        NOT NULL DEFAULT '',
        tsv tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('simple'::regconfig, coalesce(subject, '')), 'A') ||
          setweight(to_tsvector('simple'::regconfig, coalesce(sender, '') || ' ' || address_text), 'B') ||
          setweight(to_tsvector('simple'::regconfig, attachment_text), 'B') ||
          setweight(to_tsvector('simple'::regconfig, coalesce(body_text, '')), 'C')
        ) STORED,
        CHECK (first_time <= last_time),
        UNIQUE (tenant_id, object_id, item_id, version_hash, first_time)
      );
      CREATE INDEX items_version_idx ON catalog.items (tenant_id, object_id, item_id, version_hash, last_time);
      CREATE INDEX items_range_idx ON catalog.items (tenant_id, object_id, last_time, first_time);
      CREATE INDEX items_folder_idx ON catalog.items (tenant_id, object_id, folder_path, item_date DESC, id DESC);
      CREATE INDEX items_content_idx ON catalog.items (tenant_id, object_id, content_ref);
      CREATE INDEX items_org_idx ON catalog.items (tenant_id, organization_id);
      CREATE INDEX items_tsv_idx ON catalog.items USING gin (tsv);
      CREATE INDEX items_trgm_idx ON catalog.items USING gin (search_text gin_trgm_ops);
    `,
  },
];

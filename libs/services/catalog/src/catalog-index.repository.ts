import { HoldfastError } from '@holdfast/contracts';
import type { Pool, PoolClient } from 'pg';
import { normalizeCatalogItem, type CatalogItemInput, type CatalogPointInput, type NormalizedCatalogItem } from './catalog-item';

export interface IndexPointResult {
  pointId: string;
  /** false when the point was indexed before (nothing changed). */
  indexed: boolean;
  items: number;
  /** Versions not seen in the neighbouring points (new rows). */
  newVersions: number;
}

const BATCH = 500;

function itemDateOf(n: NormalizedCatalogItem): string | null {
  return n.receivedAt ?? n.sentAt ?? n.createdAt ?? n.modifiedAt;
}

/**
 * Writes recovery points into the catalog. Each point is indexed in one transaction,
 * serialized per mailbox; a point indexed before is left alone (idempotent). Points may
 * arrive in any time order: ranges are extended, merged or split so that an item is in
 * point P exactly when one of its rows covers P's time.
 */
export class CatalogIndexRepository {
  constructor(private readonly pool: Pool) {}

  async indexPoint(point: CatalogPointInput, items: AsyncIterable<CatalogItemInput> | Iterable<CatalogItemInput>): Promise<IndexPointResult> {
    for (const k of ['tenantId', 'organizationId', 'objectId', 'mailbox', 'pointId', 'pointTime'] as const) {
      if (!point[k]) throw new HoldfastError('validation_failed', `recovery point: ${k} is required`);
    }
    const t = Date.parse(point.pointTime);
    if (Number.isNaN(t)) throw new HoldfastError('validation_failed', `recovery point: pointTime "${point.pointTime}" is not a date`);
    const pointTime = new Date(t).toISOString();
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [point.tenantId, point.objectId]);
      const existing = await client.query<{ item_count: number }>('SELECT item_count FROM catalog.points WHERE tenant_id = $1 AND point_id = $2', [
        point.tenantId,
        point.pointId,
      ]);
      if (existing.rowCount) {
        await client.query('ROLLBACK');
        return { pointId: point.pointId, indexed: false, items: existing.rows[0].item_count, newVersions: 0 };
      }
      const clash = await client.query('SELECT point_id FROM catalog.points WHERE tenant_id = $1 AND object_id = $2 AND point_time = $3', [
        point.tenantId,
        point.objectId,
        pointTime,
      ]);
      if (clash.rowCount) {
        throw new HoldfastError('conflict', `recovery point ${point.pointId}: mailbox ${point.objectId} already has point ${clash.rows[0].point_id} at ${pointTime}`);
      }
      await client.query(`
        CREATE TEMP TABLE catalog_stage (LIKE catalog.items INCLUDING DEFAULTS EXCLUDING CONSTRAINTS EXCLUDING INDEXES EXCLUDING GENERATED) ON COMMIT DROP`);
      await client.query('ALTER TABLE catalog_stage DROP COLUMN id, DROP COLUMN tsv');
      const count = await this.stage(client, point, pointTime, items);
      const newVersions = await this.mergeRanges(client, point, pointTime);
      await client.query(
        `INSERT INTO catalog.points (tenant_id, organization_id, object_id, mailbox, point_id, point_time, item_count) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
        [point.tenantId, point.organizationId, point.objectId, point.mailbox, point.pointId, pointTime, count],
      );
      await client.query('COMMIT');
      return { pointId: point.pointId, indexed: true, items: count, newVersions };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private async stage(client: PoolClient, point: CatalogPointInput, pointTime: string, items: AsyncIterable<CatalogItemInput> | Iterable<CatalogItemInput>): Promise<number> {
    let batch: NormalizedCatalogItem[] = [];
    let count = 0;
    const flush = async () => {
      if (!batch.length) return;
      const cols: unknown[][] = Array.from({ length: 21 }, () => []);
      for (const n of batch) {
        const row = [
          n.itemId,
          n.versionHash,
          n.itemType,
          n.folderPath,
          n.subject,
          n.sender,
          JSON.stringify(n.recipients),
          n.sentAt,
          n.receivedAt,
          n.createdAt,
          n.modifiedAt,
          itemDateOf(n),
          n.size,
          n.hasAttachments,
          JSON.stringify(n.attachmentNames),
          n.bodyText,
          n.contentRef,
          n.internetMessageId,
          JSON.stringify(n.restore),
          n.recipients.join(' '),
          n.attachmentNames.join(' '),
        ];
        row.forEach((v, i) => cols[i].push(v));
      }
      await client.query(
        `INSERT INTO catalog_stage (tenant_id, organization_id, object_id, first_time, last_time,
           item_id, version_hash, item_type, folder_path, subject, sender, recipients, sent_at, received_at, created_at, modified_at,
           item_date, size, has_attachments, attachment_names, body_text, content_ref, internet_message_id, restore, address_text, attachment_text, search_text)
         SELECT $1, $2, $3, $4, $4,
           u.item_id, u.version_hash, u.item_type, u.folder_path, u.subject, u.sender,
           ARRAY(SELECT jsonb_array_elements_text(u.recipients::jsonb)), u.sent_at, u.received_at, u.created_at, u.modified_at,
           u.item_date, u.size, u.has_attachments, ARRAY(SELECT jsonb_array_elements_text(u.attachment_names::jsonb)), u.body_text, u.content_ref,
           u.internet_message_id, u.restore::jsonb, u.address_text, u.attachment_text,
           concat_ws(E'\\n', u.subject, u.sender, u.address_text, u.attachment_text, u.body_text)
         FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::timestamptz[], $13::timestamptz[],
                     $14::timestamptz[], $15::timestamptz[], $16::timestamptz[], $17::bigint[], $18::boolean[], $19::text[], $20::text[], $21::text[],
                     $22::text[], $23::text[], $24::text[], $25::text[])
           AS u(item_id, version_hash, item_type, folder_path, subject, sender, recipients, sent_at, received_at, created_at, modified_at,
                item_date, size, has_attachments, attachment_names, body_text, content_ref, internet_message_id, restore, address_text, attachment_text)`,
        [point.tenantId, point.organizationId, point.objectId, pointTime, ...cols],
      );
      batch = [];
    };
    for await (const item of items as AsyncIterable<CatalogItemInput>) {
      const n = normalizeCatalogItem(item);
      batch.push(n);
      count++;
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    // the same version listed twice in one manifest counts once
    await client.query(`DELETE FROM catalog_stage a USING catalog_stage b
      WHERE a.item_id = b.item_id AND a.version_hash = b.version_hash AND a.ctid > b.ctid`);
    await client.query('CREATE INDEX ON catalog_stage (item_id, version_hash)');
    await client.query('ANALYZE catalog_stage');
    return count;
  }

  /** Fits the staged versions into the mailbox's ranges; returns how many new rows were needed. */
  private async mergeRanges(client: PoolClient, point: CatalogPointInput, t: string): Promise<number> {
    const p = [point.tenantId, point.objectId];
    const nb = await client.query<{ prev: Date | null; next: Date | null }>(
      `SELECT (SELECT max(point_time) FROM catalog.points WHERE tenant_id = $1 AND object_id = $2 AND point_time < $3) AS prev,
              (SELECT min(point_time) FROM catalog.points WHERE tenant_id = $1 AND object_id = $2 AND point_time > $3) AS next`,
      [...p, t],
    );
    const prev = nb.rows[0].prev?.toISOString() ?? null;
    const next = nb.rows[0].next?.toISOString() ?? null;
    const inStage = `EXISTS (SELECT 1 FROM catalog_stage s WHERE s.item_id = i.item_id AND s.version_hash = i.version_hash)`;
    if (prev && next) {
      // rows spanning the new point whose version is not in it: split around it
      const spanning = `i.tenant_id = $1 AND i.object_id = $2 AND i.first_time <= $3 AND i.last_time >= $4 AND NOT ${inStage}`;
      await client.query(
        `INSERT INTO catalog.items (tenant_id, organization_id, object_id, item_id, version_hash, first_time, last_time, item_type, folder_path,
           subject, sender, recipients, sent_at, received_at, created_at, modified_at, item_date, size, has_attachments, attachment_names,
           body_text, content_ref, internet_message_id, restore, address_text, attachment_text, search_text)
         SELECT tenant_id, organization_id, object_id, item_id, version_hash, $4, last_time, item_type, folder_path,
           subject, sender, recipients, sent_at, received_at, created_at, modified_at, item_date, size, has_attachments, attachment_names,
           body_text, content_ref, internet_message_id, restore, address_text, attachment_text, search_text
         FROM catalog.items i WHERE ${spanning}`,
        [...p, prev, next],
      );
      await client.query(`UPDATE catalog.items i SET last_time = $3 WHERE ${spanning}`, [...p, prev, next]);
    }
    if (prev) {
      await client.query(`UPDATE catalog.items i SET last_time = $4 WHERE i.tenant_id = $1 AND i.object_id = $2 AND i.last_time = $3 AND ${inStage}`, [
        ...p,
        prev,
        t,
      ]);
    }
    if (next) {
      // a row now ending at t and a row starting at next with the same version become one
      await client.query(
        `WITH gone AS (
           DELETE FROM catalog.items n USING catalog.items m
           WHERE n.tenant_id = $1 AND n.object_id = $2 AND n.first_time = $4
             AND m.tenant_id = $1 AND m.object_id = $2 AND m.last_time = $3
             AND m.item_id = n.item_id AND m.version_hash = n.version_hash
           RETURNING m.id AS keep, n.last_time AS last_time)
         UPDATE catalog.items i SET last_time = gone.last_time FROM gone WHERE i.id = gone.keep`,
        [...p, t, next],
      );
      await client.query(`UPDATE catalog.items i SET first_time = $3 WHERE i.tenant_id = $1 AND i.object_id = $2 AND i.first_time = $4 AND ${inStage}`, [
        ...p,
        t,
        next,
      ]);
    }
    const inserted = await client.query(
      `INSERT INTO catalog.items (tenant_id, organization_id, object_id, item_id, version_hash, first_time, last_time, item_type, folder_path,
         subject, sender, recipients, sent_at, received_at, created_at, modified_at, item_date, size, has_attachments, attachment_names,
         body_text, content_ref, internet_message_id, restore, address_text, attachment_text, search_text)
       SELECT tenant_id, organization_id, object_id, item_id, version_hash, first_time, last_time, item_type, folder_path,
         subject, sender, recipients, sent_at, received_at, created_at, modified_at, item_date, size, has_attachments, attachment_names,
         body_text, content_ref, internet_message_id, restore, address_text, attachment_text, search_text
       FROM catalog_stage s
       WHERE NOT EXISTS (SELECT 1 FROM catalog.items i WHERE i.tenant_id = $1 AND i.object_id = $2 AND i.item_id = s.item_id
                           AND i.version_hash = s.version_hash AND i.first_time <= $3 AND i.last_time >= $3)`,
      [...p, t],
    );
    return inserted.rowCount ?? 0;
  }

  /** Fields already extracted from these content refs of a mailbox (MIME need not be parsed again). */
  async knownContent(tenantId: string, objectId: string, refs: string[]): Promise<Map<string, Partial<CatalogItemInput>>> {
    const r = await this.pool.query(
      `SELECT DISTINCT ON (content_ref) content_ref, sender, recipients, sent_at, body_text, attachment_names, has_attachments, internet_message_id
       FROM catalog.items WHERE tenant_id = $1 AND object_id = $2 AND content_ref = ANY($3::text[]) AND item_type = 'message'
       ORDER BY content_ref, id DESC`,
      [tenantId, objectId, refs],
    );
    return new Map(
      r.rows.map((x) => [
        x.content_ref as string,
        {
          ...(x.sender ? { from: x.sender as string } : {}),
          to: x.recipients as string[],
          ...(x.sent_at ? { sentAt: (x.sent_at as Date).toISOString() } : {}),
          ...(x.body_text ? { bodyText: x.body_text as string } : {}),
          attachmentNames: x.attachment_names as string[],
          hasAttachments: x.has_attachments as boolean,
          ...(x.internet_message_id ? { internetMessageId: x.internet_message_id as string } : {}),
        },
      ]),
    );
  }

  /**
   * Removes an expired recovery point: ranges that started or ended at it shrink to the
   * nearest remaining point inside them; rows left with no point are deleted.
   */
  async forgetPoint(tenantId: string, pointId: string): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const found = await client.query<{ object_id: string; point_time: Date }>(
        'SELECT object_id, point_time FROM catalog.points WHERE tenant_id = $1 AND point_id = $2',
        [tenantId, pointId],
      );
      if (!found.rowCount) {
        await client.query('ROLLBACK');
        return false;
      }
      const { object_id: objectId, point_time: time } = found.rows[0];
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [tenantId, objectId]);
      await client.query('DELETE FROM catalog.points WHERE tenant_id = $1 AND point_id = $2', [tenantId, pointId]);
      const p = [tenantId, objectId, time];
      await client.query(
        `UPDATE catalog.items i SET first_time = coalesce((SELECT min(point_time) FROM catalog.points pt WHERE pt.tenant_id = $1 AND pt.object_id = $2
            AND pt.point_time > $3 AND pt.point_time <= i.last_time), i.first_time)
         WHERE i.tenant_id = $1 AND i.object_id = $2 AND i.first_time = $3`,
        p,
      );
      await client.query(
        `UPDATE catalog.items i SET last_time = coalesce((SELECT max(point_time) FROM catalog.points pt WHERE pt.tenant_id = $1 AND pt.object_id = $2
            AND pt.point_time < $3 AND pt.point_time >= i.first_time), i.last_time)
         WHERE i.tenant_id = $1 AND i.object_id = $2 AND i.last_time = $3`,
        p,
      );
      await client.query(
        `DELETE FROM catalog.items i WHERE i.tenant_id = $1 AND i.object_id = $2 AND i.first_time <= $3 AND i.last_time >= $3
           AND NOT EXISTS (SELECT 1 FROM catalog.points pt WHERE pt.tenant_id = $1 AND pt.object_id = $2
                             AND pt.point_time BETWEEN i.first_time AND i.last_time)`,
        p,
      );
      await client.query('COMMIT');
      return true;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

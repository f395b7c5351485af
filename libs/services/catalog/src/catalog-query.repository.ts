import { HoldfastError } from '@holdfast/contracts';
import type { Pool } from 'pg';
import type { CatalogItemType, RestoreProperties } from './catalog-item';
import { normalizeFolderPath } from './catalog-item';

export interface CatalogMailbox {
  organizationId: string;
  objectId: string;
  mailbox: string;
  points: number;
  firstPointTime: string;
  lastPointTime: string;
}

export interface CatalogPoint {
  pointId: string;
  organizationId: string;
  objectId: string;
  mailbox: string;
  pointTime: string;
  itemCount: number;
}

export interface CatalogFolder {
  path: string;
  name: string;
  depth: number;
  /** Items directly in the folder. */
  itemCount: number;
  /** Items in the folder and below. */
  totalCount: number;
}

export interface CatalogItemSummary {
  /** Catalog row id (one version of an item). */
  id: string;
  itemId: string;
  organizationId: string;
  objectId: string;
  itemType: CatalogItemType;
  folderPath: string;
  subject: string | null;
  from: string | null;
  recipients: string[];
  date: string | null;
  size: number;
  hasAttachments: boolean;
  attachmentNames: string[];
  /** First and last point time this version is present in. */
  firstPointTime: string;
  lastPointTime: string;
  rank?: number;
}

export interface CatalogItemDetail extends CatalogItemSummary {
  sentAt: string | null;
  receivedAt: string | null;
  createdAt: string | null;
  modifiedAt: string | null;
  contentRef: string | null;
  internetMessageId: string | null;
  restore: RestoreProperties;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** Which point: by id, or the latest at or before a time. */
export interface PointSelector {
  objectId: string;
  pointId?: string;
  asOf?: string;
}

export type ItemSort = 'date' | 'subject' | 'size';

export interface ListItemsQuery extends PointSelector {
  folderPath: string;
  includeSubfolders?: boolean;
  sort?: ItemSort;
  order?: 'asc' | 'desc';
  limit?: number;
  cursor?: string;
}

export interface SearchQuery {
  /** Scope: an org, a mailbox (all its points), or one point of a mailbox. */
  organizationId?: string;
  objectId?: string;
  pointId?: string;
  asOf?: string;
  /** Words or parts of words, matched in subject, addresses, attachment names and body. */
  text?: string;
  subject?: string;
  from?: string;
  to?: string;
  attachmentName?: string;
  body?: string;
  folderPath?: string;
  includeSubfolders?: boolean;
  itemType?: CatalogItemType;
  hasAttachments?: boolean;
  dateFrom?: string;
  dateTo?: string;
  limit?: number;
  cursor?: string;
}

const MAX_LIMIT = 500;

const SUMMARY_COLUMNS = `i.id, i.item_id, i.organization_id, i.object_id, i.item_type, i.folder_path, i.subject, i.sender, i.recipients,
  i.item_date, i.size, i.has_attachments, i.attachment_names, i.first_time, i.last_time`;

interface SummaryRow {
  id: string;
  item_id: string;
  organization_id: string;
  object_id: string;
  item_type: CatalogItemType;
  folder_path: string;
  subject: string | null;
  sender: string | null;
  recipients: string[];
  item_date: Date | null;
  size: string;
  has_attachments: boolean;
  attachment_names: string[];
  first_time: Date;
  last_time: Date;
  rank?: number;
}

function toSummary(r: SummaryRow): CatalogItemSummary {
  const s: CatalogItemSummary = {
    id: String(r.id),
    itemId: r.item_id,
    organizationId: r.organization_id,
    objectId: r.object_id,
    itemType: r.item_type,
    folderPath: r.folder_path,
    subject: r.subject,
    from: r.sender,
    recipients: r.recipients,
    date: r.item_date?.toISOString() ?? null,
    size: Number(r.size),
    hasAttachments: r.has_attachments,
    attachmentNames: r.attachment_names,
    firstPointTime: r.first_time.toISOString(),
    lastPointTime: r.last_time.toISOString(),
  };
  if (r.rank !== undefined) s.rank = Number(r.rank);
  return s;
}

export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string, length: number): unknown[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === length) return v;
  } catch {
    // falls through
  }
  throw new HoldfastError('validation_failed', 'cursor is not valid for this query');
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined) return 50;
  if (!Number.isInteger(limit) || limit < 1) throw new HoldfastError('validation_failed', 'limit must be a positive integer');
  return Math.min(limit, MAX_LIMIT);
}

/** Escapes LIKE wildcards so user text matches literally. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Splits search text into terms (quoted phrases stay together). */
export function searchTerms(text: string | undefined): string[] {
  if (!text) return [];
  const terms: string[] = [];
  const re = /"([^"]+)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const t = (m[1] ?? m[2]).trim();
    if (t) terms.push(t);
  }
  return terms;
}

/** A tsquery OR-ing the prefix of every word in the terms, for ranking only; '' when none. */
export function rankQuery(terms: string[]): string {
  const words = terms.flatMap((t) => t.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
  return [...new Set(words)].map((w) => `${w}:*`).join(' | ');
}

function iso(v: string, what: string): string {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new HoldfastError('validation_failed', `${what} "${v}" is not a date`);
  return new Date(t).toISOString();
}

/** Reads the catalog: every query is scoped to one MSP tenant. */
export class CatalogQueryRepository {
  constructor(private readonly pool: Pool) {}

  async listMailboxes(tenantId: string, organizationId?: string): Promise<CatalogMailbox[]> {
    const r = await this.pool.query<{ organization_id: string; object_id: string; mailbox: string; points: string; first: Date; last: Date }>(
      `SELECT organization_id, object_id, (array_agg(mailbox ORDER BY point_time DESC))[1] AS mailbox, count(*) AS points,
              min(point_time) AS first, max(point_time) AS last
       FROM catalog.points WHERE tenant_id = $1 AND ($2::text IS NULL OR organization_id = $2)
       GROUP BY organization_id, object_id ORDER BY 3, 2`,
      [tenantId, organizationId ?? null],
    );
    return r.rows.map((x) => ({
      organizationId: x.organization_id,
      objectId: x.object_id,
      mailbox: x.mailbox,
      points: Number(x.points),
      firstPointTime: x.first.toISOString(),
      lastPointTime: x.last.toISOString(),
    }));
  }

  /** Finds a mailbox by its address (case-insensitive) or object id. */
  async findMailbox(tenantId: string, organizationId: string | undefined, mailboxOrObjectId: string): Promise<CatalogMailbox> {
    const all = await this.listMailboxes(tenantId, organizationId);
    const found = all.filter((m) => m.objectId === mailboxOrObjectId || m.mailbox.toLowerCase() === mailboxOrObjectId.toLowerCase());
    if (!found.length) throw new HoldfastError('not_found', `no backed-up mailbox "${mailboxOrObjectId}"`);
    if (found.length > 1) throw new HoldfastError('validation_failed', `mailbox "${mailboxOrObjectId}" is ambiguous: give the organization`);
    return found[0];
  }

  async listPoints(tenantId: string, objectId: string): Promise<CatalogPoint[]> {
    const r = await this.pool.query(
      `SELECT point_id, organization_id, object_id, mailbox, point_time, item_count FROM catalog.points
       WHERE tenant_id = $1 AND object_id = $2 ORDER BY point_time DESC`,
      [tenantId, objectId],
    );
    return r.rows.map(toPoint);
  }

  /** The point with that id, or the latest at or before `asOf`, or the latest. */
  async resolvePoint(tenantId: string, sel: PointSelector): Promise<CatalogPoint> {
    if (sel.pointId) {
      const r = await this.pool.query(
        `SELECT point_id, organization_id, object_id, mailbox, point_time, item_count FROM catalog.points
         WHERE tenant_id = $1 AND object_id = $2 AND point_id = $3`,
        [tenantId, sel.objectId, sel.pointId],
      );
      if (!r.rowCount) throw new HoldfastError('not_found', `recovery point ${sel.pointId} of mailbox ${sel.objectId} is not in the catalog`);
      return toPoint(r.rows[0]);
    }
    const asOf = sel.asOf ? iso(sel.asOf, 'as-of time') : null;
    const r = await this.pool.query(
      `SELECT point_id, organization_id, object_id, mailbox, point_time, item_count FROM catalog.points
       WHERE tenant_id = $1 AND object_id = $2 AND ($3::timestamptz IS NULL OR point_time <= $3)
       ORDER BY point_time DESC LIMIT 1`,
      [tenantId, sel.objectId, asOf],
    );
    if (!r.rowCount) throw new HoldfastError('not_found', `mailbox ${sel.objectId} has no recovery point${asOf ? ` at or before ${asOf}` : ''}`);
    return toPoint(r.rows[0]);
  }

  /** Every folder of a point (intermediate folders included), sorted by path. */
  async folderTree(tenantId: string, sel: PointSelector): Promise<CatalogFolder[]> {
    const point = await this.resolvePoint(tenantId, sel);
    const r = await this.pool.query<{ folder_path: string; n: string }>(
      `SELECT folder_path, count(*) AS n FROM catalog.items
       WHERE tenant_id = $1 AND object_id = $2 AND first_time <= $3 AND last_time >= $3 GROUP BY folder_path`,
      [tenantId, point.objectId, point.pointTime],
    );
    const folders = new Map<string, CatalogFolder>();
    for (const row of r.rows) {
      const parts = row.folder_path.split('/').filter(Boolean);
      for (let d = 1; d <= parts.length; d++) {
        const path = parts.slice(0, d).join('/');
        let f = folders.get(path);
        if (!f) {
          f = { path, name: parts[d - 1], depth: d, itemCount: 0, totalCount: 0 };
          folders.set(path, f);
        }
        f.totalCount += Number(row.n);
        if (d === parts.length) f.itemCount += Number(row.n);
      }
    }
    return [...folders.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Items of one folder of one point, sorted and paged with a keyset cursor. */
  async listItems(tenantId: string, q: ListItemsQuery): Promise<Page<CatalogItemSummary> & { point: CatalogPoint }> {
    const point = await this.resolvePoint(tenantId, q);
    const limit = clampLimit(q.limit);
    const sort = q.sort ?? 'date';
    const order = q.order ?? (sort === 'subject' ? 'asc' : 'desc');
    if (!['date', 'subject', 'size'].includes(sort)) throw new HoldfastError('validation_failed', `sort must be date, subject or size, not "${sort}"`);
    if (order !== 'asc' && order !== 'desc') throw new HoldfastError('validation_failed', `order must be asc or desc`);
    const key = sort === 'date' ? `coalesce(i.item_date, '-infinity'::timestamptz)` : sort === 'subject' ? `coalesce(i.subject, '')` : 'i.size';
    const keyType = sort === 'date' ? 'timestamptz' : sort === 'subject' ? 'text' : 'bigint';
    const collate = sort === 'subject' ? ' COLLATE "C"' : '';
    const params: unknown[] = [tenantId, point.objectId, point.pointTime];
    const where = [`i.tenant_id = $1`, `i.object_id = $2`, `i.first_time <= $3`, `i.last_time >= $3`];
    addFolderFilter(where, params, q.folderPath, q.includeSubfolders);
    if (q.cursor) {
      const [v, id] = decodeCursor(q.cursor, 2);
      params.push(v, id);
      const cmp = order === 'asc' ? '>' : '<';
      where.push(`(${key}${collate}, i.id) ${cmp} ($${params.length - 1}::${keyType}${collate}, $${params.length}::bigint)`);
    }
    params.push(limit + 1);
    const r = await this.pool.query<SummaryRow & { sort_key: unknown }>(
      `SELECT ${SUMMARY_COLUMNS}, ${key} AS sort_key FROM catalog.items i WHERE ${where.join(' AND ')}
       ORDER BY ${key}${collate} ${order}, i.id ${order} LIMIT $${params.length}`,
      params,
    );
    const rows = r.rows.slice(0, limit);
    const page: Page<CatalogItemSummary> & { point: CatalogPoint } = { point, items: rows.map(toSummary) };
    if (r.rows.length > limit) {
      const last = rows[rows.length - 1];
      const sk = last.sort_key instanceof Date ? (Number.isFinite(last.sort_key.getTime()) ? last.sort_key.toISOString() : '-infinity') : last.sort_key;
      page.nextCursor = encodeCursor([sk, String(last.id)]);
    }
    return page;
  }

  /** Every item of a point (for export and folder restore), in folder then id order. */
  async *itemsOfPoint(tenantId: string, sel: PointSelector & { folderPath?: string; includeSubfolders?: boolean }): AsyncGenerator<CatalogItemDetail> {
    const point = await this.resolvePoint(tenantId, sel);
    let after = '0';
    for (;;) {
      const params: unknown[] = [tenantId, point.objectId, point.pointTime];
      const where = [`i.tenant_id = $1`, `i.object_id = $2`, `i.first_time <= $3`, `i.last_time >= $3`];
      if (sel.folderPath !== undefined) addFolderFilter(where, params, sel.folderPath, sel.includeSubfolders ?? true);
      params.push(after);
      where.push(`i.id > $${params.length}::bigint`);
      const r = await this.pool.query(`SELECT ${DETAIL_COLUMNS} FROM catalog.items i WHERE ${where.join(' AND ')} ORDER BY i.id LIMIT 500`, params);
      if (!r.rowCount) return;
      for (const row of r.rows) yield toDetail(row);
      after = String(r.rows[r.rows.length - 1].id);
    }
  }

  /** One item version with everything a preview, export or restore needs. */
  async getItem(tenantId: string, id: string): Promise<CatalogItemDetail> {
    if (!/^\d+$/.test(id)) throw new HoldfastError('validation_failed', `item id "${id}" is not a catalog id`);
    const r = await this.pool.query(`SELECT ${DETAIL_COLUMNS} FROM catalog.items i WHERE i.tenant_id = $1 AND i.id = $2`, [tenantId, id]);
    if (!r.rowCount) throw new HoldfastError('not_found', `catalog item ${id} not found`);
    return toDetail(r.rows[0]);
  }

  /** Ranked search, paged with a (rank, id) keyset cursor. */
  async search(tenantId: string, q: SearchQuery): Promise<Page<CatalogItemSummary>> {
    const limit = clampLimit(q.limit);
    const params: unknown[] = [tenantId];
    const where = ['i.tenant_id = $1'];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (q.pointId || q.asOf) {
      if (!q.objectId) throw new HoldfastError('validation_failed', 'searching one point needs the mailbox');
      const point = await this.resolvePoint(tenantId, { objectId: q.objectId, pointId: q.pointId, asOf: q.asOf });
      where.push(`i.object_id = ${p(point.objectId)}`, `i.first_time <= ${p(point.pointTime)}::timestamptz`, `i.last_time >= $${params.length}::timestamptz`);
    } else if (q.objectId) {
      where.push(`i.object_id = ${p(q.objectId)}`);
    } else if (q.organizationId) {
      where.push(`i.organization_id = ${p(q.organizationId)}`);
    } else {
      throw new HoldfastError('validation_failed', 'search needs a scope: an organization, a mailbox or a point');
    }
    if (q.objectId && q.organizationId) where.push(`i.organization_id = ${p(q.organizationId)}`);
    const terms = searchTerms(q.text);
    for (const t of terms) where.push(`i.search_text ILIKE ${p(likePattern(t))}`);
    const fieldFilters: [string | undefined, string][] = [
      [q.subject, `coalesce(i.subject, '')`],
      [q.from, `coalesce(i.sender, '')`],
      [q.to, 'i.address_text'],
      [q.attachmentName, 'i.attachment_text'],
      [q.body, `coalesce(i.body_text, '')`],
    ];
    for (const [value, column] of fieldFilters) {
      if (!value) continue;
      const pat = p(likePattern(value));
      // the search_text condition lets the trigram index narrow the rows first
      where.push(`i.search_text ILIKE ${pat}`, `${column} ILIKE ${pat}`);
    }
    if (q.folderPath !== undefined) addFolderFilter(where, params, q.folderPath, q.includeSubfolders);
    if (q.itemType) where.push(`i.item_type = ${p(q.itemType)}`);
    if (q.hasAttachments !== undefined) where.push(`i.has_attachments = ${p(q.hasAttachments)}`);
    if (q.dateFrom) where.push(`i.item_date >= ${p(iso(q.dateFrom, 'dateFrom'))}::timestamptz`);
    if (q.dateTo) where.push(`i.item_date <= ${p(iso(q.dateTo, 'dateTo'))}::timestamptz`);
    const rq = rankQuery([...terms, ...[q.subject, q.from, q.to, q.attachmentName, q.body].filter((v): v is string => !!v)]);
    // rank: full-text relevance (weights subject > addresses/attachments > body), then recency
    const rank = rq ? `ts_rank(i.tsv, to_tsquery('simple', ${p(rq)}))::real` : `0::real`;
    if (q.cursor) {
      const [r, d, id] = decodeCursor(q.cursor, 3);
      where.push(
        `(${rank}, coalesce(i.item_date, '-infinity'::timestamptz), i.id) < (${p(r)}::real, ${p(d)}::timestamptz, ${p(id)}::bigint)`,
      );
    }
    const lim = p(limit + 1);
    const r = await this.pool.query<SummaryRow & { rank: number; d: Date }>(
      `SELECT ${SUMMARY_COLUMNS}, ${rank} AS rank, coalesce(i.item_date, '-infinity'::timestamptz) AS d
       FROM catalog.items i WHERE ${where.join(' AND ')}
       ORDER BY 16 DESC, 17 DESC, i.id DESC LIMIT ${lim}`,
      params,
    );
    const rows = r.rows.slice(0, limit);
    const page: Page<CatalogItemSummary> = { items: rows.map(toSummary) };
    if (r.rows.length > limit) {
      const last = rows[rows.length - 1];
      const d = Number.isFinite(last.d.getTime()) ? last.d.toISOString() : '-infinity';
      page.nextCursor = encodeCursor([last.rank, d, String(last.id)]);
    }
    return page;
  }
}

const DETAIL_COLUMNS = `${SUMMARY_COLUMNS}, i.sent_at, i.received_at, i.created_at, i.modified_at, i.content_ref, i.internet_message_id, i.restore`;

function toDetail(r: SummaryRow & Record<string, unknown>): CatalogItemDetail {
  const d = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
  return {
    ...toSummary(r),
    sentAt: d(r.sent_at),
    receivedAt: d(r.received_at),
    createdAt: d(r.created_at),
    modifiedAt: d(r.modified_at),
    contentRef: (r.content_ref as string | null) ?? null,
    internetMessageId: (r.internet_message_id as string | null) ?? null,
    restore: (r.restore as RestoreProperties) ?? {},
  };
}

function toPoint(r: Record<string, unknown>): CatalogPoint {
  return {
    pointId: r.point_id as string,
    organizationId: r.organization_id as string,
    objectId: r.object_id as string,
    mailbox: r.mailbox as string,
    pointTime: (r.point_time as Date).toISOString(),
    itemCount: Number(r.item_count),
  };
}

function addFolderFilter(where: string[], params: unknown[], folderPath: string, includeSubfolders?: boolean): void {
  const folder = normalizeFolderPath(folderPath);
  if (includeSubfolders) {
    if (!folder) return;
    params.push(folder, `${folder.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`);
    where.push(`(i.folder_path = $${params.length - 1} OR i.folder_path LIKE $${params.length})`);
  } else {
    params.push(folder);
    where.push(`i.folder_path = $${params.length}`);
  }
}

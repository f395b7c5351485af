import { createHash } from 'node:crypto';
import { HoldfastError } from '@holdfast/contracts';

/** Kinds of mailbox items the catalog knows. */
export type CatalogItemType = 'message' | 'contact' | 'event';

export const CATALOG_ITEM_TYPES: readonly CatalogItemType[] = ['message', 'contact', 'event'];

/** Follow-up flag as Graph reports it. */
export interface CatalogFlag {
  flagStatus: 'notFlagged' | 'flagged' | 'complete';
  startDateTime?: string;
  dueDateTime?: string;
  completedDateTime?: string;
}

/** The properties a restore puts back after the MIME (or the item JSON) is created. */
export interface RestoreProperties {
  isRead?: boolean;
  flag?: CatalogFlag;
  categories?: string[];
  importance?: 'low' | 'normal' | 'high';
  /** Graph id of the folder the item lived in when backed up. */
  folderId?: string;
  /** Non-mail items (contacts, events): the Graph JSON to POST back. */
  itemJson?: Record<string, unknown>;
}

/** Which recovery point an item belongs to: one mailbox (object) of one organization at one time. */
export interface CatalogPointInput {
  /** MSP tenant (Holdfast tenant) owning the data. */
  tenantId: string;
  organizationId: string;
  /** Inventory object id of the mailbox. */
  objectId: string;
  /** The mailbox's address (UPN) at backup time. */
  mailbox: string;
  /** The manifest id. */
  pointId: string;
  /** ISO time the point shows. */
  pointTime: string;
}

/**
 * One item of a recovery point, as the catalog indexes it. The backup worker's manifest
 * entries are turned into this by `catalogItemFromManifestEntry`.
 */
export interface CatalogItemInput {
  /** Graph id of the item (stable across points while the item lives). */
  itemId: string;
  itemType: CatalogItemType;
  /** Folder path with `/` between names, e.g. `Inbox/Projects`; names escape `/` as `%2F`. */
  folderPath: string;
  subject?: string;
  /** Sender address (and name, `Name <addr>`). */
  from?: string;
  to?: string[];
  cc?: string[];
  bcc?: string[];
  sentAt?: string;
  receivedAt?: string;
  createdAt?: string;
  modifiedAt?: string;
  size?: number;
  hasAttachments?: boolean;
  attachmentNames?: string[];
  /** Plain text of the body (truncated by the catalog). */
  bodyText?: string;
  /** Repository content reference of the MIME (messages) or the JSON document. */
  contentRef?: string;
  /** Internet Message-ID, used to detect an existing copy when restoring. */
  internetMessageId?: string;
  restore?: RestoreProperties;
}

/** Longest body text kept for search (characters). */
export const MAX_BODY_TEXT = 64 * 1024;
/** Longest single field kept (subject, addresses). */
const MAX_FIELD = 4096;

function clip(s: string | undefined, max = MAX_FIELD): string | null {
  if (s === undefined || s === null) return null;
  // strip NUL: Postgres text refuses it
  const clean = String(s).replace(/\u0000/g, '');
  return clean.length > max ? clean.slice(0, max) : clean;
}

function isoOrNull(v: string | undefined, field: string, itemId: string): string | null {
  if (!v) return null;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new HoldfastError('validation_failed', `item ${itemId}: ${field} "${v}" is not a date`);
  return new Date(t).toISOString();
}

/** A validated, normalized catalog row before it is written. */
export interface NormalizedCatalogItem {
  itemId: string;
  itemType: CatalogItemType;
  folderPath: string;
  subject: string | null;
  sender: string | null;
  recipients: string[];
  sentAt: string | null;
  receivedAt: string | null;
  createdAt: string | null;
  modifiedAt: string | null;
  size: number;
  hasAttachments: boolean;
  attachmentNames: string[];
  bodyText: string | null;
  contentRef: string | null;
  internetMessageId: string | null;
  restore: RestoreProperties;
  /** Hash of everything above: same hash = same version of the item. */
  versionHash: string;
}

/** Normalizes a folder path: `/` separated, no empty segments, no leading/trailing slash. */
export function normalizeFolderPath(p: string): string {
  return String(p ?? '')
    .split('/')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .join('/');
}

/** Validates and normalizes one item; throws `validation_failed` naming the field. */
export function normalizeCatalogItem(item: CatalogItemInput): NormalizedCatalogItem {
  if (!item || typeof item.itemId !== 'string' || !item.itemId) throw new HoldfastError('validation_failed', 'catalog item: itemId is required');
  if (!CATALOG_ITEM_TYPES.includes(item.itemType)) {
    throw new HoldfastError('validation_failed', `item ${item.itemId}: itemType must be one of ${CATALOG_ITEM_TYPES.join(', ')}, not "${String(item.itemType)}"`);
  }
  if (item.size !== undefined && (!Number.isFinite(item.size) || item.size < 0)) {
    throw new HoldfastError('validation_failed', `item ${item.itemId}: size must be a non-negative number`);
  }
  const recipients = [...(item.to ?? []), ...(item.cc ?? []), ...(item.bcc ?? [])].map((r) => clip(r) ?? '').filter((r) => r.length > 0);
  const attachmentNames = (item.attachmentNames ?? []).map((n) => clip(n) ?? '').filter((n) => n.length > 0);
  const n: Omit<NormalizedCatalogItem, 'versionHash'> = {
    itemId: item.itemId,
    itemType: item.itemType,
    folderPath: normalizeFolderPath(item.folderPath),
    subject: clip(item.subject),
    sender: clip(item.from),
    recipients,
    sentAt: isoOrNull(item.sentAt, 'sentAt', item.itemId),
    receivedAt: isoOrNull(item.receivedAt, 'receivedAt', item.itemId),
    createdAt: isoOrNull(item.createdAt, 'createdAt', item.itemId),
    modifiedAt: isoOrNull(item.modifiedAt, 'modifiedAt', item.itemId),
    size: Math.floor(item.size ?? 0),
    hasAttachments: item.hasAttachments ?? attachmentNames.length > 0,
    attachmentNames,
    bodyText: clip(item.bodyText, MAX_BODY_TEXT),
    contentRef: item.contentRef ?? null,
    internetMessageId: clip(item.internetMessageId),
    restore: item.restore ?? {},
  };
  return { ...n, versionHash: versionHashOf(n) };
}

function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as Record<string, unknown>)
        .sort()
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, stable((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** Deterministic hash of an item's indexed and restore properties. */
export function versionHashOf(n: Omit<NormalizedCatalogItem, 'versionHash'>): string {
  return createHash('sha256').update(JSON.stringify(stable(n))).digest('hex').slice(0, 32);
}

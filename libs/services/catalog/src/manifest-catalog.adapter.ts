import type { CatalogFlag, CatalogItemInput } from './catalog-item';
import { summarizeMime } from './mime-summary';

/*
 * Turns the backup worker's mailbox manifest entries (libs/services/backup-worker
 * mailbox-sync-state.ts `MailboxEntry`: folder | mail | contact | event) into catalog items.
 * Declared structurally here so the catalog does not depend on the worker's code.
 */
export interface ManifestFolderEntry {
  kind: 'folder';
  id: string;
  parentFolderId?: string;
  displayName: string;
}
export interface ManifestMailEntry {
  kind: 'mail';
  id: string;
  folderId: string;
  content: string;
  size: number;
  isRead: boolean;
  flag: { flagStatus: string; [key: string]: unknown };
  categories: readonly string[];
  importance: string;
  isDraft: boolean;
  subject?: string;
  receivedDateTime?: string;
  lastModifiedDateTime?: string;
}
export interface ManifestJsonEntry {
  kind: 'contact' | 'event';
  id: string;
  content: string;
  displayName?: string;
  subject?: string;
  start?: string;
}
export type ManifestMailboxEntry = ManifestFolderEntry | ManifestMailEntry | ManifestJsonEntry;

/** Reads what the adapter needs from the repository. */
export interface ManifestContentReader {
  /** The manifest's entries; called twice (folders first, then items). */
  entries(): AsyncIterable<Record<string, unknown>>;
  /** Whole content of a reference (a MIME message or a JSON document). */
  read(ref: string): Promise<Buffer>;
  /** Catalog fields already extracted for these content refs (skips parsing unchanged MIME). */
  known?(refs: string[]): Promise<Map<string, Partial<CatalogItemInput>>>;
}

/** Escapes a folder name for a `/`-separated path. */
export function escapeFolderName(name: string): string {
  return name.replace(/%/g, '%25').replace(/\//g, '%2F');
}

export function unescapeFolderName(name: string): string {
  return name.replace(/%2F/gi, '/').replace(/%25/g, '%');
}

/** Folder id -> path from the folder entries (parents missing from the manifest end the chain). */
export function folderPaths(folders: ManifestFolderEntry[]): Map<string, string> {
  const byId = new Map(folders.map((f) => [f.id, f]));
  const paths = new Map<string, string>();
  const resolve = (id: string, depth: number): string => {
    const known = paths.get(id);
    if (known !== undefined) return known;
    const f = byId.get(id);
    if (!f) return '';
    const parent = f.parentFolderId && depth < 64 ? resolve(f.parentFolderId, depth + 1) : '';
    const name = escapeFolderName(f.displayName || f.id);
    const path = parent ? `${parent}/${name}` : name;
    paths.set(id, path);
    return path;
  };
  for (const f of folders) resolve(f.id, 0);
  return paths;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

function emailList(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v
    .map((e) => {
      const ea = (e && typeof e === 'object' && 'emailAddress' in e ? (e as { emailAddress: unknown }).emailAddress : e) as { name?: string; address?: string } | undefined;
      if (!ea?.address) return '';
      return ea.name ? `${ea.name} <${ea.address}>` : ea.address;
    })
    .filter(Boolean);
}

/** Catalog input of a contact or event from its Graph JSON. */
export function jsonItem(entry: ManifestJsonEntry, json: Record<string, unknown>): CatalogItemInput {
  if (entry.kind === 'contact') {
    const emails = emailList(json.emailAddresses);
    return {
      itemId: entry.id,
      itemType: 'contact',
      folderPath: 'Contacts',
      subject: str(json.displayName) ?? entry.displayName ?? '',
      to: emails,
      ...(str(json.createdDateTime) ? { createdAt: str(json.createdDateTime) } : {}),
      ...(str(json.lastModifiedDateTime) ? { modifiedAt: str(json.lastModifiedDateTime) } : {}),
      bodyText: [json.companyName, json.jobTitle, json.personalNotes, ...(Array.isArray(json.businessPhones) ? json.businessPhones : []), json.mobilePhone]
        .filter((x) => typeof x === 'string' && x)
        .join('\n'),
      contentRef: entry.content,
      restore: { itemJson: json, ...(Array.isArray(json.categories) ? { categories: json.categories as string[] } : {}) },
    };
  }
  const start = (json.start as { dateTime?: string; timeZone?: string } | undefined)?.dateTime ?? entry.start;
  const organizer = emailList(json.organizer ? [json.organizer] : [])[0];
  const body = (json.body as { content?: string; contentType?: string } | undefined) ?? undefined;
  return {
    itemId: entry.id,
    itemType: 'event',
    folderPath: 'Calendar',
    subject: str(json.subject) ?? entry.subject ?? '',
    ...(organizer ? { from: organizer } : {}),
    to: emailList(json.attendees),
    ...(start ? { receivedAt: start.endsWith('Z') || /[+-]\d\d:\d\d$/.test(start) ? start : `${start}Z` } : {}),
    ...(str(json.createdDateTime) ? { createdAt: str(json.createdDateTime) } : {}),
    ...(str(json.lastModifiedDateTime) ? { modifiedAt: str(json.lastModifiedDateTime) } : {}),
    bodyText: str(json.bodyPreview) ?? (body?.content ? body.content.replace(/<[^>]+>/g, ' ') : undefined),
    hasAttachments: json.hasAttachments === true,
    contentRef: entry.content,
    restore: { itemJson: json, ...(Array.isArray(json.categories) ? { categories: json.categories as string[] } : {}) },
  };
}

const BATCH = 200;

/**
 * Streams the catalog items of one mailbox recovery point. MIME is parsed for addresses,
 * body text and attachment names, except for content the catalog already knows (`known`).
 */
export async function* catalogItemsFromManifest(reader: ManifestContentReader): AsyncGenerator<CatalogItemInput> {
  const folders: ManifestFolderEntry[] = [];
  for await (const e of reader.entries()) if (e.kind === 'folder') folders.push(e as unknown as ManifestFolderEntry);
  const paths = folderPaths(folders);
  let batch: ManifestMailboxEntry[] = [];
  const emit = async function* (): AsyncGenerator<CatalogItemInput> {
    const refs = batch.filter((e): e is ManifestMailEntry => e.kind === 'mail').map((e) => e.content);
    const known = refs.length && reader.known ? await reader.known(refs) : new Map<string, Partial<CatalogItemInput>>();
    for (const e of batch) {
      if (e.kind === 'mail') yield await mailItem(e, paths, known.get(e.content), reader);
      else if (e.kind === 'contact' || e.kind === 'event') {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse((await reader.read(e.content)).toString('utf8')) as Record<string, unknown>;
        } catch {
          // an unreadable document is still listed with what the manifest says
        }
        yield jsonItem(e, json);
      }
    }
    batch = [];
  };
  for await (const e of reader.entries()) {
    if (e.kind === 'folder') continue;
    batch.push(e as unknown as ManifestMailboxEntry);
    if (batch.length >= BATCH) yield* emit();
  }
  yield* emit();
}

async function mailItem(e: ManifestMailEntry, paths: Map<string, string>, known: Partial<CatalogItemInput> | undefined, reader: ManifestContentReader): Promise<CatalogItemInput> {
  let fromMime: Partial<CatalogItemInput> = known ?? {};
  if (!known) {
    try {
      const s = await summarizeMime(await reader.read(e.content));
      fromMime = {
        subject: s.subject,
        from: s.from,
        to: s.to,
        cc: s.cc,
        bcc: s.bcc,
        sentAt: s.sentAt,
        bodyText: s.bodyText,
        attachmentNames: s.attachmentNames,
        hasAttachments: s.attachmentNames.length > 0,
        internetMessageId: s.internetMessageId,
      };
    } catch {
      // unparseable MIME: index what the manifest has
    }
  }
  const flag: CatalogFlag = { flagStatus: (['notFlagged', 'flagged', 'complete'].includes(e.flag?.flagStatus) ? e.flag.flagStatus : 'notFlagged') as CatalogFlag['flagStatus'] };
  for (const k of ['startDateTime', 'dueDateTime', 'completedDateTime'] as const) {
    const v = (e.flag as Record<string, unknown>)?.[k] as { dateTime?: string } | string | undefined;
    const s = typeof v === 'string' ? v : v?.dateTime;
    if (s) flag[k] = s;
  }
  return {
    ...(Object.fromEntries(Object.entries(fromMime).filter(([, v]) => v !== undefined)) as Partial<CatalogItemInput>),
    itemId: e.id,
    itemType: 'message',
    folderPath: paths.get(e.folderId) ?? '',
    subject: e.subject ?? fromMime.subject,
    ...(e.receivedDateTime ? { receivedAt: e.receivedDateTime } : {}),
    ...(e.lastModifiedDateTime ? { modifiedAt: e.lastModifiedDateTime } : {}),
    size: e.size,
    contentRef: e.content,
    restore: {
      isRead: e.isRead,
      flag,
      categories: [...(e.categories ?? [])],
      importance: (['low', 'normal', 'high'].includes(e.importance) ? e.importance : 'normal') as 'low' | 'normal' | 'high',
      folderId: e.folderId,
    },
  };
}

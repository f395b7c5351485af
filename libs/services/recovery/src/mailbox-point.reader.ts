import type { Readable } from 'node:stream';

/*
 * Reads a mailbox recovery point from the repository: the backup worker's manifest
 * entries (folder | mail | contact | event, see backup-worker mailbox-sync-state.ts),
 * with each item's folder path resolved.
 */

/** The part of the repository's TenantRepository recovery reads. */
export interface PointSource {
  readManifest(id: string): AsyncIterable<Record<string, unknown>>;
  openContent(ref: string): Readable;
}

export interface PointFolder {
  id: string;
  parentFolderId?: string;
  displayName: string;
  /** `/`-separated path of display names (`/` inside a name escaped as `%2F`). */
  path: string;
}

export interface PointMail {
  kind: 'mail';
  id: string;
  folderId: string;
  folderPath: string;
  content: string;
  size: number;
  isRead: boolean;
  flag: { flagStatus: string; [key: string]: unknown };
  categories: string[];
  importance: string;
  isDraft: boolean;
  subject?: string;
  receivedDateTime?: string;
  lastModifiedDateTime?: string;
}

export interface PointJsonItem {
  kind: 'contact' | 'event';
  id: string;
  folderPath: string;
  content: string;
  displayName?: string;
  subject?: string;
}

export type PointItem = PointMail | PointJsonItem;

export interface MailboxPoint {
  folders: PointFolder[];
  items: PointItem[];
}

export function escapeFolderName(name: string): string {
  return name.replace(/%/g, '%25').replace(/\//g, '%2F');
}

/** Loads a point's folders and items (entries only, never content). */
export async function loadMailboxPoint(source: PointSource, pointId: string): Promise<MailboxPoint> {
  const raw: Record<string, unknown>[] = [];
  for await (const e of source.readManifest(pointId)) raw.push(e);
  const folderEntries = raw.filter((e) => e.kind === 'folder') as unknown as Omit<PointFolder, 'path'>[];
  const byId = new Map(folderEntries.map((f) => [f.id, f]));
  const paths = new Map<string, string>();
  const resolve = (id: string, depth: number): string => {
    const known = paths.get(id);
    if (known !== undefined) return known;
    const f = byId.get(id);
    if (!f) return '';
    const parent = f.parentFolderId && depth < 64 ? resolve(f.parentFolderId, depth + 1) : '';
    const name = escapeFolderName(f.displayName || f.id);
    const p = parent ? `${parent}/${name}` : name;
    paths.set(id, p);
    return p;
  };
  const folders = folderEntries.map((f) => ({ ...f, path: resolve(f.id, 0) }));
  const items: PointItem[] = [];
  for (const e of raw) {
    if (e.kind === 'mail') {
      const m = e as unknown as Omit<PointMail, 'folderPath'>;
      items.push({ ...m, categories: [...(m.categories ?? [])], folderPath: paths.get(m.folderId) ?? '' });
    } else if (e.kind === 'contact' || e.kind === 'event') {
      items.push({ ...(e as unknown as Omit<PointJsonItem, 'folderPath'>), folderPath: e.kind === 'contact' ? 'Contacts' : 'Calendar' });
    }
  }
  return { folders, items };
}

export async function readAllContent(source: Pick<PointSource, 'openContent'>, ref: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of source.openContent(ref)) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/** Items selected by id and/or folder path (a folder includes its subfolders); all when both are empty. */
export function selectItems(point: MailboxPoint, sel: { itemIds?: string[]; folderPaths?: string[] }): PointItem[] {
  const ids = new Set(sel.itemIds ?? []);
  const folders = (sel.folderPaths ?? []).map((f) => f.replace(/^\/+|\/+$/g, ''));
  if (!ids.size && !folders.length) return point.items;
  return point.items.filter((i) => ids.has(i.id) || folders.some((f) => i.folderPath === f || i.folderPath.startsWith(`${f}/`)));
}

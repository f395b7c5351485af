import type { GeneratedContent } from '../content/generated-content';

/**
 * One drive (a OneDrive or a document library) as plain records, with the change sequence
 * that drive delta pages over. No I/O: the module wires it to the world journal.
 *
 * Delta order: every change bumps the drive's `seq` and stamps the changed items. A delta
 * window (lo, hi] lists the items stamped inside it ordered by (depth, id), so parents
 * always come before their children and paging is stable while the drive keeps changing
 * (later changes fall outside the window and come in the next round).
 */
export interface IdentityRef {
  id: string;
  displayName: string;
  email?: string;
}

export interface BlobContent {
  kind: 'blob';
  blobId: string;
  size: number;
  quickXorHash: string;
  sha256: string;
}

export type ContentRef = GeneratedContent | BlobContent;

export interface VersionRecord {
  /** "1.0", "2.0", ... */
  id: string;
  size: number;
  lastModifiedDateTime: string;
  lastModifiedBy: IdentityRef;
  content: ContentRef;
}

export interface ItemRecord {
  id: string;
  driveId: string;
  parentId: string | null;
  name: string;
  folder: boolean;
  createdDateTime: string;
  lastModifiedDateTime: string;
  createdBy: IdentityRef;
  lastModifiedBy: IdentityRef;
  /** Change stamp (drive seq when last changed). */
  seq: number;
  depth: number;
  deleted: boolean;
  /** Bumped on every change (eTag), and on content changes only (cTag). */
  eTagVersion: number;
  cTagVersion: number;
  /** Files only; the last one is the current version. */
  versions: VersionRecord[];
  listItemId: number;
  /** Stable GUID used in eTag/cTag and sharepointIds.listItemUniqueId. */
  uniqueId: string;
  mimeType?: string;
  description?: string;
}

export type DriveType = 'business' | 'documentLibrary';

export interface DriveRecord {
  id: string;
  name: string;
  description: string;
  driveType: DriveType;
  owner: { kind: 'user' | 'group'; id: string; displayName: string; email?: string };
  siteId: string;
  siteWebUrl: string;
  /** The document library list behind the drive. */
  listId: string;
  webUrl: string;
  createdDateTime: string;
  rootId: string;
  quotaTotal: number;
}

export type ConflictBehavior = 'fail' | 'replace' | 'rename';

export class DriveError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const INVALID_NAME = /["*:<>?/\\|\u0000-\u001f]/;

export function validateItemName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw new DriveError(400, 'invalidRequest', 'The item name is empty.');
  if (INVALID_NAME.test(name) || name !== name.trim() || name.endsWith('.') || name.length > 400 || name === '.' || name === '..') {
    throw new DriveError(400, 'invalidRequest', `The name "${name}" contains characters that are not allowed.`);
  }
  return name;
}

export function splitName(name: string): { base: string; ext: string } {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? { base: name.slice(0, dot), ext: name.slice(dot) } : { base: name, ext: '' };
}

export interface NewItemInput {
  id: string;
  uniqueId: string;
  at: string;
  by: IdentityRef;
}

export class DriveStore {
  readonly items = new Map<string, ItemRecord>();
  /** Live children by parent id. */
  private readonly kids = new Map<string, Map<string, string>>();
  seq = 0;
  private nextListItemId = 1;
  private sizeCache?: { seq: number; items: number; sizes: Map<string, number> };
  private windowCache?: { lo: number; hi: number; seq: number; list: ItemRecord[] };

  constructor(readonly drive: DriveRecord) {}

  // ---- reading ---------------------------------------------------------------------------

  get root(): ItemRecord {
    return this.items.get(this.drive.rootId)!;
  }

  /** A live item (tombstones are not found). */
  get(id: string): ItemRecord | undefined {
    const item = this.items.get(id);
    return item && !item.deleted ? item : undefined;
  }

  require(id: string): ItemRecord {
    const item = this.get(id);
    if (!item) throw new DriveError(404, 'itemNotFound', 'The resource could not be found.');
    return item;
  }

  children(parentId: string): ItemRecord[] {
    const map = this.kids.get(parentId);
    if (!map) return [];
    return [...map.values()].map((id) => this.items.get(id)!).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  childCount(parentId: string): number {
    return this.kids.get(parentId)?.size ?? 0;
  }

  childByName(parentId: string, name: string): ItemRecord | undefined {
    const id = this.kids.get(parentId)?.get(name.toLowerCase());
    return id ? this.items.get(id) : undefined;
  }

  /** Resolves "a/b/c.txt" (already URI-decoded) below an item. */
  resolvePath(fromId: string, relPath: string): ItemRecord | undefined {
    let cur = this.get(fromId);
    for (const part of relPath.split('/').filter((p) => p !== '')) {
      if (!cur || !cur.folder) return undefined;
      cur = this.childByName(cur.id, part);
    }
    return cur;
  }

  /** "/drive/root:" or "/drive/root:/a/b" as parentReference.path shows it. */
  parentPath(item: ItemRecord): string | undefined {
    if (item.parentId === null) return undefined;
    const names: string[] = [];
    let cur = this.items.get(item.parentId);
    while (cur && cur.parentId !== null) {
      names.unshift(cur.name);
      cur = this.items.get(cur.parentId);
    }
    return '/drive/root:' + (names.length ? '/' + names.join('/') : '');
  }

  isAncestor(ancestorId: string, id: string): boolean {
    let cur = this.items.get(id);
    while (cur) {
      if (cur.id === ancestorId) return true;
      cur = cur.parentId ? this.items.get(cur.parentId) : undefined;
    }
    return false;
  }

  current(item: ItemRecord): VersionRecord | undefined {
    return item.versions[item.versions.length - 1];
  }

  /** Folder sizes are sums of their subtree, memoised until the drive changes. */
  size(item: ItemRecord): number {
    if (!item.folder) return this.current(item)?.size ?? 0;
    if (!this.sizeCache || this.sizeCache.seq !== this.seq || this.sizeCache.items !== this.items.size) this.sizeCache = { seq: this.seq, items: this.items.size, sizes: new Map() };
    const hit = this.sizeCache.sizes.get(item.id);
    if (hit !== undefined) return hit;
    let total = 0;
    const kids = this.kids.get(item.id);
    if (kids) for (const id of kids.values()) total += this.size(this.items.get(id)!);
    this.sizeCache.sizes.set(item.id, total);
    return total;
  }

  /** All live descendants, parents first. */
  *walk(fromId = this.drive.rootId): Generator<ItemRecord> {
    const start = this.get(fromId);
    if (!start) return;
    const stack: ItemRecord[] = [start];
    while (stack.length) {
      const item = stack.pop()!;
      yield item;
      if (item.folder) stack.push(...this.children(item.id).reverse());
    }
  }

  /** Items stamped in (lo, hi], ordered by (depth, id). Tombstones only when lo > 0. */
  window(lo: number, hi: number): ItemRecord[] {
    const c = this.windowCache;
    if (c && c.lo === lo && c.hi === hi && c.seq === this.seq) return c.list;
    const list = [...this.items.values()]
      .filter((i) => i.seq > lo && i.seq <= hi && (lo > 0 || !i.deleted))
      .sort((a, b) => a.depth - b.depth || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.windowCache = { lo, hi, seq: this.seq, list };
    return list;
  }

  // ---- writing ---------------------------------------------------------------------------

  /** Loads a generated or replayed record as is (no conflict checks). */
  load(item: ItemRecord): void {
    this.items.set(item.id, item);
    this.seq = Math.max(this.seq, item.seq);
    this.nextListItemId = Math.max(this.nextListItemId, item.listItemId + 1);
    if (!item.deleted && item.parentId !== null) this.link(item);
  }

  createRoot(input: NewItemInput): ItemRecord {
    const root: ItemRecord = {
      id: input.id,
      driveId: this.drive.id,
      parentId: null,
      name: 'root',
      folder: true,
      createdDateTime: input.at,
      lastModifiedDateTime: input.at,
      createdBy: input.by,
      lastModifiedBy: input.by,
      seq: this.bump(),
      depth: 0,
      deleted: false,
      eTagVersion: 1,
      cTagVersion: 1,
      versions: [],
      listItemId: 0,
      uniqueId: input.uniqueId,
    };
    this.items.set(root.id, root);
    return root;
  }

  allocateListItemId(): number {
    return this.nextListItemId++;
  }

  /** Applies the conflict behaviour to a wanted name below a parent. Returns the name to use and the item it replaces. */
  resolveConflict(parentId: string, name: string, behavior: ConflictBehavior, folder: boolean): { name: string; replaces?: ItemRecord } {
    const existing = this.childByName(parentId, name);
    if (!existing) return { name };
    if (behavior === 'fail') {
      throw new DriveError(409, 'nameAlreadyExists', `An item with the name "${name}" already exists in this location.`);
    }
    if (behavior === 'replace') {
      if (existing.folder !== folder) throw new DriveError(409, 'nameAlreadyExists', `An item with the name "${name}" already exists in this location.`);
      return { name, replaces: existing };
    }
    const { base, ext } = folder ? { base: name, ext: '' } : splitName(name);
    for (let n = 1; ; n++) {
      const candidate = `${base} ${n}${ext}`;
      if (!this.childByName(parentId, candidate)) return { name: candidate };
    }
  }

  createFolder(parentId: string, name: string, behavior: ConflictBehavior, input: NewItemInput): { item: ItemRecord; created: boolean } {
    const parent = this.requireFolder(parentId);
    validateItemName(name);
    const { name: finalName, replaces } = this.resolveConflict(parent.id, name, behavior, true);
    if (replaces) {
      // "replace" on a folder keeps the folder (Graph answers the existing one)
      return { item: replaces, created: false };
    }
    const item = this.newItem(parent, finalName, true, input);
    return { item, created: true };
  }

  /** Creates a file or adds a version to the file it replaces. */
  putFile(
    parentId: string,
    name: string,
    behavior: ConflictBehavior,
    content: ContentRef,
    mimeType: string,
    input: NewItemInput,
  ): { item: ItemRecord; created: boolean } {
    const parent = this.requireFolder(parentId);
    validateItemName(name);
    const { name: finalName, replaces } = this.resolveConflict(parent.id, name, behavior, false);
    if (replaces) {
      this.addVersion(replaces.id, content, input.at, input.by);
      return { item: replaces, created: false };
    }
    const item = this.newItem(parent, finalName, false, input);
    item.mimeType = mimeType;
    item.versions.push({ id: '1.0', size: content.size, lastModifiedDateTime: input.at, lastModifiedBy: input.by, content });
    return { item, created: true };
  }

  addVersion(id: string, content: ContentRef, at: string, by: IdentityRef): ItemRecord {
    const item = this.require(id);
    if (item.folder) throw new DriveError(400, 'invalidRequest', 'A folder has no content.');
    const n = item.versions.length + 1;
    item.versions.push({ id: `${n}.0`, size: content.size, lastModifiedDateTime: at, lastModifiedBy: by, content });
    item.cTagVersion++;
    this.touch(item, at, by);
    this.touchAncestors(item, at);
    return item;
  }

  /** Rename and/or move. Moving below itself is refused; a clash answers 409. */
  update(id: string, change: { name?: string; parentId?: string; description?: string }, at: string, by: IdentityRef, behavior: ConflictBehavior = 'fail'): ItemRecord {
    const item = this.require(id);
    if (item.parentId === null) throw new DriveError(400, 'invalidRequest', 'The root cannot be renamed or moved.');
    const newParentId = change.parentId ?? item.parentId;
    const newName = change.name !== undefined ? validateItemName(change.name) : item.name;
    const newParent = this.requireFolder(newParentId);
    if (item.folder && this.isAncestor(item.id, newParent.id)) {
      throw new DriveError(400, 'invalidRequest', 'An item cannot be moved into itself or one of its descendants.');
    }
    const moving = newParent.id !== item.parentId;
    const renaming = newName !== item.name;
    if (moving || (renaming && newName.toLowerCase() !== item.name.toLowerCase())) {
      const clash = this.childByName(newParent.id, newName);
      if (clash && clash.id !== item.id) {
        if (behavior === 'rename') {
          return this.update(id, { ...change, name: this.resolveConflict(newParent.id, newName, 'rename', item.folder).name }, at, by, 'fail');
        }
        throw new DriveError(409, 'nameAlreadyExists', `An item with the name "${newName}" already exists in this location.`);
      }
    }
    const oldParent = this.items.get(item.parentId)!;
    this.unlink(item);
    item.name = newName;
    item.parentId = newParent.id;
    if (change.description !== undefined) item.description = change.description;
    this.link(item);
    this.touch(item, at, by);
    if (moving) {
      // the subtree's depth changes; restamp it so a delta window keeps parents first
      const delta = newParent.depth + 1 - item.depth;
      for (const d of this.walk(item.id)) {
        d.depth += delta;
        if (d.id !== item.id) d.seq = this.seq;
      }
      this.touchAncestors(oldParent, at, true);
    }
    this.touchAncestors(item, at);
    return item;
  }

  /** Deletes an item and its subtree: tombstones stamped with the new seq. */
  delete(id: string, at: string, by: IdentityRef): ItemRecord[] {
    const item = this.require(id);
    if (item.parentId === null) throw new DriveError(403, 'accessDenied', 'The root of a drive cannot be deleted.');
    const gone = [...this.walk(item.id)];
    this.unlink(item);
    const seq = this.bump();
    for (const d of gone) {
      d.deleted = true;
      d.seq = seq;
      d.eTagVersion++;
      if (d.id !== item.id) this.unlink(d);
    }
    item.lastModifiedDateTime = at;
    item.lastModifiedBy = by;
    this.touchAncestors(item, at);
    return gone;
  }

  // ---- internals -------------------------------------------------------------------------

  private requireFolder(id: string): ItemRecord {
    const item = this.require(id);
    if (!item.folder) throw new DriveError(400, 'invalidRequest', 'The parent item is not a folder.');
    return item;
  }

  private newItem(parent: ItemRecord, name: string, folder: boolean, input: NewItemInput): ItemRecord {
    if (this.items.has(input.id)) throw new DriveError(409, 'nameAlreadyExists', `Item id ${input.id} exists.`);
    const item: ItemRecord = {
      id: input.id,
      driveId: this.drive.id,
      parentId: parent.id,
      name,
      folder,
      createdDateTime: input.at,
      lastModifiedDateTime: input.at,
      createdBy: input.by,
      lastModifiedBy: input.by,
      seq: this.bump(),
      depth: parent.depth + 1,
      deleted: false,
      eTagVersion: 1,
      cTagVersion: 1,
      versions: [],
      listItemId: this.allocateListItemId(),
      uniqueId: input.uniqueId,
    };
    this.items.set(item.id, item);
    this.link(item);
    this.touchAncestors(item, input.at);
    return item;
  }

  private bump(): number {
    return ++this.seq;
  }

  private touch(item: ItemRecord, at: string, by: IdentityRef): void {
    item.seq = this.bump();
    item.eTagVersion++;
    item.lastModifiedDateTime = at;
    item.lastModifiedBy = by;
  }

  /** Folders report changes below them in delta (size/childCount change) like OneDrive does. */
  private touchAncestors(item: ItemRecord, at: string, includeSelf = false): void {
    let cur = includeSelf ? item : item.parentId ? this.items.get(item.parentId) : undefined;
    while (cur) {
      cur.seq = this.seq;
      cur.eTagVersion++;
      cur.cTagVersion++;
      cur.lastModifiedDateTime = cur.parentId === null ? cur.lastModifiedDateTime : at;
      cur = cur.parentId ? this.items.get(cur.parentId) : undefined;
    }
  }

  private link(item: ItemRecord): void {
    if (item.parentId === null) return;
    let map = this.kids.get(item.parentId);
    if (!map) this.kids.set(item.parentId, (map = new Map()));
    map.set(item.name.toLowerCase(), item.id);
  }

  private unlink(item: ItemRecord): void {
    if (item.parentId === null) return;
    const map = this.kids.get(item.parentId);
    if (map && map.get(item.name.toLowerCase()) === item.id) map.delete(item.name.toLowerCase());
  }
}

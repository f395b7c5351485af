import { createHash } from 'node:crypto';
import { GraphHttpError } from '../framework/graph-error';
import { QuickXorHash } from './content/quick-xor-hash';
import type { SimContext } from '../framework/sim-types';
import type { TenantState } from '../framework/world';
import { FilesState } from './files-state';
import { DriveError, type BlobContent, type ContentRef, type DriveStore, type IdentityRef, type ItemRecord } from './model/drive-store';
import { SitesStore } from './model/sites-store';
import { seededGuid, seededItemId } from './generation/seeded-random';

/**
 * Journal entries of the files module: every Graph write, control mutation and import goes
 * through `world.commit` with the decisions already taken (final names, ids), so the
 * appliers below never fail and a restart replays the same drive.
 */
export interface FolderCreated {
  driveId: string;
  parentId: string;
  name: string;
  id: string;
  uniqueId: string;
  by: IdentityRef;
}

export interface FileWritten {
  driveId: string;
  /** Existing item to add a version to; otherwise a new file below parentId named name. */
  itemId?: string;
  parentId?: string;
  name?: string;
  id?: string;
  uniqueId?: string;
  mimeType?: string;
  content: ContentRef;
  by: IdentityRef;
}

export interface ItemUpdated {
  driveId: string;
  itemId: string;
  name?: string;
  parentId?: string;
  description?: string;
  by: IdentityRef;
}

export interface ItemDeleted {
  driveId: string;
  itemId: string;
  by: IdentityRef;
}

export interface ListItemChanged {
  listId: string;
  op: 'created' | 'updated' | 'deleted';
  itemId?: string;
  uniqueId?: string;
  fields?: Record<string, unknown>;
  by: IdentityRef;
}

export const FILES_MODULE = 'files';

export class FilesAccess {
  constructor(readonly ctx: SimContext) {}

  state(tenant: TenantState): FilesState {
    return this.ctx.world.moduleState(tenant, FILES_MODULE, () => new FilesState(tenant, this.ctx.options.seed, this.ctx.options.sizes));
  }

  /** Drive or 404 itemNotFound. */
  drive(tenant: TenantState, driveId: string): DriveStore {
    const d = this.state(tenant).drive(driveId);
    if (!d) throw new GraphHttpError(404, 'itemNotFound', 'The resource could not be found.');
    return d;
  }

  userDrive(tenant: TenantState, idOrUpn: string): DriveStore {
    const u = this.ctx.world.user(tenant, idOrUpn);
    if (!u) throw new GraphHttpError(404, 'itemNotFound', 'The resource could not be found.');
    const d = this.state(tenant).ensureUserDrive(u);
    if (!d) throw new GraphHttpError(404, 'ResourceNotFound', "User's mysite not found.");
    return d;
  }

  groupSiteId(tenant: TenantState, groupId: string): string {
    const st = this.state(tenant);
    const g = tenant.groups.get(groupId);
    if (g) st.addGroupSite(g);
    const id = st.groupSites.get(groupId);
    if (!id) throw new GraphHttpError(404, 'itemNotFound', 'The resource could not be found.');
    return id;
  }

  newItemId(): { id: string; uniqueId: string } {
    const n = this.ctx.world.newId();
    return { id: seededItemId('new', n), uniqueId: seededGuid('new', n) };
  }

  // ---- commits (decisions already taken) -------------------------------------------------

  createFolder(tenant: TenantState, e: FolderCreated): ItemRecord {
    this.ctx.world.commit('files.folderCreated', tenant, e);
    return this.drive(tenant, e.driveId).items.get(e.id)!;
  }

  writeFile(tenant: TenantState, e: FileWritten): ItemRecord {
    this.ctx.world.commit('files.fileWritten', tenant, e);
    return this.drive(tenant, e.driveId).items.get(e.itemId ?? e.id!)!;
  }

  updateItem(tenant: TenantState, e: ItemUpdated): ItemRecord {
    this.ctx.world.commit('files.itemUpdated', tenant, e);
    return this.drive(tenant, e.driveId).items.get(e.itemId)!;
  }

  deleteItem(tenant: TenantState, e: ItemDeleted): void {
    this.ctx.world.commit('files.itemDeleted', tenant, e);
  }

  changeListItem(tenant: TenantState, e: ListItemChanged): void {
    this.ctx.world.commit('files.listItemChanged', tenant, e);
  }

  /** Makes sure a folder path exists below a folder (creating what is missing); returns the last folder. */
  ensureFolders(tenant: TenantState, store: DriveStore, fromId: string, parts: string[], by: IdentityRef): ItemRecord {
    let cur = store.require(fromId);
    for (const part of parts) {
      const existing = store.childByName(cur.id, part);
      if (existing) {
        if (!existing.folder) throw new GraphHttpError(409, 'nameAlreadyExists', `"${part}" exists and is not a folder.`);
        cur = existing;
        continue;
      }
      cur = this.createFolder(tenant, { driveId: store.drive.id, parentId: cur.id, name: validName(part), ...this.newItemId(), by });
    }
    return cur;
  }

  /** Writes bytes to `folderParts/name` below the drive root (folders created, an existing file gets a new version). */
  importFile(tenant: TenantState, store: DriveStore, folderParts: string[], name: string, data: Buffer, by: IdentityRef, mimeType: string): ItemRecord {
    const parent = this.ensureFolders(tenant, store, store.root.id, folderParts, by);
    const existing = store.childByName(parent.id, validName(name));
    if (existing?.folder) throw new GraphHttpError(409, 'nameAlreadyExists', `"${name}" exists and is a folder.`);
    const content = blobContent(this.ctx, data);
    if (existing) return this.writeFile(tenant, { driveId: store.drive.id, itemId: existing.id, content, by });
    return this.writeFile(tenant, { driveId: store.drive.id, parentId: parent.id, name, mimeType, content, ...this.newItemId(), by });
  }

  registerAppliers(): void {
    const w = this.ctx.world;
    const guard = (type: string, fn: () => void) => {
      try {
        fn();
      } catch (e) {
        this.ctx.log(`files: journal entry ${type} could not be applied`, { error: String((e as Error).message) });
      }
    };
    w.onJournal<FolderCreated>('files.folderCreated', (t, d, entry) =>
      guard(entry.type, () => this.drive(t, d.driveId).createFolder(d.parentId, d.name, 'fail', { id: d.id, uniqueId: d.uniqueId, at: entry.at, by: d.by })),
    );
    w.onJournal<FileWritten>('files.fileWritten', (t, d, entry) =>
      guard(entry.type, () => {
        const store = this.drive(t, d.driveId);
        if (d.itemId) store.addVersion(d.itemId, d.content, entry.at, d.by);
        else store.putFile(d.parentId!, d.name!, 'fail', d.content, d.mimeType ?? 'application/octet-stream', { id: d.id!, uniqueId: d.uniqueId!, at: entry.at, by: d.by });
      }),
    );
    w.onJournal<ItemUpdated>('files.itemUpdated', (t, d, entry) =>
      guard(entry.type, () => this.drive(t, d.driveId).update(d.itemId, { name: d.name, parentId: d.parentId, description: d.description }, entry.at, d.by)),
    );
    w.onJournal<ItemDeleted>('files.itemDeleted', (t, d, entry) => guard(entry.type, () => this.drive(t, d.driveId).delete(d.itemId, entry.at, d.by)));
    w.onJournal<ListItemChanged>('files.listItemChanged', (t, d, entry) =>
      guard(entry.type, () => {
        const list = this.state(t).sites.lists.get(d.listId);
        if (!list) return;
        if (d.op === 'created') SitesStore.addItem(list, d.fields ?? {}, d.uniqueId ?? d.itemId ?? '', entry.at, d.by);
        else if (d.op === 'updated') SitesStore.updateItem(list, d.itemId!, d.fields ?? {}, entry.at, d.by);
        else SitesStore.deleteItem(list, d.itemId!, entry.at);
      }),
    );
  }
}

export function validName(name: string): string {
  try {
    if (!name || /["*:<>?/\\|\u0000-\u001f]/.test(name) || name !== name.trim()) throw new DriveError(400, 'invalidRequest', `The name "${name}" contains characters that are not allowed.`);
    return name;
  } catch (e) {
    throw asGraphError(e);
  }
}

export function asGraphError(e: unknown): unknown {
  if (e instanceof DriveError) return new GraphHttpError(e.status, e.code, e.message);
  return e;
}

/** Stores bytes in the world's blob store and describes them as drive content. */
export function blobContent(ctx: SimContext, data: Buffer): BlobContent {
  const blobId = ctx.world.blobs.put(data);
  return { kind: 'blob', blobId, size: data.length, quickXorHash: new QuickXorHash().update(data).digestBase64(), sha256: createHash('sha256').update(data).digest('hex') };
}

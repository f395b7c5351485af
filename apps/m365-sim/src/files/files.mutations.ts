import { GraphHttpError } from '../framework/graph-error';
import type { SimContext } from '../framework/sim-types';
import type { TenantState } from '../framework/world';
import { prefixForExtension, type GeneratedContent } from './content/generated-content';
import { blobContent, FilesAccess } from './files-journal';
import { contentFor, mimeTypeFor } from './generation/drive-generator';
import { Rng } from './generation/seeded-random';
import { userRef } from './files-state';
import { requireList, requireSite } from './files.routes';
import type { DriveStore, IdentityRef, ItemRecord } from './model/drive-store';

/**
 * User-like changes for tests and demos (POST /_sim/tenants/{t}/mutations/files.*).
 * Every one commits journal entries, so drive delta reports it and restarts keep it.
 */
export interface DriveTarget {
  /** User id or UPN (their OneDrive), or driveId, or groupId (group library), or siteId (default library). */
  user?: string;
  driveId?: string;
  groupId?: string;
  siteId?: string;
}

export interface ItemTarget extends DriveTarget {
  itemId?: string;
  /** Path from the drive root, e.g. "Documents/report.docx". */
  path?: string;
}

export function resolveDrive(fa: FilesAccess, tenant: TenantState, t: DriveTarget): DriveStore {
  if (t.driveId) return fa.drive(tenant, t.driveId);
  if (t.user) return fa.userDrive(tenant, t.user);
  if (t.groupId) {
    const site = fa.state(tenant).sites.sites.get(fa.groupSiteId(tenant, t.groupId))!;
    return fa.drive(tenant, site.driveIds[0]);
  }
  if (t.siteId) return fa.drive(tenant, requireSite(fa, tenant, t.siteId).driveIds[0]);
  throw new GraphHttpError(400, 'BadRequest', 'Name the drive: user, driveId, groupId or siteId.');
}

function resolveItem(store: DriveStore, t: ItemTarget): ItemRecord {
  const it = t.itemId ? store.get(t.itemId) : t.path !== undefined ? store.resolvePath(store.root.id, t.path) : undefined;
  if (!it) throw new GraphHttpError(404, 'itemNotFound', `No item ${t.itemId ?? t.path ?? '(none given)'}.`);
  return it;
}

function actor(ctx: SimContext, tenant: TenantState, store: DriveStore, who?: string): IdentityRef {
  const u = who ? ctx.world.user(tenant, who) : store.drive.owner.kind === 'user' ? ctx.world.user(tenant, store.drive.owner.id) : undefined;
  return u ? userRef(u) : { id: store.drive.owner.id, displayName: store.drive.owner.displayName };
}

function generated(ctx: SimContext, name: string, size: number, flavor?: GeneratedContent['flavor']): GeneratedContent {
  const c = contentFor(ctx.world.newId(), '1.0', name, size);
  return flavor ? { ...c, flavor, prefix: flavor === 'random' ? undefined : prefixForExtension(name) } : c;
}

export function registerMutations(ctx: SimContext, fa: FilesAccess): void {
  const summary = (store: DriveStore, it: ItemRecord) => ({ driveId: store.drive.id, itemId: it.id, name: it.name, path: store.parentPath(it), versions: it.versions.length, deleted: it.deleted });

  ctx.mutation<ItemTarget & { path: string; size?: number; text?: string; by?: string }>({
    name: 'files.fileCreated',
    description: 'create a file: {user|driveId|groupId|siteId, path: "Folder/Sub/name.ext", size?|text?, by?}; missing folders are created',
    run: (tenant, p) => {
      const store = resolveDrive(fa, tenant, p);
      const by = actor(ctx, tenant, store, p.by);
      const parts = p.path.split('/').filter(Boolean);
      const name = parts.pop();
      if (!name) throw new GraphHttpError(400, 'BadRequest', 'path must end with a file name.');
      const parent = fa.ensureFolders(tenant, store, store.root.id, parts, by);
      const content =
        p.text !== undefined
          ? blobContent(ctx, Buffer.from(p.text, 'utf8'))
          : generated(ctx, name, p.size ?? new Rng(ctx.options.seed, 'size', p.path).logInt(1000, 2_000_000));
      const existing = store.childByName(parent.id, name);
      const it = existing
        ? fa.writeFile(tenant, { driveId: store.drive.id, itemId: existing.id, content, by })
        : fa.writeFile(tenant, { driveId: store.drive.id, parentId: parent.id, name, mimeType: mimeTypeFor(name), content, ...fa.newItemId(), by });
      return summary(store, it);
    },
  });

  ctx.mutation<ItemTarget & { size?: number; text?: string; by?: string }>({
    name: 'files.fileChanged',
    description: 'a user saves a new version: {user|driveId, itemId|path, size?|text?, by?}',
    run: (tenant, p) => {
      const store = resolveDrive(fa, tenant, p);
      const it = resolveItem(store, p);
      if (it.folder) throw new GraphHttpError(400, 'BadRequest', 'A folder has no content.');
      const size = p.size ?? store.current(it)?.size ?? 1000;
      const content = p.text !== undefined ? blobContent(ctx, Buffer.from(p.text, 'utf8')) : generated(ctx, it.name, size);
      return summary(store, fa.writeFile(tenant, { driveId: store.drive.id, itemId: it.id, content, by: actor(ctx, tenant, store, p.by) }));
    },
  });

  ctx.mutation<DriveTarget & { path: string; by?: string }>({
    name: 'files.folderCreated',
    description: 'create folders along a path: {user|driveId, path}',
    run: (tenant, p) => {
      const store = resolveDrive(fa, tenant, p);
      const it = fa.ensureFolders(tenant, store, store.root.id, p.path.split('/').filter(Boolean), actor(ctx, tenant, store, p.by));
      return summary(store, it);
    },
  });

  ctx.mutation<ItemTarget & { name: string; by?: string }>({
    name: 'files.fileRenamed',
    description: 'rename a file or folder: {user|driveId, itemId|path, name}',
    run: (tenant, p) => {
      const store = resolveDrive(fa, tenant, p);
      const it = resolveItem(store, p);
      if (store.childByName(it.parentId!, p.name) && p.name.toLowerCase() !== it.name.toLowerCase()) throw new GraphHttpError(409, 'nameAlreadyExists', `${p.name} exists.`);
      return summary(store, fa.updateItem(tenant, { driveId: store.drive.id, itemId: it.id, name: p.name, by: actor(ctx, tenant, store, p.by) }));
    },
  });

  ctx.mutation<ItemTarget & { to: string; by?: string }>({
    name: 'files.fileMoved',
    description: 'move a file or folder to another folder path (created if missing): {user|driveId, itemId|path, to}',
    run: (tenant, p) => {
      const store = resolveDrive(fa, tenant, p);
      const it = resolveItem(store, p);
      const by = actor(ctx, tenant, store, p.by);
      const target = fa.ensureFolders(tenant, store, store.root.id, p.to.split('/').filter(Boolean), by);
      if (it.folder && store.isAncestor(it.id, target.id)) throw new GraphHttpError(400, 'BadRequest', 'Cannot move a folder into itself.');
      if (store.childByName(target.id, it.name)) throw new GraphHttpError(409, 'nameAlreadyExists', `${it.name} exists in ${p.to}.`);
      return summary(store, fa.updateItem(tenant, { driveId: store.drive.id, itemId: it.id, parentId: target.id, by }));
    },
  });

  ctx.mutation<ItemTarget & { by?: string }>({
    name: 'files.fileDeleted',
    description: 'delete a file or folder (with its subtree): {user|driveId, itemId|path}',
    run: (tenant, p) => {
      const store = resolveDrive(fa, tenant, p);
      const it = resolveItem(store, p);
      if (it.parentId === null) throw new GraphHttpError(400, 'BadRequest', 'The root cannot be deleted.');
      fa.deleteItem(tenant, { driveId: store.drive.id, itemId: it.id, by: actor(ctx, tenant, store, p.by) });
      return summary(store, it);
    },
  });

  ctx.mutation<DriveTarget & { count?: number; extension?: string; folder?: string }>({
    name: 'files.ransomware',
    description: 'mass-encrypt a drive: {user|driveId, count?: all, extension?: ".locked", folder?}: every hit file gets a high-entropy new version and a renamed extension',
    run: (tenant, p) => {
      const store = resolveDrive(fa, tenant, p);
      const ext = p.extension ?? '.locked';
      const start = p.folder ? store.resolvePath(store.root.id, p.folder) : store.root;
      if (!start) throw new GraphHttpError(404, 'itemNotFound', `No folder ${p.folder}.`);
      const files = [...store.walk(start.id)].filter((i) => !i.folder && !i.name.endsWith(ext) && (store.current(i)?.size ?? 0) < 512 * 1024 * 1024);
      const hit = files.slice(0, p.count ?? files.length);
      const by = { id: '00000000-0000-0000-0000-0000000000ff', displayName: 'Unknown process' };
      const out = [];
      for (const it of hit) {
        const size = Math.max(16, (store.current(it)?.size ?? 0) + 16);
        fa.writeFile(tenant, { driveId: store.drive.id, itemId: it.id, content: generated(ctx, it.name + ext, size, 'random'), by });
        let name = it.name + ext;
        if (store.childByName(it.parentId!, name)) name = `${it.name}.${it.id.slice(-6)}${ext}`;
        fa.updateItem(tenant, { driveId: store.drive.id, itemId: it.id, name, by });
        out.push({ itemId: it.id, name });
      }
      return { driveId: store.drive.id, encrypted: out.length, items: out };
    },
  });

  ctx.mutation<{ siteId: string; listId: string; op?: 'created' | 'updated' | 'deleted'; itemId?: string; fields?: Record<string, unknown>; by?: string }>({
    name: 'files.listItemChanged',
    description: 'create/update/delete a list item: {siteId, listId, op: created|updated|deleted, itemId?, fields?}',
    run: (tenant, p) => {
      const list = requireList(fa, tenant, p.siteId, p.listId);
      if (list.driveId) throw new GraphHttpError(400, 'BadRequest', 'Use the files.* mutations for document libraries.');
      const op = p.op ?? 'created';
      if (op !== 'created' && (!p.itemId || !list.items.get(p.itemId) || list.items.get(p.itemId)!.deleted)) throw new GraphHttpError(404, 'itemNotFound', `No list item ${p.itemId}.`);
      const u = p.by ? ctx.world.user(tenant, p.by) : undefined;
      const by = u ? userRef(u) : { id: '', displayName: 'System Account' };
      const before = list.nextItemId;
      fa.changeListItem(tenant, { listId: list.id, op, itemId: p.itemId, uniqueId: ctx.world.newId(), fields: p.fields ?? {}, by });
      return { listId: list.id, itemId: op === 'created' ? String(before) : p.itemId, op };
    },
  });
}


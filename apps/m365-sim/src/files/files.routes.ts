import { GraphHttpError } from '../framework/graph-error';
import type { GraphRequest, GraphResponse, HttpMethod, RouteSpec, SimContext, ThrottleScope } from '../framework/sim-types';
import type { Permission } from '../framework/permissions';
import type { TenantState } from '../framework/world';
import { asGraphError, blobContent, FilesAccess } from './files-journal';
import { mimeTypeFor } from './generation/drive-generator';
import {
  renderDrive,
  renderItem,
  renderList,
  renderListItem,
  renderPermissions,
  renderSite,
  renderVersion,
  driveItemAsListItem,
  type RenderContext,
} from './files-render';
import { SYSTEM_ACCOUNT } from './files-state';
import type { BlobContent, ConflictBehavior, ContentRef, DriveStore, IdentityRef, ItemRecord } from './model/drive-store';
import { SitesStore, type ListRecord, type SiteRecord } from './model/sites-store';
import { SIMPLE_UPLOAD_MAX, UPLOAD_SESSION_LIFETIME_MS, nextExpectedRanges } from './model/upload-session';

export const FILES_READ: Permission[] = ['Files.Read.All', 'Files.ReadWrite.All', 'Sites.Read.All', 'Sites.ReadWrite.All', 'Sites.FullControl.All'];
export const FILES_WRITE: Permission[] = ['Files.ReadWrite.All', 'Sites.ReadWrite.All', 'Sites.FullControl.All'];
export const SITES_READ: Permission[] = ['Sites.Read.All', 'Sites.ReadWrite.All', 'Sites.FullControl.All'];

export const RESYNC_REQUIRED = {
  status: 410,
  code: 'resyncRequired',
  message: "Resync required. Replace any local items with the server's version (including deletes) if you're sure that the service was up to date with your local changes when you last sync'd. Upload any local changes that the server doesn't know about.",
};

/** The identity a write is attributed to: the calling application. */
export function appIdentity(req: GraphRequest): IdentityRef {
  return { id: req.app.appId, displayName: 'Holdfast restore' };
}

const ru = (n: number) => (): ThrottleScope => ({ kind: 'sharepoint', ru: n });
const readRu = (single: boolean) => (req: GraphRequest): ThrottleScope => ({
  kind: 'sharepoint',
  ru: /permissions/i.test(req.odata.expand ?? '') ? 5 : single ? 1 : 2,
});

/** How a drive is addressed before `/root`, `/items/...`. */
interface DrivePrefix {
  key: string;
  re: string;
  resolve: (fa: FilesAccess, req: GraphRequest) => DriveStore;
}

const PREFIXES: DrivePrefix[] = [
  { key: 'drives', re: String.raw`\/drives\/(?<driveId>[^/]+)`, resolve: (fa, req) => fa.drive(req.tenant, req.params.driveId) },
  { key: 'users', re: String.raw`\/users\/(?<userId>[^/]+)\/drive`, resolve: (fa, req) => fa.userDrive(req.tenant, req.params.userId) },
  {
    key: 'groups',
    re: String.raw`\/groups\/(?<groupId>[^/]+)\/drive`,
    resolve: (fa, req) => {
      const site = fa.state(req.tenant).sites.sites.get(fa.groupSiteId(req.tenant, req.params.groupId))!;
      return fa.drive(req.tenant, site.driveIds[0]);
    },
  },
  {
    key: 'siteLists',
    re: String.raw`\/sites\/(?<siteId>[^/:]+)\/lists\/(?<listId>[^/]+)\/drive`,
    resolve: (fa, req) => {
      const list = requireList(fa, req.tenant, req.params.siteId, req.params.listId);
      if (!list.driveId) throw new GraphHttpError(404, 'itemNotFound', 'The list is not a document library.');
      return fa.drive(req.tenant, list.driveId);
    },
  },
  {
    key: 'sites',
    re: String.raw`\/sites\/(?<siteId>[^/:]+)\/drive`,
    resolve: (fa, req) => {
      const site = requireSite(fa, req.tenant, req.params.siteId);
      if (!site.driveIds.length) throw new GraphHttpError(404, 'itemNotFound', 'The site has no document library.');
      return fa.drive(req.tenant, site.driveIds[0]);
    },
  },
];

/** `/root`, `/items/{id}`, optionally followed by `:/relative/path:`. */
const ITEM = String.raw`(?<addr>\/root|\/items\/[^/:]+)(?::(?<rel>\/[^:]*):?)?`;

export function requireSite(fa: FilesAccess, tenant: TenantState, id: string): SiteRecord {
  const st = fa.state(tenant);
  if (id.toLowerCase() === 'root' || id.toLowerCase() === st.hostname) return st.sites.sites.get(st.rootSiteId)!;
  const s = st.sites.site(id);
  if (!s) throw new GraphHttpError(404, 'itemNotFound', 'Requested site could not be found');
  return s;
}

export function requireList(fa: FilesAccess, tenant: TenantState, siteId: string, listId: string): ListRecord {
  const site = requireSite(fa, tenant, siteId);
  const l = fa.state(tenant).sites.list(site.id, listId);
  if (!l) throw new GraphHttpError(404, 'itemNotFound', 'The specified list was not found');
  return l;
}

function conflictOf(v: unknown, dflt: ConflictBehavior): ConflictBehavior {
  if (v === undefined || v === null || v === '') return dflt;
  const s = String(v).toLowerCase();
  if (s === 'fail' || s === 'replace' || s === 'rename') return s;
  throw new GraphHttpError(400, 'invalidRequest', `Invalid value '${String(v)}' for @microsoft.graph.conflictBehavior.`);
}

/** Range header -> [start, endExclusive] or 'unsatisfiable' or undefined (whole). */
export function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/i.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return [Math.max(0, size - n), size];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return [start, end + 1];
}

export class FilesRoutes {
  constructor(
    private readonly ctx: SimContext,
    private readonly fa: FilesAccess,
  ) {}

  rc(req: GraphRequest, delta = false): RenderContext {
    return { tenantId: req.tenant.id, appId: req.app.appId, content: this.ctx.content, delta };
  }

  item(req: GraphRequest, store: DriveStore, it: ItemRecord, delta = false): Record<string, unknown> {
    const json = renderItem(this.rc(req, delta), store, it);
    if (!it.deleted && /permissions/i.test(req.odata.expand ?? '')) json.permissions = renderPermissions(store, it);
    if (!it.deleted && /children/i.test(req.odata.expand ?? '') && it.folder) {
      json.children = store.children(it.id).slice(0, 200).map((c) => renderItem(this.rc(req), store, c));
    }
    return json;
  }

  /** Resolves `/root`, `/items/{id}` and `:/path:` to an item (404 itemNotFound). */
  resolveItem(store: DriveStore, req: GraphRequest): ItemRecord {
    const addr = req.params.addr;
    let base: ItemRecord | undefined;
    if (/^\/root$/i.test(addr)) base = store.root;
    else {
      const id = addr.slice('/items/'.length);
      base = id.toLowerCase() === 'root' ? store.root : store.get(id);
    }
    const rel = relOf(req);
    if (base && rel && rel !== '/') base = store.resolvePath(base.id, rel);
    if (!base) throw new GraphHttpError(404, 'itemNotFound', 'The resource could not be found.');
    return base;
  }

  /** For creations by path: the parent folder and the new name (`items/{parent}:/{name}:`). */
  resolveParentAndName(store: DriveStore, req: GraphRequest, by: IdentityRef, createMissing: boolean): { parent: ItemRecord; name: string } {
    const rel = relOf(req);
    if (!rel) throw new GraphHttpError(400, 'invalidRequest', 'A path (":/name:") is required.');
    const parts = rel.split('/').filter(Boolean);
    const name = parts.pop();
    if (!name) throw new GraphHttpError(400, 'invalidRequest', 'The item name is empty.');
    const addr = req.params.addr;
    let base: ItemRecord | undefined = /^\/root$/i.test(addr) ? store.root : store.get(addr.slice('/items/'.length));
    if (addr.toLowerCase() === '/items/root') base = store.root;
    if (!base) throw new GraphHttpError(404, 'itemNotFound', 'The resource could not be found.');
    let parent: ItemRecord | undefined = base;
    if (parts.length) {
      parent = createMissing ? this.fa.ensureFolders(req.tenant, store, base.id, parts, by) : store.resolvePath(base.id, parts.join('/'));
      if (!parent) throw new GraphHttpError(404, 'itemNotFound', 'The parent folder could not be found.');
    }
    if (!parent.folder) throw new GraphHttpError(400, 'invalidRequest', 'The parent item is not a folder.');
    return { parent, name };
  }

  register(): void {
    const ctx = this.ctx;
    const fa = this.fa;
    // -------- sites (before the generic /sites/:siteId patterns)
    this.siteRoutes();
    // -------- drive collections
    ctx.route({
      name: 'files.userDrives.list',
      method: 'GET',
      path: '/users/:userId/drives',
      roles: FILES_READ,
      service: 'sharepoint',
      throttle: ru(2),
      handler: (req, res) => {
        const store = fa.userDrive(req.tenant, req.params.userId);
        ctx.odata.page(req, res, [store], { defaultPageSize: 200, maxPageSize: 1000, render: (s) => renderDrive(s, s.drive), context: `${req.baseUrl}/$metadata#drives` });
      },
    });
    ctx.route({
      name: 'files.groupDrives.list',
      method: 'GET',
      path: '/groups/:groupId/drives',
      roles: FILES_READ,
      service: 'sharepoint',
      throttle: ru(2),
      handler: (req, res) => {
        const siteId = fa.groupSiteId(req.tenant, req.params.groupId);
        this.listDrives(req, res, siteId);
      },
    });
    ctx.route({
      name: 'files.siteDrives.list',
      method: 'GET',
      path: '/sites/:siteId/drives',
      roles: FILES_READ,
      service: 'sharepoint',
      throttle: ru(2),
      handler: (req, res) => this.listDrives(req, res, requireSite(fa, req.tenant, req.params.siteId).id),
    });
    // -------- per drive prefix
    for (const p of PREFIXES) this.driveRoutes(p);
  }

  private listDrives(req: GraphRequest, res: GraphResponse, siteId: string): void {
    const st = this.fa.state(req.tenant);
    const records = st.siteDrives(siteId);
    this.ctx.odata.page(req, res, records, {
      defaultPageSize: 200,
      maxPageSize: 1000,
      render: (d) => renderDrive(st.drive(d.id), d),
      context: `${req.baseUrl}/$metadata#drives`,
    });
  }

  private r(p: DrivePrefix, suffix: string, spec: Omit<RouteSpec, 'path' | 'name'> & { name: string }): void {
    this.ctx.route({ ...spec, name: spec.name, path: new RegExp(`^${p.re}${suffix}\\/?$`, 'i') });
  }

  private driveRoutes(p: DrivePrefix): void {
    const fa = this.fa;
    const ctx = this.ctx;
    const drive = (req: GraphRequest) => p.resolve(fa, req);
    const wrap =
      (fn: (req: GraphRequest, res: GraphResponse, store: DriveStore) => unknown | Promise<unknown>) =>
      async (req: GraphRequest, res: GraphResponse) => {
        try {
          await fn(req, res, drive(req));
        } catch (e) {
          throw asGraphError(e);
        }
      };
    const R = (suffix: string, method: HttpMethod | HttpMethod[], name: string, roles: Permission[], throttle: RouteSpec['throttle'], fn: Parameters<typeof wrap>[0]) =>
      this.r(p, suffix, { name: `files.${name}`, method, roles, service: 'sharepoint', throttle, handler: wrap(fn) });

    // the drive itself
    R('', 'GET', 'drive.get', FILES_READ, ru(1), (req, res, store) => res.json({ '@odata.context': `${req.baseUrl}/$metadata#drives/$entity`, ...ctx.odata.applySelect(renderDrive(store, store.drive), req.odata.select) }));

    // delta (root only)
    R(String.raw`(?<addr>\/root|\/items\/root)\/delta(?:\(\))?`, 'GET', 'delta', FILES_READ, (req) => ({ kind: 'sharepoint', ru: req.query.token || req.query.$deltatoken || req.query.$skiptoken ? 1 : 2 }), (req, res, store) =>
      this.delta(req, res, store),
    );

    // children
    R(`${ITEM}\\/children`, 'GET', 'children.list', FILES_READ, readRu(false), (req, res, store) => {
      const folder = this.resolveItem(store, req);
      if (!folder.folder) throw new GraphHttpError(400, 'invalidRequest', 'The item is not a folder.');
      ctx.odata.page(req, res, store.children(folder.id), {
        defaultPageSize: 200,
        maxPageSize: 1000,
        render: (c) => this.item(req, store, c),
        context: `${req.baseUrl}/$metadata#drives('${store.drive.id}')/items('${folder.id}')/children`,
      });
    });
    R(`${ITEM}\\/children`, 'POST', 'folder.create', FILES_WRITE, ru(2), async (req, res, store) => {
      const parent = this.resolveItem(store, req);
      const body = await req.json<Record<string, unknown>>();
      const behavior = conflictOf(body['@microsoft.graph.conflictBehavior'] ?? req.query['@microsoft.graph.conflictBehavior'], 'fail');
      if (!body.folder) throw new GraphHttpError(400, 'invalidRequest', 'Only folders can be created with POST children; upload files with PUT content.');
      const name = String(body.name ?? '');
      const by = appIdentity(req);
      const resolved = store.resolveConflict(parent.id, validate(name), behavior, true);
      if (resolved.replaces) return res.json(this.item(req, store, resolved.replaces), 200);
      const item = fa.createFolder(req.tenant, { driveId: store.drive.id, parentId: parent.id, name: resolved.name, ...fa.newItemId(), by });
      res.json(this.item(req, store, item), 201);
    });

    // content
    R(`${ITEM}\\/content`, 'GET', 'content.get', FILES_READ, ru(1), (req, res, store) => {
      const it = this.resolveItem(store, req);
      const v = store.current(it);
      if (it.folder || !v) throw new GraphHttpError(404, 'itemNotFound', 'The item has no content.');
      const json = renderItem(this.rc(req), store, it);
      res.redirect(json['@microsoft.graph.downloadUrl'] as string, 302);
    });
    R(`${ITEM}\\/content`, 'PUT', 'content.put', FILES_WRITE, ru(2), async (req, res, store) => this.simpleUpload(req, res, store));

    // upload sessions
    R(`${ITEM}\\/createUploadSession`, 'POST', 'uploadSession.create', FILES_WRITE, ru(2), async (req, res, store) => this.createUploadSession(req, res, store));

    // versions
    R(`${ITEM}\\/versions`, 'GET', 'versions.list', FILES_READ, ru(2), (req, res, store) => {
      const it = this.resolveItem(store, req);
      if (it.folder) throw new GraphHttpError(400, 'invalidRequest', 'Folders have no versions.');
      ctx.odata.page(req, res, [...it.versions].reverse(), {
        defaultPageSize: 200,
        maxPageSize: 1000,
        render: (v) => renderVersion(this.rc(req), it, v),
        context: `${req.baseUrl}/$metadata#drives('${store.drive.id}')/items('${it.id}')/versions`,
      });
    });
    R(`${ITEM}\\/versions\\/(?<versionId>[^/]+)`, 'GET', 'version.get', FILES_READ, ru(1), (req, res, store) => {
      const it = this.resolveItem(store, req);
      const v = it.versions.find((x) => x.id === req.params.versionId);
      if (!v) throw new GraphHttpError(404, 'itemNotFound', 'The version could not be found.');
      res.json(renderVersion(this.rc(req), it, v));
    });
    R(`${ITEM}\\/versions\\/(?<versionId>[^/]+)\\/content`, 'GET', 'version.content', FILES_READ, ru(1), (req, res, store) => {
      const it = this.resolveItem(store, req);
      const v = it.versions.find((x) => x.id === req.params.versionId);
      if (!v) throw new GraphHttpError(404, 'itemNotFound', 'The version could not be found.');
      res.redirect(renderVersion(this.rc(req), it, v)['@microsoft.graph.downloadUrl'] as string, 302);
    });

    // permissions
    R(`${ITEM}\\/permissions`, 'GET', 'permissions.list', FILES_READ, ru(5), (req, res, store) => {
      const it = this.resolveItem(store, req);
      ctx.odata.page(req, res, renderPermissions(store, it), { defaultPageSize: 200, maxPageSize: 1000, context: `${req.baseUrl}/$metadata#drives('${store.drive.id}')/items('${it.id}')/permissions` });
    });

    // the item itself
    R(ITEM, 'GET', 'item.get', FILES_READ, readRu(true), (req, res, store) => {
      const it = this.resolveItem(store, req);
      if (ctx.faults.vanish('files.item.get') && it.parentId !== null) {
        fa.deleteItem(req.tenant, { driveId: store.drive.id, itemId: it.id, by: SYSTEM_ACCOUNT });
        throw new GraphHttpError(404, 'itemNotFound', 'The resource could not be found.');
      }
      res.json({ '@odata.context': `${req.baseUrl}/$metadata#drives('${store.drive.id}')/items/$entity`, ...ctx.odata.applySelect(this.item(req, store, it), req.odata.select) });
    });
    R(ITEM, 'PATCH', 'item.update', FILES_WRITE, ru(2), async (req, res, store) => {
      const it = this.resolveItem(store, req);
      const body = await req.json<Record<string, any>>();
      const behavior = conflictOf(body['@microsoft.graph.conflictBehavior'] ?? req.query['@microsoft.graph.conflictBehavior'], 'fail');
      let parentId: string | undefined;
      const pref = body.parentReference as { id?: string; path?: string; driveId?: string } | undefined;
      if (pref) {
        if (pref.driveId && pref.driveId !== store.drive.id) throw new GraphHttpError(400, 'invalidRequest', 'Moving items between drives is not supported.');
        if (pref.id) parentId = pref.id.toLowerCase() === 'root' ? store.root.id : pref.id;
        else if (pref.path) {
          const target = store.resolvePath(store.root.id, pref.path.replace(/^\/drive\/root:?/i, ''));
          if (!target) throw new GraphHttpError(404, 'itemNotFound', 'The target folder could not be found.');
          parentId = target.id;
        }
        if (parentId && !store.get(parentId)) throw new GraphHttpError(404, 'itemNotFound', 'The target folder could not be found.');
      }
      let name = body.name !== undefined ? validate(String(body.name)) : undefined;
      const targetParent = parentId ?? it.parentId!;
      const newName = name ?? it.name;
      if (it.parentId === null) throw new GraphHttpError(400, 'invalidRequest', 'The root cannot be renamed or moved.');
      const clash = store.childByName(targetParent, newName);
      if (clash && clash.id !== it.id) {
        if (behavior === 'rename') name = store.resolveConflict(targetParent, newName, 'rename', it.folder).name;
        else throw new GraphHttpError(409, 'nameAlreadyExists', `An item with the name "${newName}" already exists in this location.`);
      }
      if (parentId && it.folder && store.isAncestor(it.id, parentId)) throw new GraphHttpError(400, 'invalidRequest', 'An item cannot be moved into itself.');
      const updated = fa.updateItem(req.tenant, {
        driveId: store.drive.id,
        itemId: it.id,
        name,
        parentId,
        description: typeof body.description === 'string' ? body.description : undefined,
        by: appIdentity(req),
      });
      res.json(this.item(req, store, updated));
    });
    R(ITEM, 'DELETE', 'item.delete', FILES_WRITE, ru(2), (req, res, store) => {
      const it = this.resolveItem(store, req);
      if (it.parentId === null) throw new GraphHttpError(403, 'accessDenied', 'The root of a drive cannot be deleted.');
      fa.deleteItem(req.tenant, { driveId: store.drive.id, itemId: it.id, by: appIdentity(req) });
      res.empty(204);
    });
  }

  // ---------------------------------------------------------------- delta

  private delta(req: GraphRequest, res: GraphResponse, store: DriveStore): void {
    const collection = `drive:${store.drive.id}`;
    const raw = req.query.token ?? req.query.$deltatoken ?? req.query.$skiptoken;
    const link = (token: string) => this.ctx.odata.link(req, { token, $deltatoken: undefined, $skiptoken: undefined });
    const context = `${req.baseUrl}/$metadata#Collection(driveItem)`;
    if (raw === 'latest') {
      const t = this.ctx.delta.encode({ m: 'files', c: collection, t: req.tenant.id, p: store.seq });
      return res.json({ '@odata.context': context, '@odata.deltaLink': link(t), value: [] });
    }
    let lo = 0;
    let hi = store.seq;
    let cursor: string | undefined;
    if (raw) {
      let st;
      try {
        st = this.ctx.delta.decode(req, raw, { module: 'files', collection, expiredError: RESYNC_REQUIRED });
      } catch (e) {
        if (e instanceof GraphHttpError && e.status === 410) {
          throw new GraphHttpError(410, e.code, e.message, { Location: this.ctx.odata.link(req, { token: undefined, $deltatoken: undefined, $skiptoken: undefined }) });
        }
        throw e;
      }
      lo = st.p;
      hi = st.u ?? store.seq;
      cursor = st.a;
    }
    const size = this.ctx.odata.pageSize(req, { defaultPageSize: 200, maxPageSize: 1000 });
    const window = store.window(lo, hi);
    let k = 0;
    if (cursor) {
      const [d, id] = [Number(cursor.slice(0, cursor.indexOf(':'))), cursor.slice(cursor.indexOf(':') + 1)];
      let a = 0;
      let b = window.length;
      while (a < b) {
        const mid = (a + b) >> 1;
        const m = window[mid];
        if (m.depth < d || (m.depth === d && m.id <= id)) a = mid + 1;
        else b = mid;
      }
      k = a;
    }
    const page = window.slice(k, k + size);
    const value = page.map((it) => this.ctx.odata.applySelect(this.item(req, store, it, true), req.odata.select));
    const body: Record<string, unknown> = { '@odata.context': context };
    if (k + size < window.length) {
      const last = page[page.length - 1];
      const t = this.ctx.delta.encode({ m: 'files', c: collection, t: req.tenant.id, p: lo, u: hi, a: `${last.depth}:${last.id}` });
      body['@odata.nextLink'] = link(t);
    } else {
      const t = this.ctx.delta.encode({ m: 'files', c: collection, t: req.tenant.id, p: hi });
      body['@odata.deltaLink'] = link(t);
    }
    body.value = value;
    res.json(body);
  }

  // ---------------------------------------------------------------- uploads

  private async simpleUpload(req: GraphRequest, res: GraphResponse, store: DriveStore): Promise<void> {
    const by = appIdentity(req);
    const behavior = conflictOf(req.query['@microsoft.graph.conflictBehavior'], 'replace');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > SIMPLE_UPLOAD_MAX) throw new GraphHttpError(413, 'requestTooLarge', 'Simple upload is limited to 250 MB; use an upload session.');
    const data = await req.body();
    if (data.length > SIMPLE_UPLOAD_MAX) throw new GraphHttpError(413, 'requestTooLarge', 'Simple upload is limited to 250 MB; use an upload session.');
    const content = this.storeBlob(data);
    // PUT /items/{id}/content replaces an existing file; with a path it creates or replaces
    if (!relOf(req)) {
      const it = this.resolveItem(store, req);
      if (it.folder) throw new GraphHttpError(400, 'invalidRequest', 'Cannot upload content to a folder.');
      const updated = this.fa.writeFile(req.tenant, { driveId: store.drive.id, itemId: it.id, content, by });
      return res.json(this.item(req, store, updated), 200);
    }
    const { parent, name } = this.resolveParentAndName(store, req, by, true);
    const { item, created } = this.commitFile(req.tenant, store, parent, validate(name), behavior, content, by);
    res.json(this.item(req, store, item), created ? 201 : 200);
  }

  storeBlob(data: Buffer): BlobContent {
    return blobContent(this.ctx, data);
  }

  /** Applies the conflict behaviour and commits a new file or a new version. */
  commitFile(
    tenant: TenantState,
    store: DriveStore,
    parent: ItemRecord,
    name: string,
    behavior: ConflictBehavior,
    content: ContentRef,
    by: IdentityRef,
  ): { item: ItemRecord; created: boolean } {
    let resolved;
    try {
      resolved = store.resolveConflict(parent.id, name, behavior, false);
    } catch (e) {
      throw asGraphError(e);
    }
    if (resolved.replaces) {
      return { item: this.fa.writeFile(tenant, { driveId: store.drive.id, itemId: resolved.replaces.id, content, by }), created: false };
    }
    const item = this.fa.writeFile(tenant, { driveId: store.drive.id, parentId: parent.id, name: resolved.name, mimeType: mimeTypeFor(resolved.name), content, ...this.fa.newItemId(), by });
    return { item, created: true };
  }

  private async createUploadSession(req: GraphRequest, res: GraphResponse, store: DriveStore): Promise<void> {
    const by = appIdentity(req);
    let body: Record<string, any> = {};
    const raw = await req.body();
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        throw new GraphHttpError(400, 'invalidRequest', 'The request body is not valid JSON.');
      }
    }
    const itemProps = (body.item ?? {}) as Record<string, unknown>;
    const behavior = conflictOf(itemProps['@microsoft.graph.conflictBehavior'] ?? req.query['@microsoft.graph.conflictBehavior'], 'replace');
    let parentId: string;
    let name: string;
    if (relOf(req)) {
      const r = this.resolveParentAndName(store, req, by, true);
      parentId = r.parent.id;
      name = validate(typeof itemProps.name === 'string' && itemProps.name ? itemProps.name : r.name);
    } else {
      // an existing item: the session replaces its content
      const it = this.resolveItem(store, req);
      if (it.folder) throw new GraphHttpError(400, 'invalidRequest', 'Cannot upload content to a folder.');
      parentId = it.parentId!;
      name = it.name;
    }
    const id = this.ctx.world.newId();
    const expiresAt = Date.now() + UPLOAD_SESSION_LIFETIME_MS;
    const fileSize = typeof itemProps.fileSize === 'number' ? itemProps.fileSize : undefined;
    const session = {
      id,
      tenantId: req.tenant.id,
      driveId: store.drive.id,
      parentId,
      name,
      conflictBehavior: behavior,
      totalSize: fileSize,
      received: 0,
      expiresAt,
      createdBy: by,
      description: typeof itemProps.description === 'string' ? itemProps.description : undefined,
    };
    this.fa.state(req.tenant).uploadSessions.set(id, session);
    const token = this.ctx.content.sign({ t: req.tenant.id, s: id, a: req.app.appId }, UPLOAD_SESSION_LIFETIME_MS / 1000);
    res.json({
      '@odata.context': `${req.baseUrl}/$metadata#microsoft.graph.uploadSession`,
      uploadUrl: this.ctx.content.url(`files/upload/${token}`),
      expirationDateTime: new Date(expiresAt).toISOString(),
      nextExpectedRanges: nextExpectedRanges(session),
    });
  }

  // ---------------------------------------------------------------- sites and lists

  private siteRoutes(): void {
    const ctx = this.ctx;
    const fa = this.fa;
    const S = (name: string, path: string | RegExp, throttle: RouteSpec['throttle'], handler: RouteSpec['handler'], method: HttpMethod = 'GET', roles: Permission[] = SITES_READ) =>
      ctx.route({ name: `files.${name}`, method, path, roles, service: 'sharepoint', throttle, handler });
    const sitesJson = (req: GraphRequest, res: GraphResponse, sites: SiteRecord[]) =>
      ctx.odata.page(req, res, sites, { defaultPageSize: 200, maxPageSize: 1000, render: renderSite, context: `${req.baseUrl}/$metadata#sites` });

    S('site.root', '/sites/root', ru(1), (req, res) => res.json({ '@odata.context': `${req.baseUrl}/$metadata#sites/$entity`, ...renderSite(requireSite(fa, req.tenant, 'root')) }));
    S('sites.delta', /^\/sites\/delta(?:\(\))?\/?$/i, (req) => ({ kind: 'sharepoint', ru: req.query.token || req.query.$deltatoken ? 1 : 2 }), (req, res) => this.sitesDelta(req, res));
    S('sites.all', /^\/sites\/getAllSites(?:\(\))?\/?$/i, ru(2), (req, res) => sitesJson(req, res, [...fa.state(req.tenant).sites.sites.values()]));
    S('sites.search', '/sites', ru(2), (req, res) => {
      const q = (req.query.search ?? req.odata.search ?? '').replace(/^"|"$/g, '').toLowerCase();
      const all = [...fa.state(req.tenant).sites.sites.values()].filter((s) => !s.isPersonal);
      const hits = q === '' || q === '*' ? all : all.filter((s) => s.displayName.toLowerCase().includes(q) || s.name.toLowerCase().includes(q) || s.description.toLowerCase().includes(q));
      sitesJson(req, res, hits);
    });
    S('site.byPath', /^\/sites\/(?<hostname>[^/:]+):(?<sitePath>\/[^:]*):?\/?$/i, ru(1), (req, res) => {
      const s = fa.state(req.tenant).sites.siteByPath(req.params.hostname, req.params.sitePath);
      if (!s) throw new GraphHttpError(404, 'itemNotFound', 'Requested site could not be found');
      res.json(renderSite(s));
    });
    S('group.siteRoot', '/groups/:groupId/sites/root', ru(1), (req, res) => res.json(renderSite(requireSite(fa, req.tenant, fa.groupSiteId(req.tenant, req.params.groupId)))));
    S('site.subsites', '/sites/:siteId/sites', ru(2), (req, res) => sitesJson(req, res, fa.state(req.tenant).sites.subsites(requireSite(fa, req.tenant, req.params.siteId).id)));
    S('lists.list', '/sites/:siteId/lists', ru(2), (req, res) => {
      const site = requireSite(fa, req.tenant, req.params.siteId);
      const st = fa.state(req.tenant);
      ctx.odata.page(req, res, site.listIds.map((id) => st.sites.lists.get(id)!), {
        defaultPageSize: 200,
        maxPageSize: 1000,
        render: renderList,
        context: `${req.baseUrl}/$metadata#sites('${site.id}')/lists`,
      });
    });
    S('listItems.delta', /^\/sites\/(?<siteId>[^/]+)\/lists\/(?<listId>[^/]+)\/items\/delta(?:\(\))?\/?$/i, (req) => ({ kind: 'sharepoint', ru: req.query.token || req.query.$deltatoken ? 1 : 2 }), (req, res) =>
      this.listItemsDelta(req, res),
    );
    S('listItems.list', '/sites/:siteId/lists/:listId/items', ru(2), (req, res) => {
      const list = requireList(fa, req.tenant, req.params.siteId, req.params.listId);
      const expand = /fields/i.test(req.odata.expand ?? '');
      ctx.odata.page(req, res, this.listItems(req.tenant, list), {
        defaultPageSize: 200,
        maxPageSize: 5000,
        render: (i) => renderListItem(list, i, expand),
        context: `${req.baseUrl}/$metadata#sites('${list.siteId}')/lists('${list.id}')/items`,
      });
    });
    S('listItem.get', '/sites/:siteId/lists/:listId/items/:itemId', ru(1), (req, res) => {
      const list = requireList(fa, req.tenant, req.params.siteId, req.params.listId);
      const item = this.listItems(req.tenant, list).find((i) => i.id === req.params.itemId);
      if (!item) throw new GraphHttpError(404, 'itemNotFound', 'The item could not be found.');
      res.json(renderListItem(list, item, /fields/i.test(req.odata.expand ?? '')));
    });
    S('listItem.fields', '/sites/:siteId/lists/:listId/items/:itemId/fields', ru(1), (req, res) => {
      const list = requireList(fa, req.tenant, req.params.siteId, req.params.listId);
      const item = this.listItems(req.tenant, list).find((i) => i.id === req.params.itemId);
      if (!item) throw new GraphHttpError(404, 'itemNotFound', 'The item could not be found.');
      res.json((renderListItem(list, item, true) as { fields: unknown }).fields);
    });
    S('list.get', '/sites/:siteId/lists/:listId', ru(1), (req, res) => res.json(renderList(requireList(fa, req.tenant, req.params.siteId, req.params.listId))));
    S('site.get', '/sites/:siteId', ru(1), (req, res) => res.json({ '@odata.context': `${req.baseUrl}/$metadata#sites/$entity`, ...renderSite(requireSite(fa, req.tenant, req.params.siteId)) }));
  }

  /** Generic list items, or a document library's drive items seen as list items. */
  listItems(tenant: TenantState, list: ListRecord): ReturnType<typeof driveItemAsListItem>[] {
    if (list.driveId) {
      const store = this.fa.drive(tenant, list.driveId);
      return [...store.walk()].filter((i) => i.parentId !== null).map((i) => driveItemAsListItem(store, list, i));
    }
    return [...list.items.values()].filter((i) => !i.deleted);
  }

  private sitesDelta(req: GraphRequest, res: GraphResponse): void {
    const st = this.fa.state(req.tenant);
    const collection = `sites:${req.tenant.id}`;
    const raw = req.query.token ?? req.query.$deltatoken ?? req.query.$skiptoken;
    let lo = 0;
    let hi = st.sites.siteSeq;
    let offset = 0;
    if (raw === 'latest') {
      return res.json({ '@odata.context': `${req.baseUrl}/$metadata#Collection(site)`, '@odata.deltaLink': this.ctx.odata.link(req, { token: this.ctx.delta.encode({ m: 'files', c: collection, t: req.tenant.id, p: hi }) }), value: [] });
    }
    if (raw) {
      const s = this.ctx.delta.decode(req, raw, { module: 'files', collection, expiredError: RESYNC_REQUIRED });
      lo = s.p;
      hi = s.u ?? hi;
      offset = s.o ?? 0;
    }
    const all = st.sites.siteWindow(lo, hi);
    const size = this.ctx.odata.pageSize(req, { defaultPageSize: 200, maxPageSize: 1000 });
    const body: Record<string, unknown> = { '@odata.context': `${req.baseUrl}/$metadata#Collection(site)` };
    const link = (t: string) => this.ctx.odata.link(req, { token: t, $deltatoken: undefined, $skiptoken: undefined });
    if (offset + size < all.length) body['@odata.nextLink'] = link(this.ctx.delta.encode({ m: 'files', c: collection, t: req.tenant.id, p: lo, u: hi, o: offset + size }));
    else body['@odata.deltaLink'] = link(this.ctx.delta.encode({ m: 'files', c: collection, t: req.tenant.id, p: hi }));
    body.value = all.slice(offset, offset + size).map(renderSite);
    res.json(body);
  }

  private listItemsDelta(req: GraphRequest, res: GraphResponse): void {
    const list = requireList(this.fa, req.tenant, req.params.siteId, req.params.listId);
    const collection = `list:${list.id}`;
    const raw = req.query.token ?? req.query.$deltatoken ?? req.query.$skiptoken;
    const store = list.driveId ? this.fa.drive(req.tenant, list.driveId) : undefined;
    const head = store ? store.seq : list.seq;
    const link = (t: string) => this.ctx.odata.link(req, { token: t, $deltatoken: undefined, $skiptoken: undefined });
    const context = `${req.baseUrl}/$metadata#Collection(listItem)`;
    if (raw === 'latest') {
      return res.json({ '@odata.context': context, '@odata.deltaLink': link(this.ctx.delta.encode({ m: 'files', c: collection, t: req.tenant.id, p: head })), value: [] });
    }
    let lo = 0;
    let hi = head;
    let offset = 0;
    if (raw) {
      const s = this.ctx.delta.decode(req, raw, { module: 'files', collection, expiredError: RESYNC_REQUIRED });
      lo = s.p;
      hi = s.u ?? hi;
      offset = s.o ?? 0;
    }
    const items = store
      ? store
          .window(lo, hi)
          .filter((i) => i.parentId !== null)
          .map((i) => driveItemAsListItem(store, list, i))
      : SitesStore.itemWindow(list, lo, hi);
    const size = this.ctx.odata.pageSize(req, { defaultPageSize: 200, maxPageSize: 1000 });
    const expand = /fields/i.test(req.odata.expand ?? '');
    const body: Record<string, unknown> = { '@odata.context': context };
    if (offset + size < items.length) body['@odata.nextLink'] = link(this.ctx.delta.encode({ m: 'files', c: collection, t: req.tenant.id, p: lo, u: hi, o: offset + size }));
    else body['@odata.deltaLink'] = link(this.ctx.delta.encode({ m: 'files', c: collection, t: req.tenant.id, p: hi }));
    body.value = items.slice(offset, offset + size).map((i) => renderListItem(list, i, expand));
    res.json(body);
  }
}

function validate(name: string): string {
  if (!name || /["*:<>?/\\|\u0000-\u001f]/.test(name) || name !== name.trim() || name.endsWith('.')) {
    throw new GraphHttpError(400, 'invalidRequest', `The name "${name}" is empty or contains characters that are not allowed.`);
  }
  return name;
}

/** The `:/path:` part; the router hands unmatched optional groups over as "undefined". */
function relOf(req: GraphRequest): string | undefined {
  const rel = req.params.rel;
  return rel && rel.startsWith('/') ? rel : undefined;
}

import type { ContentApi } from '../framework/content';
import { generatedQuickXorHash } from './content/generated-content';
import type { ContentRef, DriveRecord, DriveStore, IdentityRef, ItemRecord, VersionRecord } from './model/drive-store';
import type { ListItemRecord, ListRecord, SiteRecord } from './model/sites-store';
import { mixHash } from './generation/seeded-random';

/** Graph JSON for drives, driveItems, versions, permissions, sites, lists and list items. */

const hashCache = new Map<string, string>();

export function quickXorOf(content: ContentRef): string {
  if (content.kind === 'blob') return content.quickXorHash;
  const key = `${content.seed}|${content.size}|${content.flavor}|${content.prefix ?? ''}`;
  let h = hashCache.get(key);
  if (h === undefined) {
    h = generatedQuickXorHash(content);
    if (hashCache.size > 200_000) hashCache.clear();
    hashCache.set(key, h);
  }
  return h;
}

export function identitySet(who: IdentityRef): Record<string, unknown> {
  if (!who.id) return { user: { displayName: who.displayName } };
  const user: Record<string, unknown> = { id: who.id, displayName: who.displayName };
  if (who.email) user.email = who.email;
  return { user };
}

export interface DownloadTokenPayload {
  t: string; // tenant id
  d: string; // drive id
  i: string; // item id
  v: string; // version id
  a?: string; // app id
}

export interface RenderContext {
  tenantId: string;
  /** Calling application: downloads count against its SharePoint budget. */
  appId?: string;
  content: ContentApi;
  /** Leave out parentReference.path (delta). */
  delta?: boolean;
  /** Leave out @microsoft.graph.downloadUrl. */
  noDownloadUrl?: boolean;
}

export function downloadUrl(rc: RenderContext, item: ItemRecord, version: VersionRecord): string {
  const token = rc.content.sign({ t: rc.tenantId, d: item.driveId, i: item.id, v: version.id, a: rc.appId } satisfies DownloadTokenPayload, 3600);
  return rc.content.url(`files/download/${token}`);
}

function encodePath(parts: string[]): string {
  return parts.map((p) => encodeURIComponent(p)).join('/');
}

export function itemWebUrl(store: DriveStore, item: ItemRecord): string {
  if (item.parentId === null) return store.drive.webUrl;
  const names: string[] = [];
  let cur: ItemRecord | undefined = item;
  while (cur && cur.parentId !== null) {
    names.unshift(cur.name);
    cur = store.items.get(cur.parentId);
  }
  return `${store.drive.webUrl}/${encodePath(names)}`;
}

function guidUpper(id: string): string {
  return id.toUpperCase();
}

export function renderDrive(store: DriveStore | undefined, d: DriveRecord): Record<string, unknown> {
  const used = store ? store.size(store.root) : 0;
  const owner =
    d.owner.kind === 'user'
      ? { user: { email: d.owner.email, id: d.owner.id, displayName: d.owner.displayName } }
      : { group: { email: d.owner.email, id: d.owner.id, displayName: d.owner.displayName } };
  return {
    createdDateTime: d.createdDateTime,
    description: d.description,
    id: d.id,
    lastModifiedDateTime: store ? store.root.lastModifiedDateTime : d.createdDateTime,
    name: d.name,
    webUrl: d.webUrl,
    driveType: d.driveType,
    createdBy: { user: { displayName: 'System Account' } },
    lastModifiedBy: { user: { displayName: 'System Account' } },
    owner,
    quota: { deleted: 0, remaining: Math.max(0, d.quotaTotal - used), state: 'normal', total: d.quotaTotal, used },
  };
}

export function renderItem(rc: RenderContext, store: DriveStore, item: ItemRecord): Record<string, unknown> {
  const d = store.drive;
  const out: Record<string, unknown> = {};
  const version = store.current(item);
  if (item.deleted) {
    // deletions in delta: id, deleted facet, parentReference, no name
    out.id = item.id;
    out.deleted = { state: 'deleted' };
    out.parentReference = { driveType: d.driveType, driveId: d.id, id: item.parentId ?? undefined, siteId: d.siteId };
    out.lastModifiedDateTime = item.lastModifiedDateTime;
    if (item.folder) out.folder = { childCount: 0 };
    else out.file = {};
    return out;
  }
  if (!item.folder && version && !rc.noDownloadUrl) out['@microsoft.graph.downloadUrl'] = downloadUrl(rc, item, version);
  out.createdBy = identitySet(item.createdBy);
  out.createdDateTime = item.createdDateTime;
  out.eTag = `"{${guidUpper(item.uniqueId)}},${item.eTagVersion}"`;
  out.id = item.id;
  out.lastModifiedBy = identitySet(item.lastModifiedBy);
  out.lastModifiedDateTime = item.lastModifiedDateTime;
  out.name = item.parentId === null ? 'root' : item.name;
  if (item.description) out.description = item.description;
  const parentRef: Record<string, unknown> = { driveType: d.driveType, driveId: d.id };
  if (item.parentId !== null) {
    parentRef.id = item.parentId;
    const parent = store.items.get(item.parentId);
    if (parent) parentRef.name = parent.parentId === null ? 'root' : parent.name;
    if (!rc.delta) parentRef.path = store.parentPath(item);
  }
  parentRef.siteId = d.siteId;
  out.parentReference = parentRef;
  out.webUrl = itemWebUrl(store, item);
  out.cTag = `"c:{${guidUpper(item.uniqueId)}},${item.cTagVersion}"`;
  out.fileSystemInfo = { createdDateTime: item.createdDateTime, lastModifiedDateTime: item.lastModifiedDateTime };
  if (item.folder) {
    out.folder = { childCount: store.childCount(item.id) };
    if (item.parentId === null) out.root = {};
    out.size = store.size(item);
  } else {
    out.file = { mimeType: item.mimeType ?? 'application/octet-stream', hashes: { quickXorHash: version ? quickXorOf(version.content) : 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' } };
    out.size = version?.size ?? 0;
  }
  if (mixHash(item.id, 'shared') % 5 === 0) out.shared = { scope: 'users' };
  return out;
}

export function renderVersion(rc: RenderContext, item: ItemRecord, v: VersionRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!rc.noDownloadUrl) out['@microsoft.graph.downloadUrl'] = downloadUrl(rc, item, v);
  out.id = v.id;
  out.lastModifiedDateTime = v.lastModifiedDateTime;
  out.size = v.size;
  out.lastModifiedBy = identitySet(v.lastModifiedBy);
  return out;
}

/** Deterministic permissions: the owner, the site members group, and sometimes a sharing link. */
export function renderPermissions(store: DriveStore, item: ItemRecord): Record<string, unknown>[] {
  const d = store.drive;
  const out: Record<string, unknown>[] = [];
  const inherited = item.parentId !== null ? { driveId: d.id, id: d.rootId, path: '/drive/root:' } : undefined;
  const owner = d.owner;
  out.push({
    id: `owner-${owner.id}`.slice(0, 40),
    roles: ['owner'],
    grantedTo: { user: { displayName: owner.displayName, email: owner.email, id: owner.kind === 'user' ? owner.id : undefined } },
    grantedToV2: owner.kind === 'user' ? { user: { displayName: owner.displayName, email: owner.email, id: owner.id } } : { siteGroup: { displayName: `${owner.displayName}`, id: '3', loginName: owner.displayName } },
    ...(inherited ? { inheritedFrom: inherited } : {}),
    shareId: `s!${mixHash(item.id, 'share').toString(36)}`,
  });
  if (d.driveType === 'documentLibrary') {
    out.push({
      id: 'members',
      roles: ['write'],
      grantedToV2: { siteGroup: { displayName: 'Members', id: '5', loginName: 'Members' } },
      ...(inherited ? { inheritedFrom: inherited } : {}),
    });
  }
  if (mixHash(item.id, 'shared') % 5 === 0) {
    out.push({
      id: `link-${mixHash(item.id, 'link').toString(16)}`,
      roles: ['read'],
      hasPassword: false,
      link: { scope: 'organization', type: 'view', webUrl: `${d.siteWebUrl}/:f:/g/${mixHash(item.id, 'url').toString(36)}`, preventsDownload: false },
      shareId: `u!${mixHash(item.id, 'linkshare').toString(36)}`,
    });
  }
  return out;
}

export function renderSite(s: SiteRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    createdDateTime: s.createdDateTime,
    description: s.description,
    id: s.id,
    lastModifiedDateTime: s.lastModifiedDateTime,
    name: s.name || s.hostname,
    webUrl: s.webUrl,
    displayName: s.displayName,
    isPersonalSite: s.isPersonal,
    siteCollection: { hostname: s.hostname },
  };
  if (s.isRoot) {
    out.root = {};
    (out.siteCollection as Record<string, unknown>).root = {};
  }
  return out;
}

export function renderList(l: ListRecord): Record<string, unknown> {
  return {
    '@odata.etag': `"${l.id},${l.seq}"`,
    createdDateTime: l.createdDateTime,
    description: l.description,
    eTag: `"${l.id},${l.seq}"`,
    id: l.id,
    lastModifiedDateTime: l.lastModifiedDateTime,
    name: l.name,
    webUrl: l.webUrl,
    displayName: l.displayName,
    createdBy: identitySet(l.createdBy),
    parentReference: { siteId: l.siteId },
    list: { contentTypesEnabled: false, hidden: l.hidden, template: l.template },
  };
}

export function renderListItem(l: ListRecord, i: ListItemRecord, expandFields: boolean): Record<string, unknown> {
  const etag = `"${i.uniqueId},${i.eTagVersion}"`;
  if (i.deleted) return { id: i.id, deleted: { state: 'deleted' }, lastModifiedDateTime: i.lastModifiedDateTime };
  const out: Record<string, unknown> = {
    '@odata.etag': etag,
    createdDateTime: i.createdDateTime,
    eTag: etag,
    id: i.id,
    lastModifiedDateTime: i.lastModifiedDateTime,
    webUrl: `${l.webUrl}/DispForm.aspx?ID=${i.id}`,
    createdBy: identitySet(i.createdBy),
    lastModifiedBy: identitySet(i.lastModifiedBy),
    parentReference: { id: l.id, siteId: l.siteId },
    contentType: l.template === 'documentLibrary' ? { id: '0x0101', name: 'Document' } : { id: '0x0100', name: 'Item' },
  };
  if (expandFields) {
    out['fields@odata.context'] = undefined;
    delete out['fields@odata.context'];
    out.fields = { '@odata.etag': etag, id: i.id, ...i.fields, Modified: i.lastModifiedDateTime, Created: i.createdDateTime };
  }
  return out;
}

/** A document library's list items are its drive items (files and folders). */
export function driveItemAsListItem(store: DriveStore, l: ListRecord, item: ItemRecord): ListItemRecord {
  return {
    id: String(item.listItemId),
    uniqueId: item.uniqueId,
    createdDateTime: item.createdDateTime,
    lastModifiedDateTime: item.lastModifiedDateTime,
    createdBy: item.createdBy,
    lastModifiedBy: item.lastModifiedBy,
    fields: {
      FileLeafRef: item.name,
      ContentType: item.folder ? 'Folder' : 'Document',
      FileSizeDisplay: item.folder ? undefined : String(store.current(item)?.size ?? 0),
      ItemChildCount: item.folder ? String(store.childCount(item.id)) : '0',
    },
    seq: item.seq,
    deleted: item.deleted,
    eTagVersion: item.eTagVersion,
  };
  void l;
}

import type { IdentityRef } from './drive-store';

/**
 * SharePoint sites (root, team/communication sites, group sites, subsites, personal sites),
 * their lists and list items, with change stamps for /sites/delta and list item delta.
 */
export interface SiteRecord {
  /** "{hostname},{siteCollectionId},{webId}" */
  id: string;
  hostname: string;
  siteCollectionId: string;
  webId: string;
  /** URL segment, e.g. "Marketing". */
  name: string;
  displayName: string;
  description: string;
  webUrl: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  parentId: string | null;
  isRoot: boolean;
  isPersonal: boolean;
  groupId?: string;
  driveIds: string[];
  listIds: string[];
  seq: number;
}

export type ListTemplate = 'documentLibrary' | 'genericList' | 'events' | 'contacts' | 'tasks';

export interface ColumnRecord {
  name: string;
  displayName: string;
  type: 'text' | 'number' | 'dateTime' | 'boolean' | 'choice' | 'personOrGroup';
  choices?: string[];
}

export interface ListItemRecord {
  id: string;
  uniqueId: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  createdBy: IdentityRef;
  lastModifiedBy: IdentityRef;
  fields: Record<string, unknown>;
  seq: number;
  deleted: boolean;
  eTagVersion: number;
}

export interface ListRecord {
  id: string;
  siteId: string;
  /** URL name ("Shared Documents", "Lists/Tasks"). */
  urlName: string;
  name: string;
  displayName: string;
  description: string;
  template: ListTemplate;
  hidden: boolean;
  createdDateTime: string;
  lastModifiedDateTime: string;
  createdBy: IdentityRef;
  webUrl: string;
  driveId?: string;
  columns: ColumnRecord[];
  items: Map<string, ListItemRecord>;
  seq: number;
  nextItemId: number;
}

export class SitesStore {
  readonly sites = new Map<string, SiteRecord>();
  readonly lists = new Map<string, ListRecord>();
  /** Stamp source for /sites/delta. */
  siteSeq = 1;

  addSite(site: SiteRecord): void {
    this.sites.set(site.id, site);
    if (site.parentId) {
      // a subsite is listed by its parent's /sites; nothing else to index
    }
  }

  /** Finds a site by full id, by "{hostname},{scId},{webId}" case-insensitively, or by site collection id alone. */
  site(id: string): SiteRecord | undefined {
    const direct = this.sites.get(id);
    if (direct) return direct;
    const low = id.toLowerCase();
    for (const s of this.sites.values()) {
      if (s.id.toLowerCase() === low) return s;
    }
    return undefined;
  }

  /** "/sites/{hostname}:/sites/{path}" addressing. */
  siteByPath(hostname: string, serverRelative: string): SiteRecord | undefined {
    const want = `https://${hostname.toLowerCase()}${serverRelative.replace(/\/+$/, '').toLowerCase()}`;
    for (const s of this.sites.values()) if (s.webUrl.toLowerCase() === want) return s;
    return undefined;
  }

  subsites(siteId: string): SiteRecord[] {
    return [...this.sites.values()].filter((s) => s.parentId === siteId);
  }

  list(siteId: string, listIdOrName: string): ListRecord | undefined {
    const site = this.sites.get(siteId);
    if (!site) return undefined;
    const low = listIdOrName.toLowerCase();
    for (const id of site.listIds) {
      const l = this.lists.get(id)!;
      if (l.id.toLowerCase() === low || l.displayName.toLowerCase() === low || l.name.toLowerCase() === low) return l;
    }
    return undefined;
  }

  /** Sites stamped in (lo, hi] ordered by stamp then id; the initial round (lo = 0) lists all sites. */
  siteWindow(lo: number, hi: number): SiteRecord[] {
    return [...this.sites.values()]
      .filter((s) => !s.isPersonal && s.seq > lo && s.seq <= hi)
      .sort((a, b) => a.seq - b.seq || (a.id < b.id ? -1 : 1));
  }

  static itemWindow(list: ListRecord, lo: number, hi: number): ListItemRecord[] {
    return [...list.items.values()]
      .filter((i) => i.seq > lo && i.seq <= hi && (lo > 0 || !i.deleted))
      .sort((a, b) => a.seq - b.seq || Number(a.id) - Number(b.id));
  }

  static addItem(list: ListRecord, fields: Record<string, unknown>, uniqueId: string, at: string, by: IdentityRef): ListItemRecord {
    const item: ListItemRecord = {
      id: String(list.nextItemId++),
      uniqueId,
      createdDateTime: at,
      lastModifiedDateTime: at,
      createdBy: by,
      lastModifiedBy: by,
      fields,
      seq: ++list.seq,
      deleted: false,
      eTagVersion: 1,
    };
    list.items.set(item.id, item);
    list.lastModifiedDateTime = at;
    return item;
  }

  static updateItem(list: ListRecord, id: string, fields: Record<string, unknown>, at: string, by: IdentityRef): ListItemRecord | undefined {
    const item = list.items.get(id);
    if (!item || item.deleted) return undefined;
    Object.assign(item.fields, fields);
    item.lastModifiedDateTime = at;
    item.lastModifiedBy = by;
    item.eTagVersion++;
    item.seq = ++list.seq;
    list.lastModifiedDateTime = at;
    return item;
  }

  static deleteItem(list: ListRecord, id: string, at: string): ListItemRecord | undefined {
    const item = list.items.get(id);
    if (!item || item.deleted) return undefined;
    item.deleted = true;
    item.seq = ++list.seq;
    item.lastModifiedDateTime = at;
    list.lastModifiedDateTime = at;
    return item;
  }
}

import { createHash } from 'node:crypto';
import type { SimGroup, SimUser, TenantState } from '../framework/world';
import { DriveStore, type DriveRecord, type IdentityRef } from './model/drive-store';
import { SitesStore, type ListRecord, type SiteRecord, type ColumnRecord, type ListTemplate } from './model/sites-store';
import type { UploadSessionState } from './model/upload-session';
import { generateDriveContent } from './generation/drive-generator';
import { Rng, seededGuid, seededItemId } from './generation/seeded-random';

/**
 * Per-tenant OneDrive/SharePoint state. Sites, lists and drive records are built when the
 * tenant is first touched; a drive's items are generated on first access (deterministic, so
 * it does not matter when). Journal appliers change it on top.
 */
export interface FilesSizes {
  filesPerDrive: number;
  filesPerLibrary: number;
  folderDepth: number;
  largeFileRate: number;
  hugeFileBytes: number;
  sites: number;
  subsitesPerSite: number;
  listItemsPerList: number;
}

export function filesSizes(sizes: Readonly<Record<string, number>>): FilesSizes {
  const n = (k: string, d: number) => (Number.isFinite(sizes[k]) ? sizes[k] : d);
  return {
    filesPerDrive: n('filesPerDrive', 40),
    filesPerLibrary: n('filesPerLibrary', 25),
    folderDepth: n('folderDepth', 5),
    largeFileRate: n('largeFileRate', 0),
    hugeFileBytes: n('hugeFileBytes', 0),
    sites: n('sites', 2),
    subsitesPerSite: n('subsitesPerSite', 2),
    listItemsPerList: n('listItemsPerList', 20),
  };
}

/** Generated content is dated up to this instant (mutations happen later, at real time). */
export const FILES_ANCHOR = '2026-10-01T00:00:00Z';

export const SYSTEM_ACCOUNT: IdentityRef = { id: '', displayName: 'System Account' };

interface DriveSlot {
  record: DriveRecord;
  store?: DriveStore;
  files: number;
  hugeFileBytes: number;
  editors: IdentityRef[];
}

export function userRef(u: SimUser): IdentityRef {
  return { id: u.id, displayName: u.displayName, email: u.mail ?? u.userPrincipalName };
}

export function hasOneDrive(u: SimUser): boolean {
  return u.userType === 'Member' && u.assignedLicenses.length > 0 && !u.deletedDateTime;
}

function driveIdFor(seed: number, ...parts: string[]): string {
  return 'b!' + createHash('sha256').update([seed, ...parts].join('\u0001')).digest().subarray(0, 48).toString('base64url');
}

function slug(s: string): string {
  return s.normalize('NFKD').replace(/[^A-Za-z0-9]/g, '') || 'site';
}

export class FilesState {
  readonly sites = new SitesStore();
  private readonly drives = new Map<string, DriveSlot>();
  readonly userDrives = new Map<string, string>();
  readonly groupSites = new Map<string, string>();
  readonly uploadSessions = new Map<string, UploadSessionState>();
  readonly hostname: string;
  readonly myHostname: string;
  rootSiteId = '';
  private readonly sizes: FilesSizes;

  constructor(
    private readonly tenant: TenantState,
    private readonly seed: number,
    rawSizes: Readonly<Record<string, number>>,
  ) {
    this.sizes = filesSizes(rawSizes);
    const prefix = tenant.defaultDomain.split('.')[0].toLowerCase().replace(/[^a-z0-9]/g, '') || tenant.name.toLowerCase();
    this.hostname = `${prefix}.sharepoint.com`;
    this.myHostname = `${prefix}-my.sharepoint.com`;
    this.build();
  }

  // ---- lookups ---------------------------------------------------------------------------

  drive(id: string): DriveStore | undefined {
    const slot = this.drives.get(id);
    if (!slot) return undefined;
    if (!slot.store) slot.store = this.materialize(slot);
    return slot.store;
  }

  driveRecord(id: string): DriveRecord | undefined {
    return this.drives.get(id)?.record;
  }

  userDrive(userId: string): DriveStore | undefined {
    const id = this.userDrives.get(userId);
    return id ? this.drive(id) : undefined;
  }

  /** Creates the OneDrive of a user added after the tenant was built (licensed members). */
  ensureUserDrive(u: SimUser): DriveStore | undefined {
    if (!this.userDrives.has(u.id) && hasOneDrive(u)) this.addUserDrive(u);
    return this.userDrive(u.id);
  }

  siteDrives(siteId: string): DriveRecord[] {
    const site = this.sites.sites.get(siteId);
    return site ? site.driveIds.map((d) => this.drives.get(d)!.record) : [];
  }

  allDriveIds(): string[] {
    return [...this.drives.keys()];
  }

  // ---- building --------------------------------------------------------------------------

  private build(): void {
    const t = this.tenant;
    const r = new Rng(this.seed, 'files', t.id);
    const created = t.createdDateTime;
    const root = this.addSite({ name: '', displayName: 'Communication site', description: `${t.displayName} intranet`, parentId: null, isRoot: true, created, key: 'root' });
    this.rootSiteId = root.id;
    this.addGenericLists(root, r);
    const members = [...t.users.values()].filter((u) => hasOneDrive(u));
    const people = members.slice(0, 6).map(userRef);
    const names = ['Marketing', 'Ventes Europe', 'Projekt Ölwechsel', 'Разработка', '経理部', 'HR Portal', 'Legal & Compliance', 'Engineering'];
    for (let s = 0; s < this.sizes.sites; s++) {
      const displayName = names[s % names.length] + (s >= names.length ? ` ${s}` : '');
      const site = this.addSite({ name: `sites/${slug(displayName)}${s >= names.length ? s : ''}`, displayName, description: `${displayName} team site`, parentId: null, isRoot: false, created, key: `site${s}` });
      this.addLibrary(site, 'Documents', 'Shared Documents', people, this.sizes.filesPerLibrary, true);
      if (s === 0) this.addLibrary(site, 'Archiv 2024', 'Archiv 2024', people, Math.ceil(this.sizes.filesPerLibrary / 2), false);
      this.addGenericLists(site, r);
      for (let k = 0; k < this.sizes.subsitesPerSite; k++) {
        const subName = ['Projekte', 'Équipe A', 'Команда', 'Archive'][k % 4] + (k >= 4 ? ` ${k}` : '');
        const sub = this.addSite({ name: `${site.webUrl.replace(/^https:\/\/[^/]+\//, '')}/${slug(subName)}${k}`, displayName: subName, description: `${subName} (${displayName})`, parentId: site.id, isRoot: false, created, key: `site${s}/sub${k}` });
        this.addLibrary(sub, 'Documents', 'Shared Documents', people, Math.ceil(this.sizes.filesPerLibrary / 3), true);
        this.addGenericLists(sub, r, 1);
      }
    }
    for (const g of t.groups.values()) this.addGroupSite(g);
    for (const u of members) this.addUserDrive(u);
    void root;
  }

  private addSite(o: { name: string; displayName: string; description: string; parentId: string | null; isRoot: boolean; created: string; key: string; personal?: boolean; groupId?: string }): SiteRecord {
    const hostname = o.personal ? this.myHostname : this.hostname;
    const parent = o.parentId ? this.sites.sites.get(o.parentId) : undefined;
    const siteCollectionId = parent ? parent.siteCollectionId : seededGuid(this.seed, this.tenant.id, 'sc', o.key);
    const webId = seededGuid(this.seed, this.tenant.id, 'web', o.key);
    const site: SiteRecord = {
      id: `${hostname},${siteCollectionId},${webId}`,
      hostname,
      siteCollectionId,
      webId,
      name: o.isRoot ? '' : o.name.split('/').pop()!,
      displayName: o.displayName,
      description: o.description,
      webUrl: `https://${hostname}${o.name ? '/' + o.name : ''}`,
      createdDateTime: o.created,
      lastModifiedDateTime: FILES_ANCHOR,
      parentId: o.parentId,
      isRoot: o.isRoot,
      isPersonal: !!o.personal,
      groupId: o.groupId,
      driveIds: [],
      listIds: [],
      seq: 1,
    };
    this.sites.addSite(site);
    return site;
  }

  private addList(site: SiteRecord, displayName: string, urlName: string, template: ListTemplate, columns: ColumnRecord[], hidden = false): ListRecord {
    const id = seededGuid(this.seed, site.id, 'list', displayName);
    const list: ListRecord = {
      id,
      siteId: site.id,
      urlName,
      name: urlName.split('/').pop()!,
      displayName,
      description: '',
      template,
      hidden,
      createdDateTime: site.createdDateTime,
      lastModifiedDateTime: FILES_ANCHOR,
      createdBy: SYSTEM_ACCOUNT,
      webUrl: `${site.webUrl}/${urlName}`,
      columns,
      items: new Map(),
      seq: 1,
      nextItemId: 1,
    };
    this.sites.lists.set(id, list);
    site.listIds.push(id);
    return list;
  }

  private addLibrary(site: SiteRecord, displayName: string, urlName: string, editors: IdentityRef[], files: number, isDefault: boolean, owner?: DriveRecord['owner']): DriveRecord {
    const list = this.addList(site, displayName, urlName, 'documentLibrary', [
      { name: 'FileLeafRef', displayName: 'Name', type: 'text' },
      { name: 'Title', displayName: 'Title', type: 'text' },
    ]);
    const id = driveIdFor(this.seed, site.id, list.id);
    const record: DriveRecord = {
      id,
      name: displayName,
      description: '',
      driveType: site.isPersonal ? 'business' : 'documentLibrary',
      owner: owner ?? { kind: 'group', id: site.groupId ?? seededGuid(this.seed, site.id, 'owners'), displayName: `${site.displayName} Owners` },
      siteId: site.id,
      siteWebUrl: site.webUrl,
      listId: list.id,
      webUrl: `${site.webUrl}/${urlName}`,
      createdDateTime: site.createdDateTime,
      rootId: seededItemId(this.seed, id, 'root'),
      quotaTotal: site.isPersonal ? 1024 ** 4 : 25 * 1024 ** 4,
    };
    list.driveId = id;
    if (isDefault) site.driveIds.unshift(id);
    else site.driveIds.push(id);
    this.drives.set(id, { record, files, hugeFileBytes: 0, editors });
    return record;
  }

  private addGenericLists(site: SiteRecord, r: Rng, count = 2): void {
    const specs: Array<{ name: string; url: string; template: ListTemplate; columns: ColumnRecord[] }> = [
      {
        name: 'Aufgaben – Tasks',
        url: 'Lists/Tasks',
        template: 'genericList',
        columns: [
          { name: 'Title', displayName: 'Title', type: 'text' },
          { name: 'Status', displayName: 'Status', type: 'choice', choices: ['Not started', 'In progress', 'Erledigt ✔'] },
          { name: 'DueDate', displayName: 'Due date', type: 'dateTime' },
          { name: 'Priority', displayName: 'Priority', type: 'number' },
        ],
      },
      {
        name: 'Контакты',
        url: 'Lists/Contacts',
        template: 'genericList',
        columns: [
          { name: 'Title', displayName: 'Title', type: 'text' },
          { name: 'Email', displayName: 'E-mail', type: 'text' },
          { name: 'Active', displayName: 'Active', type: 'boolean' },
        ],
      },
    ];
    const titles = ['Prepare Q3 review', 'Réunion client', 'Обновить договор', '請求書を送る', 'Café order ☕', 'Review Zürich lease', 'Ship v2 🚀'];
    for (const spec of specs.slice(0, count)) {
      const list = this.addList(site, spec.name, spec.url, spec.template, spec.columns);
      const people = [...this.tenant.users.values()].slice(0, 5);
      for (let i = 0; i < this.sizes.listItemsPerList; i++) {
        const by = people.length ? userRef(r.pick(people)) : SYSTEM_ACCOUNT;
        const at = new Date(Date.parse(FILES_ANCHOR) - r.int(1, 400) * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
        const fields: Record<string, unknown> = { Title: `${r.pick(titles)} #${i + 1}` };
        for (const c of spec.columns) {
          if (c.name === 'Title') continue;
          if (c.type === 'choice') fields[c.name] = r.pick(c.choices!);
          if (c.type === 'dateTime') fields[c.name] = at;
          if (c.type === 'number') fields[c.name] = r.int(1, 5);
          if (c.type === 'boolean') fields[c.name] = r.chance(0.7);
          if (c.type === 'text') fields[c.name] = `person${i}@example.com`;
        }
        const item = SitesStore.addItem(list, fields, seededGuid(this.seed, list.id, 'item', i), at, by);
        item.seq = 1;
      }
      list.seq = 1;
    }
  }

  addGroupSite(g: SimGroup): void {
    if (!g.groupTypes.includes('Unified') || g.deletedDateTime || this.groupSites.has(g.id)) return;
    const site = this.addSite({
      name: `sites/${slug(g.mailNickname || g.displayName)}`,
      displayName: g.displayName,
      description: g.description ?? '',
      parentId: null,
      isRoot: false,
      created: g.createdDateTime,
      key: `group:${g.id}`,
      groupId: g.id,
    });
    const editors = g.members
      .map((id) => this.tenant.users.get(id))
      .filter((u): u is SimUser => !!u)
      .map(userRef);
    this.addLibrary(site, 'Documents', 'Shared Documents', editors, this.sizes.filesPerLibrary, true, { kind: 'group', id: g.id, displayName: g.displayName, email: g.mail ?? undefined });
    this.groupSites.set(g.id, site.id);
  }

  /** A separate site (and library) for a private or shared channel: "{team}-{channel}". */
  addChannelSite(key: string, displayName: string, groupId: string, editors: IdentityRef[]): { site: SiteRecord; drive: DriveRecord } {
    const existing = [...this.sites.sites.values()].find((s) => s.name === slug(displayName) && s.groupId === groupId);
    if (existing) return { site: existing, drive: this.drives.get(existing.driveIds[0])!.record };
    const site = this.addSite({ name: `sites/${slug(displayName)}`, displayName, description: '', parentId: null, isRoot: false, created: FILES_ANCHOR, key: `channel:${key}`, groupId });
    const drive = this.addLibrary(site, 'Documents', 'Shared Documents', editors, 0, true, { kind: 'group', id: groupId, displayName });
    return { site, drive };
  }

  private addUserDrive(u: SimUser): void {
    const upnPath = u.userPrincipalName.toLowerCase().replace(/[@.]/g, '_');
    const site = this.addSite({ name: `personal/${upnPath}`, displayName: u.displayName, description: '', parentId: null, isRoot: false, created: u.createdDateTime, key: `personal:${u.id}`, personal: true });
    const record = this.addLibrary(site, 'OneDrive', 'Documents', [], this.sizes.filesPerDrive, true, { kind: 'user', id: u.id, displayName: u.displayName, email: u.mail ?? u.userPrincipalName });
    const slot = this.drives.get(record.id)!;
    // the first licensed user carries the huge file, when one is configured
    if (this.userDrives.size === 0) slot.hugeFileBytes = this.sizes.hugeFileBytes;
    this.userDrives.set(u.id, record.id);
  }

  private materialize(slot: DriveSlot): DriveStore {
    const store = new DriveStore(slot.record);
    const owner: IdentityRef =
      slot.record.owner.kind === 'user' ? { id: slot.record.owner.id, displayName: slot.record.owner.displayName, email: slot.record.owner.email } : SYSTEM_ACCOUNT;
    store.createRoot({ id: slot.record.rootId, uniqueId: seededGuid(this.seed, slot.record.id, 'root'), at: slot.record.createdDateTime, by: owner });
    generateDriveContent(store, {
      seed: this.seed,
      files: slot.files,
      maxDepth: this.sizes.folderDepth,
      largeFileRate: this.sizes.largeFileRate,
      hugeFileBytes: slot.hugeFileBytes,
      anchor: FILES_ANCHOR,
      owner: owner.id ? owner : slot.editors[0] ?? SYSTEM_ACCOUNT,
      editors: slot.editors.slice(0, 4),
    });
    return store;
  }
}

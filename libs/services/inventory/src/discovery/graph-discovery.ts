import type { InventoryObject } from '@holdfast/contracts';
import { iterateAll, pageAll, type GraphClient } from '@holdfast/graph';

/** Services an organization protects (they decide which parts are discovered). */
export type DiscoveredService = 'exchange' | 'groups' | 'onedrive' | 'sharepoint' | 'teams';

interface GraphUser {
  id: string;
  displayName: string | null;
  userPrincipalName: string;
  mail: string | null;
  accountEnabled: boolean | null;
  assignedLicenses?: { skuId: string }[];
}

interface GraphGroup {
  id: string;
  displayName: string | null;
  mail: string | null;
  groupTypes?: string[];
  resourceProvisioningOptions?: string[];
}

interface GraphSite {
  id: string;
  displayName?: string | null;
  name?: string | null;
  webUrl: string;
  isPersonalSite?: boolean;
}

/** Largest page Graph serves for directory and site listings. */
const PAGE = 999;

/**
 * A user's mailbox as far as the directory tells: licensed users have one; an unlicensed,
 * sign-in-disabled account with an address is a shared mailbox; other unlicensed users have
 * none (Exchange removes the mailbox of an unlicensed user).
 */
export function mailboxOf(u: Pick<GraphUser, 'assignedLicenses' | 'accountEnabled' | 'mail'>): 'user' | 'shared' | 'none' {
  if ((u.assignedLicenses ?? []).length > 0) return 'user';
  if (u.accountEnabled === false && u.mail) return 'shared';
  return 'none';
}

/** The personal site path segment SharePoint derives from a user principal name. */
export function personalSiteKey(upn: string): string {
  return upn.toLowerCase().replace(/[^a-z0-9]/g, '_');
}

/** The parent of each subsite: the site of the same collection with the longest URL prefix. */
export function siteParents(sites: readonly GraphSite[]): Map<string, string> {
  const collectionOf = (id: string) => id.split(',')[1] ?? id;
  const parents = new Map<string, string>();
  for (const s of sites) {
    let best: GraphSite | undefined;
    for (const p of sites) {
      if (p.id === s.id || collectionOf(p.id) !== collectionOf(s.id)) continue;
      if (s.webUrl.toLowerCase().startsWith(p.webUrl.toLowerCase().replace(/\/$/, '') + '/') && (!best || p.webUrl.length > best.webUrl.length)) best = p;
    }
    if (best) parents.set(s.id, best.id);
  }
  return parents;
}

/**
 * Everything protectable in an organization, read through the paced Graph client with
 * large pages: users (licensed or not) and shared mailboxes, Microsoft 365 groups, teams with
 * their channel counts, SharePoint sites with subsites, OneDrives. Only what the chosen
 * services need is read (sites for SharePoint/OneDrive, channels for Teams).
 */
export async function discoverOrganization(graph: GraphClient, services: readonly DiscoveredService[]): Promise<InventoryObject[]> {
  const wants = (s: DiscoveredService) => services.includes(s);
  const objects: InventoryObject[] = [];
  const users: GraphUser[] = [];
  for await (const u of iterateAll<GraphUser>(graph, {
    path: '/users',
    query: { $select: 'id,displayName,userPrincipalName,mail,accountEnabled,assignedLicenses', $top: PAGE },
    maxPageSize: PAGE,
    requiredPermission: 'User.Read.All',
  })) {
    users.push(u);
  }

  let personal = new Map<string, GraphSite>();
  if (wants('sharepoint') || wants('onedrive')) {
    const sites = await pageAll<GraphSite>(graph, {
      path: '/sites/getAllSites',
      query: { $select: 'id,displayName,name,webUrl,isPersonalSite', $top: PAGE },
      maxPageSize: PAGE,
      requiredPermission: 'Sites.Read.All',
    });
    personal = new Map(sites.filter((s) => s.isPersonalSite).map((s) => [s.webUrl.replace(/\/$/, '').split('/').pop()!.toLowerCase(), s]));
    if (wants('sharepoint')) {
      const team = sites.filter((s) => !s.isPersonalSite);
      const parents = siteParents(team);
      for (const s of team) {
        objects.push({ objectId: s.id, kind: 'site', name: s.displayName || s.name || s.webUrl, address: s.webUrl, ...(parents.has(s.id) ? { parentId: parents.get(s.id) } : {}) });
      }
    }
  }

  const drivesKnown = wants('sharepoint') || wants('onedrive');
  for (const u of users) {
    const mailbox = mailboxOf(u);
    const drive = personal.get(personalSiteKey(u.userPrincipalName));
    objects.push({
      objectId: u.id,
      kind: mailbox === 'shared' ? 'shared-mailbox' : 'user',
      name: u.displayName ?? u.userPrincipalName,
      address: u.mail ?? u.userPrincipalName,
      licensed: (u.assignedLicenses ?? []).length > 0,
      mailbox,
      ...(drivesKnown ? { oneDrive: !!drive } : {}),
    });
    if (drive && wants('onedrive')) {
      objects.push({ objectId: drive.id, kind: 'onedrive', name: u.displayName ?? u.userPrincipalName, address: drive.webUrl, parentId: u.id });
    }
  }

  const groups = await pageAll<GraphGroup>(graph, {
    path: '/groups',
    query: { $select: 'id,displayName,mail,groupTypes,resourceProvisioningOptions', $top: PAGE },
    maxPageSize: PAGE,
    requiredPermission: 'Group.Read.All',
  });
  for (const g of groups.filter((g) => (g.groupTypes ?? []).includes('Unified'))) {
    objects.push({ objectId: g.id, kind: 'group', name: g.displayName ?? g.id, ...(g.mail ? { address: g.mail } : {}), mailbox: 'group' });
    if (wants('teams') && (g.resourceProvisioningOptions ?? []).includes('Team')) {
      const channels = await pageAll<{ id: string }>(graph, { path: `/teams/${g.id}/channels`, query: { $select: 'id' }, requiredPermission: 'Channel.ReadBasic.All' });
      objects.push({ objectId: g.id, kind: 'team', name: g.displayName ?? g.id, ...(g.mail ? { address: g.mail } : {}), channels: channels.length });
    }
  }
  return objects;
}

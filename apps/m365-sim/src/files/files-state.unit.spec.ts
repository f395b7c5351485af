import type { SimGroup, SimUser, TenantState } from '../framework/world';
import { FilesState } from './files-state';

function user(i: number, licensed = true): SimUser {
  return {
    id: `00000000-0000-4000-8000-00000000000${i}`, displayName: `Üser ${i}`, givenName: null, surname: null, userPrincipalName: `u${i}@contoso.onmicrosoft.com`,
    mail: `u${i}@contoso.com`, mailNickname: `u${i}`, jobTitle: null, department: null, officeLocation: null, usageLocation: null, preferredLanguage: null,
    accountEnabled: true, createdDateTime: '2024-01-01T00:00:00Z', userType: 'Member', assignedLicenses: licensed ? [{ skuId: 'x', disabledPlans: [] }] : [], mailbox: 'user',
  };
}

function tenant(): TenantState {
  const users = [user(1), user(2), user(3, false)];
  const group: SimGroup = {
    id: 'g-1', displayName: 'Équipe Zürich', description: null, mailNickname: 'equipe', mail: 'equipe@contoso.com', groupTypes: ['Unified'], mailEnabled: true,
    securityEnabled: false, visibility: 'Private', createdDateTime: '2024-02-01T00:00:00Z', resourceProvisioningOptions: ['Team'], members: [users[0].id], owners: [users[0].id],
  };
  return {
    id: 't-1', name: 'contoso', cloud: 'global', displayName: 'Contoso', defaultDomain: 'contoso.onmicrosoft.com', createdDateTime: '2024-01-01T00:00:00Z', adminUserId: users[0].id,
    users: new Map(users.map((u) => [u.id, u])), usersByUpn: new Map(users.map((u) => [u.userPrincipalName, u.id])), deletedUsers: new Map(),
    groups: new Map([[group.id, group]]), deletedGroups: new Map(), applications: new Map(), servicePrincipals: new Map(), appRoleAssignments: new Map(), moduleData: new Map(),
  };
}

describe('FilesState', () => {
  const sizes = { sites: 2, subsitesPerSite: 2, filesPerDrive: 5, filesPerLibrary: 4, listItemsPerList: 3 };

  it('gives licensed members a OneDrive on the -my host and groups a site with a library', () => {
    const st = new FilesState(tenant(), 7, sizes);
    expect([...st.userDrives.keys()]).toEqual(['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002']);
    const d = st.userDrive('00000000-0000-4000-8000-000000000001')!;
    expect(d.drive.webUrl).toBe('https://contoso-my.sharepoint.com/personal/u1_contoso_onmicrosoft_com/Documents');
    expect([...d.walk()].filter((i) => !i.folder)).toHaveLength(5);
    const site = st.sites.sites.get(st.groupSites.get('g-1')!)!;
    expect(site.webUrl).toBe('https://contoso.sharepoint.com/sites/equipe');
    expect(st.driveRecord(site.driveIds[0])!.owner).toMatchObject({ kind: 'group', id: 'g-1' });
  });

  it('builds team sites with subsites, a second library and generic lists, deterministically', () => {
    const a = new FilesState(tenant(), 7, sizes);
    const b = new FilesState(tenant(), 7, sizes);
    const sites = [...a.sites.sites.values()].filter((s) => !s.isPersonal);
    expect(sites.map((s) => s.id)).toEqual([...b.sites.sites.values()].filter((s) => !s.isPersonal).map((s) => s.id));
    const marketing = sites.find((s) => s.displayName === 'Marketing')!;
    const subs = a.sites.subsites(marketing.id);
    expect(subs).toHaveLength(2);
    expect(subs.every((s) => s.webUrl.startsWith(`${marketing.webUrl}/`) && s.siteCollectionId === marketing.siteCollectionId)).toBe(true);
    expect(marketing.driveIds).toHaveLength(2);
    const lists = marketing.listIds.map((id) => a.sites.lists.get(id)!);
    expect(lists.filter((l) => l.template === 'genericList').every((l) => l.items.size === 3)).toBe(true);
    expect(a.sites.siteByPath('contoso.sharepoint.com', '/sites/Marketing')?.id).toBe(marketing.id);
  });
});

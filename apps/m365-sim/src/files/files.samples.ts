import type { SimContext } from '../framework/sim-types';
import type { TenantState } from '../framework/world';
import type { FilesAccess } from './files-journal';
import { hasOneDrive } from './files-state';

/** Fidelity samples: every entity type the files module serves, as list, single item and delta page. */
export function registerFilesSamples(ctx: SimContext, fa: FilesAccess): void {
  const firstUser = (t: TenantState) => [...t.users.values()].find(hasOneDrive);
  const drive = (t: TenantState) => {
    const u = firstUser(t);
    return u ? fa.userDrive(t, u.id) : undefined;
  };
  const firstFile = (t: TenantState) => {
    const d = drive(t);
    if (!d) return undefined;
    for (const i of d.walk()) if (!i.folder) return { d, i };
    return undefined;
  };
  const site = (t: TenantState) => {
    const st = fa.state(t);
    return [...st.sites.sites.values()].find((s) => !s.isPersonal && !s.isRoot && s.listIds.length > 1);
  };
  const genericList = (t: TenantState) => {
    const s = site(t);
    if (!s) return undefined;
    const st = fa.state(t);
    const l = s.listIds.map((id) => st.sites.lists.get(id)!).find((x) => !x.driveId);
    return l ? { s, l } : undefined;
  };
  const S = (name: string, entityType: string, collection: boolean, url: (t: TenantState) => string | undefined) =>
    ctx.sample({ name: `files.${name}`, entityType: `microsoft.graph.${entityType}`, collection, url });

  S('drive', 'drive', false, (t) => (firstUser(t) ? `/users/${firstUser(t)!.id}/drive` : undefined));
  S('drives', 'drive', true, (t) => (site(t) ? `/sites/${site(t)!.id}/drives` : undefined));
  S('root', 'driveItem', false, (t) => (drive(t) ? `/drives/${drive(t)!.drive.id}/root` : undefined));
  S('children', 'driveItem', true, (t) => (drive(t) ? `/drives/${drive(t)!.drive.id}/root/children` : undefined));
  S('item', 'driveItem', false, (t) => {
    const f = firstFile(t);
    return f ? `/drives/${f.d.drive.id}/items/${f.i.id}` : undefined;
  });
  S('delta', 'driveItem', true, (t) => (drive(t) ? `/drives/${drive(t)!.drive.id}/root/delta` : undefined));
  S('versions', 'driveItemVersion', true, (t) => {
    const f = firstFile(t);
    return f ? `/drives/${f.d.drive.id}/items/${f.i.id}/versions` : undefined;
  });
  S('permissions', 'permission', true, (t) => {
    const f = firstFile(t);
    return f ? `/drives/${f.d.drive.id}/items/${f.i.id}/permissions` : undefined;
  });
  S('siteRoot', 'site', false, () => '/sites/root');
  S('sites', 'site', true, () => '/sites?search=*');
  S('sitesDelta', 'site', true, () => '/sites/delta');
  S('subsites', 'site', true, (t) => (site(t) ? `/sites/${site(t)!.id}/sites` : undefined));
  S('lists', 'list', true, (t) => (site(t) ? `/sites/${site(t)!.id}/lists` : undefined));
  S('list', 'list', false, (t) => {
    const g = genericList(t);
    return g ? `/sites/${g.s.id}/lists/${g.l.id}` : undefined;
  });
  S('listItems', 'listItem', true, (t) => {
    const g = genericList(t);
    return g ? `/sites/${g.s.id}/lists/${g.l.id}/items?$expand=fields` : undefined;
  });
  S('listItemsDelta', 'listItem', true, (t) => {
    const g = genericList(t);
    return g ? `/sites/${g.s.id}/lists/${g.l.id}/items/delta` : undefined;
  });
}

import { GraphHttpError } from '../framework/graph-error';
import type { SimContext, SimModule } from '../framework/sim-types';
import { filesAccessFor } from './files-access-registry';
import { registerContentRoutes } from './files-content.routes';
import { FilesRoutes } from './files.routes';
import { registerMutations } from './files.mutations';
import { importFilesCommand } from './import-files.command';
import { mimeTypeFor } from './generation/drive-generator';
import { userRef, hasOneDrive } from './files-state';
import { registerFilesSamples } from './files.samples';

/** OneDrive and SharePoint: drives, items, versions, permissions, uploads, sites, lists, delta. */
export const simModule: SimModule = {
  name: 'files',
  dependsOn: ['directory'],
  register(ctx: SimContext) {
    const fa = filesAccessFor(ctx);
    fa.registerAppliers();
    const routes = new FilesRoutes(ctx, fa);
    routes.register();
    registerContentRoutes(ctx, fa, routes);
    registerMutations(ctx, fa);
    registerFilesSamples(ctx, fa);

    ctx.control({
      method: 'GET',
      path: '/files/tenants/:tenant/drives',
      description: 'drives of a tenant: users (OneDrive), sites (libraries), groups',
      handler: (req, res) => {
        const t = ctx.world.tenant(req.params.tenant);
        if (!t) throw new GraphHttpError(404, 'NotFound', `No tenant '${req.params.tenant}'.`);
        const st = fa.state(t);
        res.json({
          users: [...t.users.values()].filter(hasOneDrive).map((u) => ({ id: u.id, userPrincipalName: u.userPrincipalName, driveId: st.userDrives.get(u.id) })),
          groups: [...st.groupSites.entries()].map(([groupId, siteId]) => ({ groupId, siteId, driveId: st.sites.sites.get(siteId)!.driveIds[0] })),
          sites: [...st.sites.sites.values()].filter((s) => !s.isPersonal).map((s) => ({ siteId: s.id, webUrl: s.webUrl, driveIds: s.driveIds, listIds: s.listIds })),
        });
      },
    });
    ctx.control({
      method: 'POST',
      path: '/files/import',
      description: 'import one file (raw body) or folder: ?tenant=&user=UPN&path=Folder/name.ext&kind=file|folder (used by import-files)',
      handler: async (req, res) => {
        const t = req.query.tenant ? ctx.world.tenant(req.query.tenant) : ctx.world.tenants()[0];
        if (!t) throw new GraphHttpError(404, 'NotFound', `No tenant '${req.query.tenant}'.`);
        const user = req.query.user ? ctx.world.user(t, req.query.user) : undefined;
        if (!user) throw new GraphHttpError(404, 'NotFound', `No user '${req.query.user}'.`);
        const parts = (req.query.path ?? '').split('/').filter(Boolean);
        if (!parts.length) throw new GraphHttpError(400, 'BadRequest', 'path is required.');
        const store = fa.userDrive(t, user.id);
        const by = userRef(user);
        if (req.query.kind === 'folder') {
          const f = fa.ensureFolders(t, store, store.root.id, parts, by);
          return res.json({ driveId: store.drive.id, itemId: f.id });
        }
        const name = parts.pop()!;
        const item = fa.importFile(t, store, parts, name, await req.body(), by, mimeTypeFor(name));
        res.json({ driveId: store.drive.id, itemId: item.id, size: store.current(item)?.size });
      },
    });
  },
  cli: { 'import-files': importFilesCommand },
};

/**
 * Directory: organization, users (licensed/unlicensed, deleted), groups, applications,
 * service principals, app role assignments (admin consent), subscribed SKUs.
 */
import { randomBytes, X509Certificate, createHash } from 'node:crypto';
import { GraphHttpError } from '../framework/graph-error';
import { GRAPH_APP_ID } from '../framework/permissions';
import { ChangeLog } from '../framework/delta';
import type { GraphRequest, SimContext, SimModule, Permission } from '../framework/sim-types';
import type { SimApplication, SimGroup, SimKeyCredential, SimUser, TenantState, SimServicePrincipal, SimAppRoleAssignment } from '../framework/world';
import { CLOUDS } from '../framework/world';
import { SKU_E3, SKU_E5, sha256Hex } from './directory.seed';

const USER_READ: Permission[] = ['User.Read.All', 'Directory.Read.All'];
const GROUP_READ: Permission[] = ['Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All'];
const APP_RW: Permission[] = ['Application.ReadWrite.All'];
const APP_READ: Permission[] = ['Application.ReadWrite.All', 'Directory.Read.All'];

export const USER_DEFAULT_PROPS = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];

const notFoundDir = (id: string) => new GraphHttpError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);

export function renderUser(u: SimUser): Record<string, unknown> {
  return {
    id: u.id,
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: u.jobTitle,
    mail: u.mail,
    mobilePhone: null,
    officeLocation: u.officeLocation,
    preferredLanguage: u.preferredLanguage,
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    accountEnabled: u.accountEnabled,
    assignedLicenses: u.assignedLicenses,
    createdDateTime: u.createdDateTime,
    deletedDateTime: u.deletedDateTime ?? null,
    department: u.department,
    mailNickname: u.mailNickname,
    usageLocation: u.usageLocation,
    userType: u.userType,
    proxyAddresses: u.mail ? [`SMTP:${u.mail}`] : [],
  };
}

export function renderGroup(g: SimGroup): Record<string, unknown> {
  return {
    id: g.id,
    deletedDateTime: g.deletedDateTime ?? null,
    classification: null,
    createdDateTime: g.createdDateTime,
    description: g.description,
    displayName: g.displayName,
    expirationDateTime: null,
    groupTypes: g.groupTypes,
    isAssignableToRole: null,
    mail: g.mail,
    mailEnabled: g.mailEnabled,
    mailNickname: g.mailNickname,
    membershipRule: null,
    membershipRuleProcessingState: null,
    preferredDataLocation: null,
    preferredLanguage: null,
    proxyAddresses: g.mail ? [`SMTP:${g.mail}`] : [],
    renewedDateTime: g.createdDateTime,
    resourceBehaviorOptions: [],
    resourceProvisioningOptions: g.resourceProvisioningOptions,
    securityEnabled: g.securityEnabled,
    securityIdentifier: `S-1-12-1-${parseInt(g.id.slice(0, 8), 16)}`,
    theme: null,
    visibility: g.visibility,
  };
}

function renderApp(a: SimApplication, t: TenantState): Record<string, unknown> {
  return {
    id: a.id,
    deletedDateTime: null,
    appId: a.appId,
    createdDateTime: a.createdDateTime,
    displayName: a.displayName,
    isFallbackPublicClient: a.isFallbackPublicClient,
    publisherDomain: t.defaultDomain,
    signInAudience: a.signInAudience,
    requiredResourceAccess: a.requiredResourceAccess,
    passwordCredentials: a.passwordCredentials.map((p) => ({
      customKeyIdentifier: null,
      displayName: p.displayName,
      endDateTime: p.endDateTime,
      hint: p.hint,
      keyId: p.keyId,
      secretText: null,
      startDateTime: p.startDateTime,
    })),
    keyCredentials: a.keyCredentials.map((k) => ({
      customKeyIdentifier: k.customKeyIdentifier,
      displayName: k.displayName,
      endDateTime: k.endDateTime,
      key: null,
      keyId: k.keyId,
      startDateTime: k.startDateTime,
      type: k.type,
      usage: k.usage,
    })),
  };
}

function renderSp(s: SimServicePrincipal): Record<string, unknown> {
  return {
    id: s.id,
    deletedDateTime: null,
    accountEnabled: s.accountEnabled,
    appDisplayName: s.displayName,
    appId: s.appId,
    appRoleAssignmentRequired: false,
    displayName: s.displayName,
    servicePrincipalNames: [s.appId],
    servicePrincipalType: s.servicePrincipalType,
    tags: [],
    appRoles: s.appRoles,
  };
}

function renderAssignment(a: SimAppRoleAssignment): Record<string, unknown> {
  return { ...a, deletedDateTime: null };
}

/** $count and advanced queries need ConsistencyLevel: eventual (directory objects). */
function checkAdvanced(req: GraphRequest, resource: string): boolean {
  const eventual = String(req.headers.consistencylevel ?? '').toLowerCase() === 'eventual';
  if (req.odata.count && !eventual) throw new GraphHttpError(400, 'Request_BadRequest', '$count is not currently supported.');
  const f = req.odata.filter ?? '';
  const advanced = /\bendswith\(|\/\$count|\bne\b|\bnot\b/i.test(f) || !!req.odata.orderby || !!req.odata.search;
  if (advanced && !eventual) {
    throw new GraphHttpError(400, 'Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified for property of resource '${resource}'.`);
  }
  return eventual && req.odata.count;
}

/** `$search="displayName:zoe" AND "mail:contoso"` (tokenised prefix match, as directory search). */
function searchPredicate(req: GraphRequest): ((json: Record<string, unknown>) => boolean) | undefined {
  const raw = req.odata.search;
  if (!raw) return undefined;
  const terms = [...raw.matchAll(/"([^":]+):([^"]*)"/g)].map((m) => [m[1], m[2].toLowerCase()] as const);
  if (terms.length === 0) throw new GraphHttpError(400, 'Request_UnsupportedQuery', 'Syntax error: $search must be "property:value" clauses.');
  const or = /"\s+OR\s+"/i.test(raw);
  const hit = (json: Record<string, unknown>, [prop, val]: readonly [string, string]) => {
    const v = json[prop];
    return typeof v === 'string' && v.toLowerCase().split(/[\s.@_-]+/).some((w) => w.startsWith(val) || v.toLowerCase().startsWith(val));
  };
  return (json) => (or ? terms.some((t) => hit(json, t)) : terms.every((t) => hit(json, t)));
}

function requireUser(ctx: SimContext, t: TenantState, key: string): SimUser {
  const u = ctx.world.user(t, key);
  if (!u) throw notFoundDir(key);
  return u;
}

function graphSp(t: TenantState): SimServicePrincipal {
  return [...t.servicePrincipals.values()].find((s) => s.appId === GRAPH_APP_ID)!;
}

function findApplication(t: TenantState, id: string): SimApplication {
  const a = t.applications.get(id) ?? [...t.applications.values()].find((x) => x.appId === id);
  if (!a) throw notFoundDir(id);
  return a;
}

function keyCredentialFrom(world: SimContext['world'], k: Record<string, unknown>): SimKeyCredential {
  const key = String(k.key ?? '');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(Buffer.from(key, 'base64'));
  } catch {
    throw new GraphHttpError(400, 'KeyCredentialsInvalidValue', 'Invalid value specified for property \'key\' of resource \'Application\'.');
  }
  const der = Buffer.from(key, 'base64');
  return {
    keyId: typeof k.keyId === 'string' ? k.keyId : world.newId(),
    type: String(k.type ?? 'AsymmetricX509Cert'),
    usage: String(k.usage ?? 'Verify'),
    key,
    displayName: (k.displayName as string) ?? cert.subject.replace(/\n/g, ', '),
    customKeyIdentifier: createHash('sha1').update(der).digest('hex').toUpperCase(),
    startDateTime: typeof k.startDateTime === 'string' ? k.startDateTime : new Date(cert.validFrom).toISOString(),
    endDateTime: typeof k.endDateTime === 'string' ? k.endDateTime : new Date(cert.validTo).toISOString(),
  };
}

/** Change logs for /users/delta and /groups/delta (rebuilt by the appliers at replay). */
export function directoryLogs(ctx: SimContext, t: TenantState): { users: ChangeLog; groups: ChangeLog } {
  return ctx.world.moduleState(t, 'directory.delta', () => ({ users: new ChangeLog(), groups: new ChangeLog() }));
}

function registerJournal(ctx: SimContext): void {
  const w = ctx.world;
  const logs = (t: TenantState) => directoryLogs(ctx, t);
  w.onJournal<{ app: SimApplication }>('directory.applicationCreated', (t, d) => {
    t.applications.set(d.app.id, structuredClone(d.app));
  });
  w.onJournal<{ id: string; patch: Partial<SimApplication> }>('directory.applicationUpdated', (t, d) => {
    const a = t.applications.get(d.id);
    if (a) Object.assign(a, structuredClone(d.patch));
  });
  w.onJournal<{ id: string }>('directory.applicationDeleted', (t, d) => {
    t.applications.delete(d.id);
  });
  w.onJournal<{ sp: SimServicePrincipal }>('directory.servicePrincipalCreated', (t, d) => {
    t.servicePrincipals.set(d.sp.id, structuredClone(d.sp));
  });
  w.onJournal<{ a: SimAppRoleAssignment }>('directory.appRoleAssigned', (t, d) => {
    t.appRoleAssignments.set(d.a.id, structuredClone(d.a));
  });
  w.onJournal<{ id: string }>('directory.appRoleUnassigned', (t, d) => {
    t.appRoleAssignments.delete(d.id);
  });
  w.onJournal<{ user: SimUser }>('directory.userCreated', (t, d) => {
    t.users.set(d.user.id, structuredClone(d.user));
    t.usersByUpn.set(d.user.userPrincipalName.toLowerCase(), d.user.id);
    logs(t).users.record(d.user.id, 'created');
  });
  w.onJournal<{ id: string }>('directory.userDeleted', (t, d, e) => {
    const u = t.users.get(d.id);
    if (!u) return;
    t.users.delete(d.id);
    t.usersByUpn.delete(u.userPrincipalName.toLowerCase());
    u.deletedDateTime = e.at;
    t.deletedUsers.set(u.id, u);
    logs(t).users.record(u.id, 'changed'); // soft delete: @removed reason "changed"
  });
  w.onJournal<{ id: string }>('directory.userRestored', (t, d) => {
    const u = t.deletedUsers.get(d.id);
    if (!u) return;
    t.deletedUsers.delete(d.id);
    delete u.deletedDateTime;
    t.users.set(u.id, u);
    t.usersByUpn.set(u.userPrincipalName.toLowerCase(), u.id);
    logs(t).users.record(u.id, 'updated');
  });
  w.onJournal<{ id: string; licensed: boolean }>('directory.licenseSet', (t, d) => {
    const u = t.users.get(d.id);
    if (!u) return;
    u.assignedLicenses = d.licensed ? [{ skuId: SKU_E3, disabledPlans: [] }] : [];
    if (u.mailbox !== 'shared') u.mailbox = d.licensed ? 'user' : 'none';
    logs(t).users.record(u.id, 'updated');
  });
  w.onJournal<{ group: SimGroup }>('directory.groupCreated', (t, d) => {
    t.groups.set(d.group.id, structuredClone(d.group));
    logs(t).groups.record(d.group.id, 'created');
  });
  w.onJournal<{ id: string }>('directory.groupDeleted', (t, d, e) => {
    const g = t.groups.get(d.id);
    if (!g) return;
    t.groups.delete(d.id);
    g.deletedDateTime = e.at;
    t.deletedGroups.set(g.id, g);
    logs(t).groups.record(g.id, 'changed');
  });
}

function registerMutations(ctx: SimContext): void {
  const w = ctx.world;
  ctx.mutation<{ displayName: string; userPrincipalName?: string; licensed?: boolean; shared?: boolean }>({
    name: 'directory.createUser',
    description: 'create a user: {"displayName","userPrincipalName"?,"licensed"?:true,"shared"?:false}',
    run: (t, p) => {
      if (!p.displayName) throw new GraphHttpError(400, 'BadRequest', 'displayName is required');
      const nick = (p.userPrincipalName?.split('@')[0] ?? p.displayName.normalize('NFD').replace(/[^A-Za-z0-9]/g, '').toLowerCase()) || `user${t.users.size}`;
      const upn = p.userPrincipalName ?? `${nick}@${t.defaultDomain}`;
      if (t.usersByUpn.has(upn.toLowerCase())) throw new GraphHttpError(400, 'Request_BadRequest', 'Another object with the same value for property userPrincipalName already exists.');
      const licensed = p.licensed ?? !p.shared;
      const user: SimUser = {
        id: w.newId(),
        displayName: p.displayName,
        givenName: null,
        surname: null,
        userPrincipalName: upn,
        mail: licensed || p.shared ? upn : null,
        mailNickname: nick,
        jobTitle: null,
        department: null,
        officeLocation: null,
        usageLocation: 'US',
        preferredLanguage: 'en-US',
        accountEnabled: !p.shared,
        createdDateTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        userType: 'Member',
        assignedLicenses: licensed ? [{ skuId: SKU_E3, disabledPlans: [] }] : [],
        mailbox: p.shared ? 'shared' : licensed ? 'user' : 'none',
      };
      w.commit('directory.userCreated', t, { user });
      return renderUser(user);
    },
  });
  ctx.mutation<{ user: string }>({
    name: 'directory.deleteUser',
    description: 'soft-delete a user (moves to /directory/deletedItems): {"user": id or UPN}',
    run: (t, p) => {
      const u = requireUser(ctx, t, p.user);
      w.commit('directory.userDeleted', t, { id: u.id });
      return { id: u.id };
    },
  });
  ctx.mutation<{ id: string }>({
    name: 'directory.restoreUser',
    description: 'restore a deleted user: {"id"}',
    run: (t, p) => {
      if (!t.deletedUsers.has(p.id)) throw notFoundDir(p.id);
      w.commit('directory.userRestored', t, { id: p.id });
      return { id: p.id };
    },
  });
  ctx.mutation<{ user: string; licensed: boolean }>({
    name: 'directory.setLicense',
    description: 'license or unlicense a user: {"user","licensed":true|false}',
    run: (t, p) => {
      const u = requireUser(ctx, t, p.user);
      w.commit('directory.licenseSet', t, { id: u.id, licensed: !!p.licensed });
      return renderUser(t.users.get(u.id)!);
    },
  });
  ctx.mutation<{ displayName: string; team?: boolean; members?: string[] }>({
    name: 'directory.createGroup',
    description: 'create a Microsoft 365 group: {"displayName","team"?:false,"members"?:[upn|id]}',
    run: (t, p) => {
      const nick = p.displayName.normalize('NFD').replace(/[^A-Za-z0-9]/g, '').toLowerCase() || `group${t.groups.size}`;
      const group: SimGroup = {
        id: w.newId(),
        displayName: p.displayName,
        description: null,
        mailNickname: nick,
        mail: `${nick}@${t.defaultDomain}`,
        groupTypes: ['Unified'],
        mailEnabled: true,
        securityEnabled: false,
        visibility: 'Private',
        createdDateTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        resourceProvisioningOptions: p.team ? ['Team'] : [],
        members: (p.members ?? []).map((m) => requireUser(ctx, t, m).id),
        owners: [t.adminUserId],
      };
      w.commit('directory.groupCreated', t, { group });
      return renderGroup(group);
    },
  });
  ctx.mutation<{ id: string }>({
    name: 'directory.deleteGroup',
    description: 'soft-delete a group: {"id"}',
    run: (t, p) => {
      if (!t.groups.has(p.id)) throw notFoundDir(p.id);
      w.commit('directory.groupDeleted', t, { id: p.id });
      return { id: p.id };
    },
  });
}

function registerRoutes(ctx: SimContext): void {
  const ctxUrl = (req: GraphRequest, s: string) => `${req.baseUrl}/$metadata#${s}`;

  ctx.route({
    name: 'directory.organization.list',
    method: 'GET',
    path: '/organization',
    roles: ['Organization.Read.All', 'Directory.Read.All', 'User.Read.All'],
    service: 'directory',
    handler: (req, res) => {
      const t = req.tenant;
      const org = {
        id: t.id,
        deletedDateTime: null,
        businessPhones: [],
        city: null,
        country: null,
        countryLetterCode: t.cloud === 'china' ? 'CN' : 'US',
        createdDateTime: t.createdDateTime,
        displayName: t.displayName,
        tenantType: 'AAD',
        verifiedDomains: [{ capabilities: 'Email, OfficeCommunicationsOnline', isDefault: true, isInitial: true, name: t.defaultDomain, type: 'Managed' }],
        assignedPlans: [],
        onPremisesSyncEnabled: null,
        preferredLanguage: 'en',
      };
      ctx.odata.page(req, res, [org], { defaultPageSize: 100, maxPageSize: 999, context: ctxUrl(req, 'organization') });
    },
  });

  ctx.route({
    name: 'directory.subscribedSkus.list',
    method: 'GET',
    path: '/subscribedSkus',
    roles: ['Organization.Read.All', 'Directory.Read.All'],
    service: 'directory',
    handler: (req, res) => {
      const t = req.tenant;
      const count = (sku: string) => [...t.users.values()].filter((u) => u.assignedLicenses.some((l) => l.skuId === sku)).length;
      const sku = (id: string, part: string) => ({
        id: `${t.id}_${id}`,
        accountId: t.id,
        accountName: t.name,
        appliesTo: 'User',
        capabilityStatus: 'Enabled',
        consumedUnits: count(id),
        skuId: id,
        skuPartNumber: part,
        subscriptionIds: [ctx.world.guid('subscription', t.id, id)],
        prepaidUnits: { enabled: 100000, suspended: 0, warning: 0, lockedOut: 0 },
        servicePlans: [],
      });
      ctx.odata.page(req, res, [sku(SKU_E3, 'SPE_E3'), sku(SKU_E5, 'SPE_E5')], { defaultPageSize: 100, maxPageSize: 999, context: ctxUrl(req, 'subscribedSkus') });
    },
  });

  // ---- delta (users, groups)
  for (const kind of ['users', 'groups'] as const) {
    ctx.route({
      name: `directory.${kind}.delta`,
      method: 'GET',
      path: `/${kind}/delta`,
      roles: kind === 'users' ? USER_READ : GROUP_READ,
      service: 'directory',
      handler: (req, res) => {
        const t = req.tenant;
        const log = directoryLogs(ctx, t)[kind];
        const map = (kind === 'users' ? t.users : t.groups) as Map<string, SimUser | SimGroup>;
        ctx.delta.respond<SimUser | SimGroup>(req, res, {
          module: 'directory',
          collection: `directory:${t.id}:${kind}`,
          log,
          all: () => [...map.values()],
          get: (id) => map.get(id),
          id: (x) => x.id,
          render: (x) => (kind === 'users' ? renderUser(x as SimUser) : renderGroup(x as SimGroup)),
          renderRemoved: (id, reason) => ({ id, '@removed': { reason } }),
          defaultPageSize: 100,
          maxPageSize: 999,
          bind: req.query.$select ? { $select: req.query.$select } : undefined,
          context: ctxUrl(req, kind),
        });
      },
    });
  }

  // ---- users
  ctx.route({
    name: 'directory.users.count',
    method: 'GET',
    path: '/users/$count',
    roles: USER_READ,
    service: 'directory',
    handler: (req, res) => {
      if (String(req.headers.consistencylevel ?? '').toLowerCase() !== 'eventual') throw new GraphHttpError(400, 'Request_BadRequest', '$count is not currently supported.');
      let n = 0;
      const pred = ctx.odata.filter(req);
      for (const u of req.tenant.users.values()) if (!pred || pred(renderUser(u))) n++;
      res.send(String(n), 'text/plain;charset=utf-8');
    },
  });
  ctx.route({
    name: 'directory.users.list',
    method: 'GET',
    path: '/users',
    roles: USER_READ,
    service: 'directory',
    handler: (req, res) => {
      const count = checkAdvanced(req, 'User');
      const search = searchPredicate(req);
      const all = [...req.tenant.users.values()];
      ctx.odata.page(req, res, search ? all.filter((u) => search(renderUser(u))) : all, {
        defaultPageSize: 100,
        maxPageSize: 999,
        render: renderUser,
        defaultProperties: USER_DEFAULT_PROPS,
        count,
        context: ctxUrl(req, req.odata.select ? `users(${req.odata.select.join(',')})` : 'users'),
      });
    },
  });
  ctx.route({
    name: 'directory.users.get',
    method: 'GET',
    path: '/users/:id',
    roles: USER_READ,
    service: 'directory',
    handler: (req, res) => {
      const u = requireUser(ctx, req.tenant, req.params.id);
      const body = ctx.odata.applySelect(renderUser(u), req.odata.select ?? USER_DEFAULT_PROPS);
      res.json({ '@odata.context': ctxUrl(req, 'users/$entity'), ...body });
    },
  });
  ctx.route({
    name: 'directory.users.memberOf',
    method: 'GET',
    path: '/users/:id/memberOf',
    roles: USER_READ,
    service: 'directory',
    handler: (req, res) => {
      const u = requireUser(ctx, req.tenant, req.params.id);
      const groups = [...req.tenant.groups.values()].filter((g) => g.members.includes(u.id));
      ctx.odata.page(req, res, groups, { defaultPageSize: 100, maxPageSize: 999, render: (g) => ({ '@odata.type': '#microsoft.graph.group', ...renderGroup(g) }), context: ctxUrl(req, 'directoryObjects') });
    },
  });

  // ---- deleted items
  for (const [kind, cast] of [
    ['user', 'microsoft.graph.user'],
    ['group', 'microsoft.graph.group'],
  ] as const) {
    ctx.route({
      name: `directory.deletedItems.${kind}s`,
      method: 'GET',
      path: `/directory/deletedItems/${cast}`,
      roles: kind === 'user' ? USER_READ : GROUP_READ,
      service: 'directory',
      handler: (req, res) => {
        const count = checkAdvanced(req, kind === 'user' ? 'User' : 'Group');
        if (kind === 'user') {
          ctx.odata.page(req, res, [...req.tenant.deletedUsers.values()], { defaultPageSize: 100, maxPageSize: 999, render: renderUser, defaultProperties: [...USER_DEFAULT_PROPS, 'deletedDateTime'], count, context: ctxUrl(req, 'directory/deletedItems/microsoft.graph.user') });
        } else {
          ctx.odata.page(req, res, [...req.tenant.deletedGroups.values()], { defaultPageSize: 100, maxPageSize: 999, render: renderGroup, count, context: ctxUrl(req, 'directory/deletedItems/microsoft.graph.group') });
        }
      },
    });
  }
  ctx.route({
    name: 'directory.deletedItems.get',
    method: 'GET',
    path: '/directory/deletedItems/:id',
    roles: ['Directory.Read.All', 'User.Read.All', 'Group.Read.All'],
    service: 'directory',
    handler: (req, res) => {
      const u = req.tenant.deletedUsers.get(req.params.id);
      if (u) return res.json({ '@odata.context': ctxUrl(req, 'directory/deletedItems/$entity'), '@odata.type': '#microsoft.graph.user', ...renderUser(u) });
      const g = req.tenant.deletedGroups.get(req.params.id);
      if (g) return res.json({ '@odata.context': ctxUrl(req, 'directory/deletedItems/$entity'), '@odata.type': '#microsoft.graph.group', ...renderGroup(g) });
      throw notFoundDir(req.params.id);
    },
  });

  // ---- groups
  ctx.route({
    name: 'directory.groups.list',
    method: 'GET',
    path: '/groups',
    roles: GROUP_READ,
    service: 'directory',
    handler: (req, res) => {
      const count = checkAdvanced(req, 'Group');
      const search = searchPredicate(req);
      const all = [...req.tenant.groups.values()];
      ctx.odata.page(req, res, search ? all.filter((g) => search(renderGroup(g))) : all, { defaultPageSize: 100, maxPageSize: 999, render: renderGroup, count, context: ctxUrl(req, 'groups') });
    },
  });
  const requireGroup = (t: TenantState, id: string) => {
    const g = t.groups.get(id);
    if (!g) throw notFoundDir(id);
    return g;
  };
  ctx.route({
    name: 'directory.groups.get',
    method: 'GET',
    path: '/groups/:id',
    roles: GROUP_READ,
    service: 'directory',
    handler: (req, res) => res.json({ '@odata.context': ctxUrl(req, 'groups/$entity'), ...ctx.odata.applySelect(renderGroup(requireGroup(req.tenant, req.params.id)), req.odata.select) }),
  });
  for (const rel of ['members', 'owners'] as const) {
    ctx.route({
      name: `directory.groups.${rel}`,
      method: 'GET',
      path: `/groups/:id/${rel}`,
      roles: GROUP_READ,
      service: 'directory',
      handler: (req, res) => {
        const g = requireGroup(req.tenant, req.params.id);
        const users = g[rel].map((id) => req.tenant.users.get(id)).filter((u): u is SimUser => !!u);
        ctx.odata.page(req, res, users, {
          defaultPageSize: 100,
          maxPageSize: 999,
          render: (u) => ({ '@odata.type': '#microsoft.graph.user', ...renderUser(u) }),
          defaultProperties: USER_DEFAULT_PROPS,
          context: ctxUrl(req, 'directoryObjects'),
        });
      },
    });
  }

  // ---- applications
  ctx.route({
    name: 'directory.applications.list',
    method: 'GET',
    path: '/applications',
    roles: APP_READ,
    service: 'directory',
    handler: (req, res) => ctx.odata.page(req, res, [...req.tenant.applications.values()], { defaultPageSize: 100, maxPageSize: 999, render: (a) => renderApp(a, req.tenant), context: ctxUrl(req, 'applications') }),
  });
  ctx.route({
    name: 'directory.applications.create',
    method: 'POST',
    path: '/applications',
    roles: APP_RW,
    service: 'directory',
    handler: async (req, res) => {
      const b = await req.json<Record<string, any>>();
      if (!b.displayName) throw new GraphHttpError(400, 'Request_BadRequest', "Property 'displayName' is required.");
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const app: SimApplication = {
        id: ctx.world.newId(),
        appId: ctx.world.newId(),
        displayName: String(b.displayName),
        signInAudience: b.signInAudience ?? 'AzureADMyOrg',
        createdDateTime: now,
        requiredResourceAccess: Array.isArray(b.requiredResourceAccess) ? b.requiredResourceAccess : [],
        passwordCredentials: [],
        keyCredentials: Array.isArray(b.keyCredentials) ? b.keyCredentials.map((k: Record<string, unknown>) => keyCredentialFrom(ctx.world, k)) : [],
        isFallbackPublicClient: !!b.isFallbackPublicClient,
      };
      ctx.world.commit('directory.applicationCreated', req.tenant, { app });
      res.json({ '@odata.context': ctxUrl(req, 'applications/$entity'), ...renderApp(app, req.tenant) }, 201);
    },
  });
  ctx.route({
    name: 'directory.applications.get',
    method: 'GET',
    path: '/applications/:id',
    roles: APP_READ,
    service: 'directory',
    handler: (req, res) => res.json({ '@odata.context': ctxUrl(req, 'applications/$entity'), ...ctx.odata.applySelect(renderApp(findApplication(req.tenant, req.params.id), req.tenant), req.odata.select) }),
  });
  ctx.route({
    name: 'directory.applications.update',
    method: 'PATCH',
    path: '/applications/:id',
    roles: APP_RW,
    service: 'directory',
    handler: async (req, res) => {
      const a = findApplication(req.tenant, req.params.id);
      const b = await req.json<Record<string, any>>();
      const patch: Partial<SimApplication> = {};
      if (typeof b.displayName === 'string') patch.displayName = b.displayName;
      if (Array.isArray(b.requiredResourceAccess)) patch.requiredResourceAccess = b.requiredResourceAccess;
      if (typeof b.signInAudience === 'string') patch.signInAudience = b.signInAudience;
      if (typeof b.isFallbackPublicClient === 'boolean') patch.isFallbackPublicClient = b.isFallbackPublicClient;
      if (Array.isArray(b.keyCredentials)) {
        // existing keys are sent back by keyId without key material
        patch.keyCredentials = b.keyCredentials.map((k: Record<string, unknown>) => {
          if (!k.key && typeof k.keyId === 'string') {
            const old = a.keyCredentials.find((x) => x.keyId === k.keyId);
            if (old) return old;
          }
          return keyCredentialFrom(ctx.world, k);
        });
      }
      ctx.world.commit('directory.applicationUpdated', req.tenant, { id: a.id, patch });
      res.empty(204);
    },
  });
  ctx.route({
    name: 'directory.applications.delete',
    method: 'DELETE',
    path: '/applications/:id',
    roles: APP_RW,
    service: 'directory',
    handler: (req, res) => {
      const a = findApplication(req.tenant, req.params.id);
      ctx.world.commit('directory.applicationDeleted', req.tenant, { id: a.id });
      res.empty(204);
    },
  });
  ctx.route({
    name: 'directory.applications.addPassword',
    method: 'POST',
    path: '/applications/:id/addPassword',
    roles: APP_RW,
    service: 'directory',
    handler: async (req, res) => {
      const a = findApplication(req.tenant, req.params.id);
      const b = (await req.body()).length ? await req.json<{ passwordCredential?: { displayName?: string; endDateTime?: string } }>() : {};
      const secret = `${randomBytes(3).toString('base64url').slice(0, 3)}8Q~${randomBytes(27).toString('base64url')}`;
      const now = new Date();
      const cred = {
        keyId: ctx.world.newId(),
        displayName: b.passwordCredential?.displayName ?? null,
        hint: secret.slice(0, 3),
        secretHash: sha256Hex(secret),
        startDateTime: now.toISOString(),
        endDateTime: b.passwordCredential?.endDateTime ?? new Date(now.getTime() + 730 * 86400_000).toISOString(),
      };
      ctx.world.commit('directory.applicationUpdated', req.tenant, { id: a.id, patch: { passwordCredentials: [...a.passwordCredentials, cred] } });
      res.json({
        '@odata.context': ctxUrl(req, 'microsoft.graph.passwordCredential'),
        customKeyIdentifier: null,
        displayName: cred.displayName,
        endDateTime: cred.endDateTime,
        hint: cred.hint,
        keyId: cred.keyId,
        secretText: secret,
        startDateTime: cred.startDateTime,
      });
    },
  });
  ctx.route({
    name: 'directory.applications.removePassword',
    method: 'POST',
    path: '/applications/:id/removePassword',
    roles: APP_RW,
    service: 'directory',
    handler: async (req, res) => {
      const a = findApplication(req.tenant, req.params.id);
      const b = await req.json<{ keyId: string }>();
      if (!a.passwordCredentials.some((p) => p.keyId === b.keyId)) throw new GraphHttpError(400, 'Request_BadRequest', `No password credential found with keyId '${b.keyId}'.`);
      ctx.world.commit('directory.applicationUpdated', req.tenant, { id: a.id, patch: { passwordCredentials: a.passwordCredentials.filter((p) => p.keyId !== b.keyId) } });
      res.empty(204);
    },
  });

  // ---- service principals
  const requireSp = (t: TenantState, id: string) => {
    const s = t.servicePrincipals.get(id);
    if (!s) throw notFoundDir(id);
    return s;
  };
  ctx.route({
    name: 'directory.servicePrincipals.list',
    method: 'GET',
    path: '/servicePrincipals',
    roles: APP_READ,
    service: 'directory',
    handler: (req, res) => ctx.odata.page(req, res, [...req.tenant.servicePrincipals.values()], { defaultPageSize: 100, maxPageSize: 999, render: renderSp, context: ctxUrl(req, 'servicePrincipals') }),
  });
  ctx.route({
    name: 'directory.servicePrincipals.create',
    method: 'POST',
    path: '/servicePrincipals',
    roles: APP_RW,
    service: 'directory',
    handler: async (req, res) => {
      const b = await req.json<{ appId?: string }>();
      if (!b.appId) throw new GraphHttpError(400, 'Request_BadRequest', "Property 'appId' is required.");
      if ([...req.tenant.servicePrincipals.values()].some((s) => s.appId === b.appId)) {
        throw new GraphHttpError(409, 'Request_MultipleObjectsWithSameKeyValue', 'The service principal cannot be created, updated, or restored because the service principal name ' + b.appId + ' is already in use.');
      }
      let app: SimApplication | undefined = [...req.tenant.applications.values()].find((a) => a.appId === b.appId);
      if (!app) {
        for (const t of ctx.world.tenants()) for (const a of t.applications.values()) if (a.appId === b.appId && a.signInAudience !== 'AzureADMyOrg') app = a;
      }
      if (!app) throw new GraphHttpError(400, 'Request_BadRequest', `The appId '${b.appId}' of the service principal does not reference a valid application object.`);
      const sp: SimServicePrincipal = { id: ctx.world.newId(), appId: app.appId, displayName: app.displayName, servicePrincipalType: 'Application', accountEnabled: true, appRoles: [], createdDateTime: new Date().toISOString() };
      ctx.world.commit('directory.servicePrincipalCreated', req.tenant, { sp });
      res.json({ '@odata.context': ctxUrl(req, 'servicePrincipals/$entity'), ...renderSp(sp) }, 201);
    },
  });
  ctx.route({
    name: 'directory.servicePrincipals.get',
    method: 'GET',
    path: '/servicePrincipals/:id',
    roles: APP_READ,
    service: 'directory',
    handler: (req, res) => res.json({ '@odata.context': ctxUrl(req, 'servicePrincipals/$entity'), ...ctx.odata.applySelect(renderSp(requireSp(req.tenant, req.params.id)), req.odata.select) }),
  });
  ctx.route({
    name: 'directory.servicePrincipals.appRoleAssignedTo.list',
    method: 'GET',
    path: '/servicePrincipals/:id/appRoleAssignedTo',
    roles: [...APP_READ, 'AppRoleAssignment.ReadWrite.All'],
    service: 'directory',
    handler: (req, res) => {
      const sp = requireSp(req.tenant, req.params.id);
      const list = [...req.tenant.appRoleAssignments.values()].filter((a) => a.resourceId === sp.id);
      ctx.odata.page(req, res, list, { defaultPageSize: 100, maxPageSize: 999, render: renderAssignment, context: ctxUrl(req, `servicePrincipals('${sp.id}')/appRoleAssignedTo`) });
    },
  });
  ctx.route({
    name: 'directory.servicePrincipals.appRoleAssignments.list',
    method: 'GET',
    path: '/servicePrincipals/:id/appRoleAssignments',
    roles: [...APP_READ, 'AppRoleAssignment.ReadWrite.All'],
    service: 'directory',
    handler: (req, res) => {
      const sp = requireSp(req.tenant, req.params.id);
      const list = [...req.tenant.appRoleAssignments.values()].filter((a) => a.principalId === sp.id);
      ctx.odata.page(req, res, list, { defaultPageSize: 100, maxPageSize: 999, render: renderAssignment, context: ctxUrl(req, `servicePrincipals('${sp.id}')/appRoleAssignments`) });
    },
  });
  ctx.route({
    name: 'directory.servicePrincipals.appRoleAssignedTo.create',
    method: 'POST',
    path: '/servicePrincipals/:id/appRoleAssignedTo',
    roles: ['AppRoleAssignment.ReadWrite.All'],
    service: 'directory',
    handler: async (req, res) => {
      const resource = requireSp(req.tenant, req.params.id);
      const b = await req.json<{ principalId?: string; resourceId?: string; appRoleId?: string }>();
      const principal = b.principalId ? req.tenant.servicePrincipals.get(b.principalId) : undefined;
      if (!principal) throw new GraphHttpError(400, 'Request_BadRequest', `Invalid value specified for property 'principalId' of resource 'AppRoleAssignment'.`);
      if (b.resourceId && b.resourceId !== resource.id) throw new GraphHttpError(400, 'Request_BadRequest', `Invalid value specified for property 'resourceId' of resource 'AppRoleAssignment'.`);
      const role = resource.appRoles.find((r) => r.id === b.appRoleId);
      if (!role) throw new GraphHttpError(400, 'Request_BadRequest', `Permission being assigned was not found on application '${resource.appId}'.`);
      const dup = [...req.tenant.appRoleAssignments.values()].find((a) => a.principalId === principal.id && a.resourceId === resource.id && a.appRoleId === role.id);
      if (dup) throw new GraphHttpError(400, 'Request_BadRequest', 'Permission being assigned already exists on the object');
      const a: SimAppRoleAssignment = {
        id: createHash('sha256').update(`${principal.id}|${resource.id}|${role.id}`).digest('base64url').slice(0, 43),
        appRoleId: role.id,
        principalId: principal.id,
        principalType: 'ServicePrincipal',
        principalDisplayName: principal.displayName,
        resourceId: resource.id,
        resourceDisplayName: resource.displayName,
        createdDateTime: new Date().toISOString(),
      };
      ctx.world.commit('directory.appRoleAssigned', req.tenant, { a });
      res.json({ '@odata.context': ctxUrl(req, `servicePrincipals('${resource.id}')/appRoleAssignedTo/$entity`), ...renderAssignment(a) }, 201);
    },
  });
  ctx.route({
    name: 'directory.servicePrincipals.appRoleAssignedTo.delete',
    method: 'DELETE',
    path: '/servicePrincipals/:id/appRoleAssignedTo/:aid',
    roles: ['AppRoleAssignment.ReadWrite.All'],
    service: 'directory',
    handler: (req, res) => {
      requireSp(req.tenant, req.params.id);
      if (!req.tenant.appRoleAssignments.has(req.params.aid)) throw notFoundDir(req.params.aid);
      ctx.world.commit('directory.appRoleUnassigned', req.tenant, { id: req.params.aid });
      res.empty(204);
    },
  });
}

function registerSamples(ctx: SimContext): void {
  const first = (t: TenantState) => [...t.users.values()][0]?.id;
  ctx.sample({ name: 'users', entityType: 'microsoft.graph.user', collection: true, url: () => '/users?$select=id,displayName,givenName,surname,userPrincipalName,mail,mailNickname,jobTitle,department,accountEnabled,assignedLicenses,createdDateTime,usageLocation,userType,proxyAddresses,businessPhones,mobilePhone,officeLocation,preferredLanguage,deletedDateTime' });
  ctx.sample({ name: 'user', entityType: 'microsoft.graph.user', collection: false, url: (t) => `/users/${first(t)}` });
  ctx.sample({ name: 'users delta', entityType: 'microsoft.graph.user', collection: true, url: () => '/users/delta' });
  ctx.sample({ name: 'groups delta', entityType: 'microsoft.graph.group', collection: true, url: () => '/groups/delta' });
  ctx.sample({ name: 'groups', entityType: 'microsoft.graph.group', collection: true, url: () => '/groups' });
  ctx.sample({ name: 'group members', entityType: 'microsoft.graph.directoryObject', collection: true, url: (t) => `/groups/${[...t.groups.keys()][0]}/members` });
  ctx.sample({ name: 'organization', entityType: 'microsoft.graph.organization', collection: true, url: () => '/organization' });
  ctx.sample({ name: 'deleted users', entityType: 'microsoft.graph.user', collection: true, url: () => '/directory/deletedItems/microsoft.graph.user' });
  ctx.sample({ name: 'applications', entityType: 'microsoft.graph.application', collection: true, url: () => '/applications' });
  ctx.sample({ name: 'servicePrincipals', entityType: 'microsoft.graph.servicePrincipal', collection: true, url: () => '/servicePrincipals' });
  ctx.sample({ name: 'appRoleAssignedTo', entityType: 'microsoft.graph.appRoleAssignment', collection: true, url: (t) => `/servicePrincipals/${graphSp(t).id}/appRoleAssignedTo?$top=3` });
  ctx.sample({ name: 'subscribedSkus', entityType: 'microsoft.graph.subscribedSku', collection: true, url: () => '/subscribedSkus' });
  void CLOUDS;
}

export const simModule: SimModule = {
  name: 'directory',
  dependsOn: [],
  register(ctx) {
    registerJournal(ctx);
    registerMutations(ctx);
    registerRoutes(ctx);
    registerSamples(ctx);
  },
};

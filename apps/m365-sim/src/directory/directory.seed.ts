/**
 * Deterministic directory: tenants in each national cloud, users with unicode names (licensed,
 * unlicensed, shared mailboxes, deleted), Microsoft 365 groups (some teams), Graph's service
 * principal with its app roles, and a Holdfast application with every permission consented.
 */
import { createHash, randomBytes } from 'node:crypto';
import { GRAPH_APP_ID, GRAPH_APP_ROLES, ALL_PERMISSIONS } from '../framework/permissions';
import type { Sim } from '../framework/sim-server';
import type { CloudName, SimAppRole, SimGroup, SimUser, TenantState } from '../framework/world';

export interface SimConfig {
  version: number;
  seed: number;
  sizes: Record<string, number>;
  createdAt: string;
  /** base64 key for HMAC tokens (skiptokens, delta tokens, content URLs). */
  hmacKey: string;
  /** tenant name -> the Holdfast app's credentials in that tenant. */
  apps: Record<string, { clientId: string; clientSecret: string }>;
}

export const SKU_E3 = '05e9a617-0261-4cee-bb44-138d3ef5d965';
export const SKU_E5 = '06ebc4ee-1bb5-47dd-8120-11324bc54e06';

const FIRST = ['Zoë', 'José', 'Łukasz', 'Søren', 'Ágnes', 'Chloé', 'Björn', 'Anaïs', 'Jürgen', 'Ines', 'Mateo', 'Siobhán', 'Noémie', 'Ólafur', 'Kateřina', 'Ayşe', 'Dmitri', 'Priya', 'Kenji', 'Amélie', 'Rafał', 'Léa', 'Thandiwe', 'Nguyễn', 'Émile'];
const LAST = ['Müller', 'García', 'Nowak', 'Ødegaard', 'Dvořák', 'Fernández', 'Çelik', 'Østergaard', 'Lindqvist', 'Šimić', 'O’Brien', 'Kowalczyk', 'Żółć', 'Papadopoulos', 'Ruiz', 'Schröder', 'Tanaka', 'Ivanović', 'Brontë', 'Nuñez'];
const CJK = [['伟', '王'], ['娜', '李'], ['翔太', '佐藤'], ['Αθηνά', 'Παπαδοπούλου'], ['Алексей', 'Смирнов'], ['محمد', 'العلي']];
const JOBS = ['Accountant', 'Engineer', 'Sales Manager', 'Designer', 'Lawyer', 'Support Lead', 'Analyst', 'Director'];
const DEPTS = ['Finance', 'Engineering', 'Sales', 'Marketing', 'Legal', 'Operations', 'HR'];
const GROUP_NAMES = ['Project Ærø', 'Équipe Marketing', 'Sales EMEA', 'Engineering Core', 'Legal Hold', 'Finance Close', 'Führungskreis', 'Product Launch', 'Support Tier 2', 'Board 董事会'];

export function asciiSlug(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ł/gi, 'l')
    .replace(/[øØ]/g, 'o')
    .replace(/ß/g, 'ss')
    .replace(/æ/gi, 'ae')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

interface TenantPlan {
  name: string;
  cloud: CloudName;
  displayName: string;
  domain: string;
  users: number;
}

function plans(sizes: Record<string, number>): TenantPlan[] {
  const small = sizes.cloudTenantUsers ?? 3;
  return [
    { name: 'contoso', cloud: 'global', displayName: 'Contoso Ltd', domain: 'contoso.onmicrosoft.com', users: sizes.users ?? 25 },
    { name: 'fabrikamgov', cloud: 'usgov', displayName: 'Fabrikam Government', domain: 'fabrikamgov.onmicrosoft.us', users: small },
    { name: 'northwinddod', cloud: 'usgovdod', displayName: 'Northwind Defense', domain: 'northwinddod.onmicrosoft.us', users: small },
    { name: 'woodgrovecn', cloud: 'china', displayName: 'Woodgrove 中国', domain: 'woodgrovecn.partner.onmschina.cn', users: small },
  ];
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export function graphAppRoles(): SimAppRole[] {
  return ALL_PERMISSIONS.map((p) => ({
    id: GRAPH_APP_ROLES[p],
    value: p,
    displayName: p,
    description: `Allows the app ${p} without a signed-in user.`,
    allowedMemberTypes: ['Application'],
    isEnabled: true,
    origin: 'Application',
  }));
}

export function seedTenants(sim: Sim, config: SimConfig): void {
  const world = sim.world;
  const base = Date.parse('2024-01-15T09:00:00Z');
  for (const plan of plans(config.sizes)) {
    const tid = world.guid('tenant', plan.name);
    const rng = world.rng('directory', plan.name);
    const t: TenantState = {
      id: tid,
      name: plan.name,
      cloud: plan.cloud,
      displayName: plan.displayName,
      defaultDomain: plan.domain,
      createdDateTime: new Date(base).toISOString().replace('.000', ''),
      adminUserId: '',
      users: new Map(),
      usersByUpn: new Map(),
      deletedUsers: new Map(),
      groups: new Map(),
      deletedGroups: new Map(),
      applications: new Map(),
      servicePrincipals: new Map(),
      appRoleAssignments: new Map(),
      moduleData: new Map(),
    };
    const used = new Set<string>();
    const makeUser = (i: number): SimUser => {
      let first: string;
      let last: string;
      if (i === 0) [first, last] = ['Adele', 'Vance'];
      else if (i % 7 === 3) [first, last] = CJK[rng.int(CJK.length)];
      else [first, last] = [rng.pick(FIRST), rng.pick(LAST)];
      let nick = i === 0 ? 'admin' : `${asciiSlug(first)}.${asciiSlug(last)}`.replace(/^\.|\.$/g, '');
      if (!nick || nick === '.') nick = `user${i}`;
      if (used.has(nick)) nick = `${nick}${i}`;
      used.add(nick);
      const kind = i === 0 ? 'licensed' : i % 10 === 7 ? 'unlicensed' : i % 10 === 9 ? 'shared' : 'licensed';
      const upn = `${nick}@${plan.domain}`;
      const displayName = kind === 'shared' ? `Shared ${last} ${i}` : `${first} ${last}`;
      return {
        id: world.guid('user', plan.name, i),
        displayName,
        givenName: kind === 'shared' ? null : first,
        surname: kind === 'shared' ? null : last,
        userPrincipalName: upn,
        mail: kind === 'unlicensed' ? null : upn,
        mailNickname: nick,
        jobTitle: kind === 'shared' ? null : rng.pick(JOBS),
        department: kind === 'shared' ? null : rng.pick(DEPTS),
        officeLocation: null,
        usageLocation: 'US',
        preferredLanguage: 'en-US',
        accountEnabled: kind !== 'shared',
        createdDateTime: new Date(base + i * 3600_000).toISOString().replace('.000', ''),
        userType: 'Member',
        assignedLicenses: kind === 'licensed' ? [{ skuId: i % 4 === 1 ? SKU_E5 : SKU_E3, disabledPlans: [] }] : [],
        mailbox: kind === 'licensed' ? 'user' : kind === 'shared' ? 'shared' : 'none',
      };
    };
    for (let i = 0; i < Math.max(1, plan.users); i++) {
      const u = makeUser(i);
      t.users.set(u.id, u);
      t.usersByUpn.set(u.userPrincipalName.toLowerCase(), u.id);
      if (i === 0) t.adminUserId = u.id;
    }
    const deleted = config.sizes.deletedUsers ?? 2;
    for (let k = 0; k < deleted; k++) {
      const u = makeUser(100000 + k);
      u.deletedDateTime = new Date(base + 30 * 86400_000 + k * 3600_000).toISOString().replace('.000', '');
      t.deletedUsers.set(u.id, u);
    }
    const userIds = [...t.users.keys()];
    const nGroups = config.sizes.groups ?? Math.max(2, Math.min(GROUP_NAMES.length, Math.ceil(plan.users / 5)));
    for (let g = 0; g < nGroups; g++) {
      const name = g < GROUP_NAMES.length ? GROUP_NAMES[g] : `Group ${g}`;
      const nick = asciiSlug(name) || `group${g}`;
      const members = userIds.filter((_, k) => (k + g) % 3 === 0 || k === 0);
      const grp: SimGroup = {
        id: world.guid('group', plan.name, g),
        displayName: name,
        description: `${name} (simulated)`,
        mailNickname: nick,
        mail: `${nick}@${plan.domain}`,
        groupTypes: ['Unified'],
        mailEnabled: true,
        securityEnabled: false,
        visibility: g % 2 ? 'Private' : 'Public',
        createdDateTime: new Date(base + g * 86400_000).toISOString().replace('.000', ''),
        resourceProvisioningOptions: g % 2 === 0 ? ['Team'] : [],
        members,
        owners: [t.adminUserId],
      };
      t.groups.set(grp.id, grp);
    }
    const sec: SimGroup = {
      id: world.guid('group', plan.name, 'security'),
      displayName: 'All Staff Security',
      description: null,
      mailNickname: 'allstaffsecurity',
      mail: null,
      groupTypes: [],
      mailEnabled: false,
      securityEnabled: true,
      visibility: null,
      createdDateTime: new Date(base).toISOString().replace('.000', ''),
      resourceProvisioningOptions: [],
      members: userIds,
      owners: [],
    };
    t.groups.set(sec.id, sec);

    // Microsoft Graph's service principal
    const graphSp = {
      id: world.guid('sp', plan.name, 'graph'),
      appId: GRAPH_APP_ID,
      displayName: 'Microsoft Graph',
      servicePrincipalType: 'Application',
      accountEnabled: true,
      appRoles: graphAppRoles(),
      createdDateTime: t.createdDateTime,
    };
    t.servicePrincipals.set(graphSp.id, graphSp);

    // The Holdfast application with every permission Holdfast needs, consented
    const creds = (config.apps[plan.name] ??= { clientId: world.guid('app', plan.name, 'holdfast'), clientSecret: `hfs~${randomBytes(24).toString('base64url')}` });
    const appObjId = world.guid('application', plan.name, 'holdfast');
    t.applications.set(appObjId, {
      id: appObjId,
      appId: creds.clientId,
      displayName: 'Holdfast Backup',
      signInAudience: 'AzureADMyOrg',
      createdDateTime: t.createdDateTime,
      requiredResourceAccess: [{ resourceAppId: GRAPH_APP_ID, resourceAccess: ALL_PERMISSIONS.map((p) => ({ id: GRAPH_APP_ROLES[p], type: 'Role' })) }],
      passwordCredentials: [
        {
          keyId: world.guid('secret', plan.name),
          displayName: 'simulator',
          hint: creds.clientSecret.slice(0, 3),
          secretHash: sha256Hex(creds.clientSecret),
          startDateTime: t.createdDateTime,
          endDateTime: '2299-12-31T00:00:00Z',
        },
      ],
      keyCredentials: [],
      isFallbackPublicClient: false,
    });
    const spId = world.guid('sp', plan.name, 'holdfast');
    t.servicePrincipals.set(spId, {
      id: spId,
      appId: creds.clientId,
      displayName: 'Holdfast Backup',
      servicePrincipalType: 'Application',
      accountEnabled: true,
      appRoles: [],
      createdDateTime: t.createdDateTime,
    });
    for (const p of ALL_PERMISSIONS) {
      const id = world.guid('assignment', plan.name, p);
      t.appRoleAssignments.set(id, {
        id,
        appRoleId: GRAPH_APP_ROLES[p],
        principalId: spId,
        principalType: 'ServicePrincipal',
        principalDisplayName: 'Holdfast Backup',
        resourceId: graphSp.id,
        resourceDisplayName: 'Microsoft Graph',
        createdDateTime: t.createdDateTime,
      });
    }
    world.addTenant(t);
  }
  void sim;
}

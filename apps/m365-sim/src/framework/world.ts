/**
 * The world: deterministic generation from (seed, sizes) + a journal of mutations replayed at
 * start + big blobs as files in the state dir. See FRAMEWORK.md "World and state".
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { Rng, guidFrom } from './rng';

export type CloudName = 'global' | 'usgov' | 'usgovdod' | 'china';

export interface CloudInfo {
  name: CloudName;
  /** Authority host names (first is canonical). */
  loginHosts: string[];
  /** Graph host name. */
  graphHost: string;
}

export const CLOUDS: Record<CloudName, CloudInfo> = {
  global: { name: 'global', loginHosts: ['login.microsoftonline.com'], graphHost: 'graph.microsoft.com' },
  usgov: { name: 'usgov', loginHosts: ['login.microsoftonline.us'], graphHost: 'graph.microsoft.us' },
  usgovdod: { name: 'usgovdod', loginHosts: ['login.microsoftonline.us'], graphHost: 'dod-graph.microsoft.us' },
  china: { name: 'china', loginHosts: ['login.chinacloudapi.cn', 'login.partner.microsoftonline.cn'], graphHost: 'microsoftgraph.chinacloudapi.cn' },
};

export const ALL_CLOUD_HOSTS = [...new Set(Object.values(CLOUDS).flatMap((c) => [...c.loginHosts, c.graphHost]))];

export interface AssignedLicense {
  skuId: string;
  disabledPlans: string[];
}

export interface SimUser {
  id: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  userPrincipalName: string;
  mail: string | null;
  mailNickname: string;
  jobTitle: string | null;
  department: string | null;
  officeLocation: string | null;
  usageLocation: string | null;
  preferredLanguage: string | null;
  accountEnabled: boolean;
  createdDateTime: string;
  userType: 'Member' | 'Guest';
  assignedLicenses: AssignedLicense[];
  /** 'user' mailbox, 'shared' mailbox (unlicensed, disabled account), or none. */
  mailbox: 'user' | 'shared' | 'none';
  deletedDateTime?: string;
}

export interface SimGroup {
  id: string;
  displayName: string;
  description: string | null;
  mailNickname: string;
  mail: string | null;
  groupTypes: string[];
  mailEnabled: boolean;
  securityEnabled: boolean;
  visibility: 'Public' | 'Private' | null;
  createdDateTime: string;
  resourceProvisioningOptions: string[];
  members: string[];
  owners: string[];
  deletedDateTime?: string;
}

export interface SimPasswordCredential {
  keyId: string;
  displayName: string | null;
  hint: string;
  /** sha256 hex of the secret text. */
  secretHash: string;
  startDateTime: string;
  endDateTime: string;
}

export interface SimKeyCredential {
  keyId: string;
  type: string;
  usage: string;
  /** base64 DER certificate. */
  key: string;
  displayName: string | null;
  customKeyIdentifier: string | null;
  startDateTime: string;
  endDateTime: string;
}

export interface SimApplication {
  id: string;
  appId: string;
  displayName: string;
  signInAudience: string;
  createdDateTime: string;
  requiredResourceAccess: { resourceAppId: string; resourceAccess: { id: string; type: string }[] }[];
  passwordCredentials: SimPasswordCredential[];
  keyCredentials: SimKeyCredential[];
  /** Public client flows allowed (device code). */
  isFallbackPublicClient: boolean;
}

export interface SimAppRole {
  id: string;
  value: string;
  displayName: string;
  description: string;
  allowedMemberTypes: string[];
  isEnabled: boolean;
  origin: string;
}

export interface SimServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  servicePrincipalType: string;
  accountEnabled: boolean;
  appRoles: SimAppRole[];
  createdDateTime: string;
}

export interface SimAppRoleAssignment {
  id: string;
  appRoleId: string;
  principalId: string;
  principalType: string;
  principalDisplayName: string;
  resourceId: string;
  resourceDisplayName: string;
  createdDateTime: string;
}

export interface TenantState {
  id: string;
  /** Short name used in the seed and the control API, e.g. 'contoso'. */
  name: string;
  cloud: CloudName;
  displayName: string;
  defaultDomain: string;
  createdDateTime: string;
  /** The admin who signs in for device code flows. */
  adminUserId: string;
  users: Map<string, SimUser>;
  /** Lower-case UPN -> id (live users only). */
  usersByUpn: Map<string, string>;
  deletedUsers: Map<string, SimUser>;
  groups: Map<string, SimGroup>;
  deletedGroups: Map<string, SimGroup>;
  applications: Map<string, SimApplication>;
  servicePrincipals: Map<string, SimServicePrincipal>;
  appRoleAssignments: Map<string, SimAppRoleAssignment>;
  /** Per-module state bags; use world.moduleState(). */
  moduleData: Map<string, unknown>;
}

export interface JournalEntry<D = any> {
  seq: number;
  /** ISO time the mutation happened: appliers use this, never Date.now(). */
  at: string;
  type: string;
  tenant: string;
  data: D;
}

export type JournalApplier<D = any> = (tenant: TenantState, data: D, entry: JournalEntry<D>) => void;

/** Files named by sha256 under state-dir/blobs. */
export class BlobStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  put(data: Buffer): string {
    const id = createHash('sha256').update(data).digest('hex');
    const p = this.path(id);
    if (!existsSync(p)) {
      mkdirSync(path.dirname(p), { recursive: true });
      const tmp = `${p}.${process.pid}.tmp`;
      writeFileSync(tmp, data);
      renameSync(tmp, p);
    }
    return id;
  }

  get(id: string): Buffer {
    return readFileSync(this.path(id));
  }

  has(id: string): boolean {
    return existsSync(this.path(id));
  }

  path(id: string): string {
    if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`bad blob id ${id}`);
    return path.join(this.dir, id.slice(0, 2), id);
  }
}

export class World {
  readonly blobs: BlobStore;
  private readonly tenantList: TenantState[] = [];
  private readonly tenantIndex = new Map<string, TenantState>();
  private readonly appliers = new Map<string, JournalApplier>();
  private readonly journalPath: string;
  private seq = 0;
  private replaying = false;
  /** Listeners told about every committed entry (after apply). */
  private readonly listeners: ((e: JournalEntry) => void)[] = [];

  constructor(
    readonly stateDir: string,
    readonly seed: number,
    readonly sizes: Readonly<Record<string, number>>,
  ) {
    this.blobs = new BlobStore(path.join(stateDir, 'blobs'));
    this.journalPath = path.join(stateDir, 'journal.ndjson');
  }

  /** Deterministic PRNG for world content: world.rng('exchange', tenant.id, userId, 'inbox'). */
  rng(...parts: (string | number)[]): Rng {
    return new Rng(this.seed, ...parts);
  }

  /** Deterministic GUID for seeded objects. */
  guid(...parts: (string | number)[]): string {
    return guidFrom(this.seed, ...parts);
  }

  /** Fresh random id for a mutation (store it in the journal data so replay reuses it). */
  newId(): string {
    return randomUUID();
  }

  tenants(): readonly TenantState[] {
    return this.tenantList;
  }

  /** By id, name, or any domain. */
  tenant(key: string): TenantState | undefined {
    return this.tenantIndex.get(key.toLowerCase());
  }

  addTenant(t: TenantState): void {
    this.tenantList.push(t);
    for (const k of [t.id, t.name, t.defaultDomain]) this.tenantIndex.set(k.toLowerCase(), t);
  }

  /** A user by id or UPN (live users only). */
  user(tenant: TenantState, idOrUpn: string): SimUser | undefined {
    const u = tenant.users.get(idOrUpn);
    if (u) return u;
    const id = tenant.usersByUpn.get(idOrUpn.toLowerCase());
    return id ? tenant.users.get(id) : undefined;
  }

  /** Per tenant, per module state, created on first use. */
  moduleState<T>(tenant: TenantState, module: string, init: () => T): T {
    let s = tenant.moduleData.get(module) as T | undefined;
    if (s === undefined) {
      s = init();
      tenant.moduleData.set(module, s);
    }
    return s;
  }

  /** Registers how a journal entry type changes the world (at commit and at replay). */
  onJournal<D>(type: string, apply: JournalApplier<D>): void {
    if (this.appliers.has(type)) throw new Error(`journal type ${type} registered twice`);
    this.appliers.set(type, apply as JournalApplier);
  }

  onCommitted(listener: (e: JournalEntry) => void): void {
    this.listeners.push(listener);
  }

  /** Appends a mutation to the journal (one JSON line, written synchronously) and applies it. Returns the entry. */
  commit<D>(type: string, tenant: TenantState | string, data: D, at = new Date().toISOString()): JournalEntry<D> {
    if (this.replaying) throw new Error('commit() during replay: appliers must not commit');
    const t = typeof tenant === 'string' ? this.tenant(tenant) : tenant;
    if (!t) throw new Error(`unknown tenant ${String(tenant)}`);
    const apply = this.appliers.get(type);
    if (!apply) throw new Error(`no journal applier for ${type}`);
    const entry: JournalEntry<D> = { seq: ++this.seq, at, type, tenant: t.id, data };
    appendFileSync(this.journalPath, JSON.stringify(entry) + '\n');
    apply(t, data, entry);
    for (const l of this.listeners) l(entry);
    return entry;
  }

  /** Replays the journal (called once at start after seeding). Returns the number of entries. */
  replay(log: (msg: string) => void = () => undefined): number {
    if (!existsSync(this.journalPath)) return 0;
    const lines = readFileSync(this.journalPath, 'utf8').split('\n');
    let n = 0;
    this.replaying = true;
    try {
      for (const line of lines) {
        if (!line.trim()) continue;
        let entry: JournalEntry;
        try {
          entry = JSON.parse(line);
        } catch {
          log(`journal: ignoring a torn last line`);
          continue;
        }
        this.seq = Math.max(this.seq, entry.seq);
        const t = this.tenant(entry.tenant);
        const apply = this.appliers.get(entry.type);
        if (!t || !apply) {
          log(`journal: no applier or tenant for ${entry.type} (seq ${entry.seq}); skipped`);
          continue;
        }
        apply(t, entry.data, entry);
        n++;
      }
    } finally {
      this.replaying = false;
    }
    return n;
  }

  get isReplaying(): boolean {
    return this.replaying;
  }
}

import { randomBytes } from 'node:crypto';
import { HoldfastError } from '@holdfast/contracts';
import { equalBytes } from '../crypto/aead';
import {
  configMac,
  createKeyFile,
  DEFAULT_SCRYPT,
  newMasterKey,
  openKeyFile,
  type KeyFile,
  type MasterKey,
  type ScryptParams,
} from '../crypto/key-files';
import { addDataKey, createKeyring, openKeyring, rewrapKeyring, type KeyringFile, type TenantKeys } from '../crypto/tenant-keyring';
import { RetentionGuard } from '../backend/retention-guard';
import type { StorageBackend } from '../backend/storage-backend.port';
import { CONFIG_KEY, keyFileKey, KEYS_PREFIX, TENANTS_PREFIX, TenantLayout } from './layout';
import { canonicalConfig, DEFAULT_CONFIG, parseConfig, signConfig, type RepositoryConfig } from './repository-config';
import { TenantRepository, type TenantContext } from './tenant-repository';

export interface RepositoryOpenOptions {
  readonly password: string;
  /** Clock (tests). */
  readonly now?: () => Date;
  /** Blobs compressed/encrypted in parallel per writer (default 6). */
  readonly parallelism?: number;
  /** Messages above this are stored unsplit (default 256 MiB). */
  readonly maxMailBytes?: number;
  /** Writer heartbeat period (default: session timeout / 6). */
  readonly heartbeatMs?: number;
}

export interface RepositoryInitOptions extends RepositoryOpenOptions {
  readonly scrypt?: ScryptParams;
  readonly config?: Partial<Pick<RepositoryConfig, 'packTargetBytes' | 'compressionLevel' | 'mimeSplitMinBytes' | 'gcGraceSeconds' | 'sessionTimeoutSeconds'>>;
}

export interface OpenTenantOptions {
  /** Register a writer session (needed to store data). */
  readonly write?: boolean;
  /** Create the tenant's keyring when missing (default: true when writing). */
  readonly create?: boolean;
}

export interface KeyListing {
  readonly keyFiles: Array<{ id: string; createdAt: string; current: boolean }>;
  readonly masterKeyId: string;
  readonly tenants: Array<{ tenant: string; masterKeyId: string; activeDataKeyId: string; dataKeys: Array<{ id: string; createdAt: string }> }>;
}

/**
 * A repository: config, password key files and per-tenant keyrings. Data operations go through
 * `openTenant`. Nothing here holds a lock: every writer writes uniquely named objects.
 */
export class Repository {
  readonly backend: RetentionGuard;

  private constructor(
    backend: StorageBackend,
    readonly config: RepositoryConfig,
    private masters: MasterKey[],
    private keyFileId: string,
    private readonly password: string,
    private readonly options: RepositoryOpenOptions,
  ) {
    this.backend = backend instanceof RetentionGuard ? backend : new RetentionGuard(backend, options.now);
  }

  get now(): () => Date {
    return this.options.now ?? (() => new Date());
  }

  static async init(backend: StorageBackend, opts: RepositoryInitOptions): Promise<Repository> {
    if (await backend.stat(CONFIG_KEY)) throw new HoldfastError('already_exists', `a repository already exists at ${backend.location}`);
    const master = newMasterKey();
    const keyFile = await createKeyFile(opts.password, [master], opts.scrypt ?? DEFAULT_SCRYPT);
    const config = signConfig(
      {
        format: 'holdfast-repository',
        version: 1,
        id: randomBytes(16).toString('hex'),
        createdAt: new Date().toISOString(),
        ...DEFAULT_CONFIG,
        ...(opts.config ?? {}),
      },
      master,
    );
    await backend.put(keyFileKey(keyFile.id), Buffer.from(JSON.stringify(keyFile, null, 2)));
    await backend.put(CONFIG_KEY, Buffer.from(JSON.stringify(config, null, 2)));
    return new Repository(backend, config, [master], keyFile.id, opts.password, opts);
  }

  static async open(backend: StorageBackend, opts: RepositoryOpenOptions): Promise<Repository> {
    const raw = await backend.get(CONFIG_KEY).catch((e) => {
      if (e instanceof HoldfastError && e.code === 'not_found') {
        throw new HoldfastError('not_found', `no Holdfast repository at ${backend.location} (run "holdfast repo init")`);
      }
      throw e;
    });
    const config = parseConfig(raw);
    for await (const o of backend.list(KEYS_PREFIX)) {
      const file = JSON.parse((await backend.get(o.key)).toString('utf8')) as KeyFile;
      const masters = await openKeyFile(file, opts.password);
      if (!masters) continue;
      const mac = config.mac ?? '';
      const ok = masters.some((m) => equalBytes(Buffer.from(configMac(m, canonicalConfig(config)), 'hex'), Buffer.from(mac, 'hex')));
      if (!ok) throw new HoldfastError('internal', 'repository config failed authentication (damaged or tampered with)', { integrity: true });
      return new Repository(backend, config, masters, file.id, opts.password, opts);
    }
    throw new HoldfastError('credentials_invalid', 'wrong repository password (no key file opens with it)');
  }

  get masterKeyId(): string {
    return this.masters[0].id;
  }

  async listTenants(): Promise<string[]> {
    const out = new Set<string>();
    for await (const o of this.backend.list(TENANTS_PREFIX)) {
      const m = /^tenants\/([^/]+)\/keyring\.json$/.exec(o.key);
      if (m) out.add(m[1]);
    }
    return [...out].sort();
  }

  private async readKeyring(layout: TenantLayout): Promise<KeyringFile | undefined> {
    try {
      return JSON.parse((await this.backend.get(layout.keyring)).toString('utf8')) as KeyringFile;
    } catch (e) {
      if (e instanceof HoldfastError && e.code === 'not_found') return undefined;
      if (e instanceof SyntaxError) throw new HoldfastError('internal', `${layout.keyring} is not valid JSON (damaged?)`, { integrity: true });
      throw e;
    }
  }

  async tenantKeys(tenant: string, create: boolean): Promise<TenantKeys> {
    const layout = new TenantLayout(tenant);
    const file = await this.readKeyring(layout);
    if (file) return openKeyring(this.masters, file);
    if (await this.backend.stat(layout.destroyedMarker)) {
      throw new HoldfastError('not_found', `tenant ${tenant}'s keys were destroyed; its data can no longer be read`);
    }
    if (!create) throw new HoldfastError('not_found', `tenant ${tenant} has no data in this repository`);
    const created = createKeyring(this.masters[0], tenant);
    await this.backend.put(layout.keyring, Buffer.from(JSON.stringify(created.file, null, 2)));
    return created.keys;
  }

  async openTenant(tenant: string, opts: OpenTenantOptions = {}): Promise<TenantRepository> {
    const keys = await this.tenantKeys(tenant, opts.create ?? !!opts.write);
    return TenantRepository.open(this.tenantContext(tenant, keys), !!opts.write);
  }

  tenantContext(tenant: string, keys: TenantKeys): TenantContext {
    return {
      backend: this.backend,
      layout: new TenantLayout(tenant),
      keys,
      config: this.config,
      now: this.now,
      parallelism: this.options.parallelism ?? 4,
      maxMailBytes: this.options.maxMailBytes ?? 256 * 1024 * 1024,
      heartbeatMs: this.options.heartbeatMs,
    };
  }

  // ---------------------------------------------------------------- keys

  async listKeys(): Promise<KeyListing> {
    const keyFiles: KeyListing['keyFiles'] = [];
    for await (const o of this.backend.list(KEYS_PREFIX)) {
      const f = JSON.parse((await this.backend.get(o.key)).toString('utf8')) as KeyFile;
      keyFiles.push({ id: f.id, createdAt: f.createdAt, current: f.id === this.keyFileId });
    }
    const tenants: KeyListing['tenants'] = [];
    for (const t of await this.listTenants()) {
      const f = await this.readKeyring(new TenantLayout(t));
      if (f) tenants.push({ tenant: t, masterKeyId: f.masterKeyId, activeDataKeyId: f.activeDataKeyId, dataKeys: f.dataKeys.map((d) => ({ id: d.id, createdAt: d.createdAt })) });
    }
    return { keyFiles, masterKeyId: this.masterKeyId, tenants };
  }

  /** Adds another password that opens the repository. */
  async addPassword(password: string, scrypt: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
    const file = await createKeyFile(password, this.masters, scrypt);
    await this.backend.put(keyFileKey(file.id), Buffer.from(JSON.stringify(file, null, 2)));
    return file.id;
  }

  /** Removes a password key file (not the one in use). */
  async removePassword(keyFileId: string): Promise<void> {
    if (keyFileId === this.keyFileId) throw new HoldfastError('conflict', 'cannot remove the key file this session opened the repository with');
    if (!(await this.backend.stat(keyFileKey(keyFileId)))) throw new HoldfastError('not_found', `key file ${keyFileId} not found`);
    await this.backend.delete(keyFileKey(keyFileId));
  }

  /**
   * Master key rotation: a new master key re-wraps every tenant keyring. Crash-safe order:
   * (1) key file holds [new, old], (2) keyrings re-wrapped one by one, (3) key file holds [new]
   * and the config is re-signed. Other passwords' key files cannot be re-wrapped without their
   * passwords and are removed (returned), to be added again with `addPassword`.
   */
  async rotateMasterKey(): Promise<{ masterKeyId: string; tenants: number; removedKeyFiles: string[] }> {
    const next = newMasterKey();
    const params = await this.currentScrypt();
    const transitional = await createKeyFile(this.password, [next, ...this.masters], params);
    await this.backend.put(keyFileKey(transitional.id), Buffer.from(JSON.stringify(transitional, null, 2)));
    const old = this.keyFileId;
    this.masters = [next, ...this.masters];
    this.keyFileId = transitional.id;
    await this.backend.delete(keyFileKey(old));
    let tenants = 0;
    for (const t of await this.listTenants()) {
      const layout = new TenantLayout(t);
      const file = await this.readKeyring(layout);
      if (!file) continue;
      const keys = openKeyring(this.masters, file);
      await this.backend.put(layout.keyring, Buffer.from(JSON.stringify(rewrapKeyring(next, file, keys), null, 2)));
      tenants++;
    }
    const config = signConfig(this.config, next);
    await this.backend.put(CONFIG_KEY, Buffer.from(JSON.stringify(config, null, 2)));
    (this as { config: RepositoryConfig }).config = config;
    const final = await createKeyFile(this.password, [next], params);
    await this.backend.put(keyFileKey(final.id), Buffer.from(JSON.stringify(final, null, 2)));
    const removed: string[] = [];
    for await (const o of this.backend.list(KEYS_PREFIX)) {
      if (o.key !== keyFileKey(final.id)) {
        await this.backend.delete(o.key);
        const id = o.key.slice(KEYS_PREFIX.length).replace(/\.json$/, '');
        if (id !== transitional.id) removed.push(id);
      }
    }
    this.masters = [next];
    this.keyFileId = final.id;
    return { masterKeyId: next.id, tenants, removedKeyFiles: removed };
  }

  private async currentScrypt(): Promise<ScryptParams> {
    const f = JSON.parse((await this.backend.get(keyFileKey(this.keyFileId))).toString('utf8')) as KeyFile;
    return { N: f.kdf.N, r: f.kdf.r, p: f.kdf.p };
  }

  /** New data key for a tenant's new data; older keys stay to read older data. */
  async rotateTenantKey(tenant: string): Promise<{ tenant: string; activeDataKeyId: string }> {
    const layout = new TenantLayout(tenant);
    const file = await this.readKeyring(layout);
    if (!file) throw new HoldfastError('not_found', `tenant ${tenant} has no keyring`);
    const keys = openKeyring(this.masters, file);
    const next = addDataKey(this.masters[0], file, keys);
    await this.backend.put(layout.keyring, Buffer.from(JSON.stringify(next.file, null, 2)));
    return { tenant, activeDataKeyId: next.keys.activeDataKeyId };
  }

  /**
   * Crypto-shredding: deletes the tenant's keyring (its only copy of the data keys). Every blob,
   * index and manifest of the tenant becomes unreadable, including objects still under
   * retention lock. Irreversible. Leaves a marker so the tenant is not silently re-created.
   */
  async destroyTenantKeys(tenant: string): Promise<void> {
    const layout = new TenantLayout(tenant);
    if (!(await this.readKeyring(layout))) throw new HoldfastError('not_found', `tenant ${tenant} has no keyring`);
    await this.backend.put(layout.destroyedMarker, Buffer.from(JSON.stringify({ destroyedAt: this.now().toISOString() })));
    await this.backend.delete(layout.keyring);
  }

  async close(): Promise<void> {
    await this.backend.close();
  }
}

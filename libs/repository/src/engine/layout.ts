import { randomBytes } from 'node:crypto';
import { HoldfastError } from '@holdfast/contracts';

/** Object keys of the repository format (see docs/repository-format.md). */
export const CONFIG_KEY = 'holdfast-repo.json';
export const KEYS_PREFIX = 'keys/';
export const TENANTS_PREFIX = 'tenants/';

const TENANT_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function assertTenantId(tenant: string): void {
  if (!TENANT_RE.test(tenant) || tenant.includes('..')) {
    throw new HoldfastError('validation_failed', `invalid tenant id "${tenant}" (letters, digits, ".", "_", "-"; up to 128)`);
  }
}

export const keyFileKey = (id: string): string => `${KEYS_PREFIX}${id}.json`;

export class TenantLayout {
  readonly base: string;
  constructor(readonly tenant: string) {
    assertTenantId(tenant);
    this.base = `${TENANTS_PREFIX}${tenant}/`;
  }
  get keyring(): string {
    return `${this.base}keyring.json`;
  }
  get destroyedMarker(): string {
    return `${this.base}destroyed.json`;
  }
  get packsPrefix(): string {
    return `${this.base}packs/`;
  }
  pack(name: string): string {
    return `${this.base}packs/${name.slice(0, 2)}/${name}`;
  }
  packNameOf(key: string): string {
    return key.slice(key.lastIndexOf('/') + 1);
  }
  get indexPrefix(): string {
    return `${this.base}index/`;
  }
  index(name: string): string {
    return `${this.base}index/${name}`;
  }
  get manifestsPrefix(): string {
    return `${this.base}manifests/`;
  }
  manifest(id: string): string {
    return `${this.base}manifests/${id}`;
  }
  get trashPrefix(): string {
    return `${this.base}trash/`;
  }
  trash(id: string): string {
    return `${this.base}trash/${id}`;
  }
  get sessionsPrefix(): string {
    return `${this.base}sessions/`;
  }
  session(id: string): string {
    return `${this.base}sessions/${id}.json`;
  }
  get gcPrefix(): string {
    return `${this.base}gc/`;
  }
  condemned(name: string): string {
    return `${this.base}gc/${name}`;
  }
}

export function randomName(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

/** Sortable id: 20261122T043000123Z-1a2b3c4d. */
export function timeId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
}

const MANIFEST_ID_RE = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;
export function assertManifestId(id: string): void {
  if (!MANIFEST_ID_RE.test(id)) throw new HoldfastError('validation_failed', `invalid manifest id "${id}"`);
}

import { HoldfastError } from '@holdfast/contracts';
import { configMac, type MasterKey } from '../crypto/key-files';
import { FORMAT_VERSION } from '../format/blob-types';

/** `holdfast-repo.json`: plaintext, authenticated with the master key (`mac`). */
export interface RepositoryConfig {
  readonly format: 'holdfast-repository';
  readonly version: typeof FORMAT_VERSION;
  readonly id: string;
  readonly createdAt: string;
  /** Packs are sealed when they reach this size. */
  readonly packTargetBytes: number;
  /** zstd level for blobs (0 = no compression). */
  readonly compressionLevel: number;
  /** MIME leaf bodies at least this long are stored as their own content. */
  readonly mimeSplitMinBytes: number;
  /** GC: packs are deleted only after being unreferenced this long (two GC runs apart). */
  readonly gcGraceSeconds: number;
  /** A writer session without a heartbeat for this long is considered dead. */
  readonly sessionTimeoutSeconds: number;
  readonly mac?: string;
}

export const DEFAULT_CONFIG: Omit<RepositoryConfig, 'id' | 'createdAt' | 'format' | 'version'> = {
  packTargetBytes: 16 * 1024 * 1024,
  compressionLevel: 3,
  mimeSplitMinBytes: 2048,
  gcGraceSeconds: 6 * 3600,
  sessionTimeoutSeconds: 30 * 60,
};

export function canonicalConfig(c: RepositoryConfig): string {
  const { mac: _mac, ...body } = c;
  return JSON.stringify(body, Object.keys(body).sort());
}

export function signConfig(c: RepositoryConfig, master: MasterKey): RepositoryConfig {
  return { ...c, mac: configMac(master, canonicalConfig(c)) };
}

export function parseConfig(raw: Buffer): RepositoryConfig {
  let c: RepositoryConfig;
  try {
    c = JSON.parse(raw.toString('utf8')) as RepositoryConfig;
  } catch {
    throw new HoldfastError('internal', 'repository config is not valid JSON (damaged?)', { integrity: true });
  }
  if (c.format !== 'holdfast-repository') throw new HoldfastError('validation_failed', 'not a Holdfast repository (config format mismatch)');
  if (c.version !== FORMAT_VERSION) {
    throw new HoldfastError('validation_failed', `repository format version ${c.version} is not supported by this version (supports ${FORMAT_VERSION})`);
  }
  return c;
}

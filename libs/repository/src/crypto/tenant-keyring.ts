import { HoldfastError } from '@holdfast/contracts';
import { equalBytes, hmac, open, randomKey, seal } from './aead';
import { newKeyId, type MasterKey } from './key-files';

export interface WrappedDataKey {
  readonly id: string;
  readonly createdAt: string;
  readonly wrapped: string;
}

/**
 * `tenants/<tenant>/keyring.json`: one MSP tenant's keys, each wrapped by the master key.
 * - idKey: keys the content hash (HMAC-SHA256) and the chunker's gear table. It never rotates
 *   (rotating it would end deduplication with older data).
 * - dataKeys: AES-256-GCM keys; the active one encrypts new data, older ones stay for reading.
 * Deleting this object is crypto-shredding: every blob of the tenant becomes unreadable.
 */
export interface KeyringFile {
  readonly format: 'holdfast-keyring';
  readonly version: 1;
  readonly tenant: string;
  readonly createdAt: string;
  readonly masterKeyId: string;
  readonly idKey: string;
  readonly dataKeys: WrappedDataKey[];
  readonly activeDataKeyId: string;
  readonly mac: string;
}

export interface TenantKeys {
  readonly tenant: string;
  readonly idKey: Buffer;
  readonly dataKeys: Map<string, Buffer>;
  readonly activeDataKeyId: string;
}

function aad(tenant: string, what: string, masterId: string): Buffer {
  return Buffer.from(`holdfast-keyring|${tenant}|${what}|${masterId}`);
}

function macOf(master: MasterKey, body: Omit<KeyringFile, 'mac'>): string {
  return hmac(master.key, 'holdfast-keyring-mac|', JSON.stringify(body)).toString('hex');
}

function wrapAll(master: MasterKey, tenant: string, createdAt: string, keys: TenantKeys, createdAtById: Map<string, string>): KeyringFile {
  const body: Omit<KeyringFile, 'mac'> = {
    format: 'holdfast-keyring',
    version: 1,
    tenant,
    createdAt,
    masterKeyId: master.id,
    idKey: seal(master.key, keys.idKey, aad(tenant, 'id', master.id)).toString('base64'),
    dataKeys: [...keys.dataKeys].map(([id, key]) => ({
      id,
      createdAt: createdAtById.get(id) ?? new Date().toISOString(),
      wrapped: seal(master.key, key, aad(tenant, `data:${id}`, master.id)).toString('base64'),
    })),
    activeDataKeyId: keys.activeDataKeyId,
  };
  return { ...body, mac: macOf(master, body) };
}

export function createKeyring(master: MasterKey, tenant: string): { file: KeyringFile; keys: TenantKeys } {
  const id = newKeyId();
  const keys: TenantKeys = { tenant, idKey: randomKey(), dataKeys: new Map([[id, randomKey()]]), activeDataKeyId: id };
  const now = new Date().toISOString();
  return { file: wrapAll(master, tenant, now, keys, new Map([[id, now]])), keys };
}

export function openKeyring(masters: MasterKey[], file: KeyringFile): TenantKeys {
  const master = masters.find((m) => m.id === file.masterKeyId);
  if (!master) throw new HoldfastError('credentials_invalid', `keyring of tenant ${file.tenant} is wrapped by an unknown master key ${file.masterKeyId}`);
  const { mac, ...body } = file;
  if (!equalBytes(Buffer.from(macOf(master, body), 'hex'), Buffer.from(mac, 'hex'))) {
    throw new HoldfastError('internal', `keyring of tenant ${file.tenant} failed authentication (damaged or tampered with)`, { integrity: true });
  }
  const what = `keyring of tenant ${file.tenant}`;
  return {
    tenant: file.tenant,
    idKey: open(master.key, Buffer.from(file.idKey, 'base64'), aad(file.tenant, 'id', master.id), what),
    dataKeys: new Map(
      file.dataKeys.map((d) => [d.id, open(master.key, Buffer.from(d.wrapped, 'base64'), aad(file.tenant, `data:${d.id}`, master.id), what)]),
    ),
    activeDataKeyId: file.activeDataKeyId,
  };
}

/** A new data key becomes active for new data; old keys stay to read old data. */
export function addDataKey(master: MasterKey, file: KeyringFile, keys: TenantKeys): { file: KeyringFile; keys: TenantKeys } {
  const id = newKeyId();
  const next: TenantKeys = { ...keys, dataKeys: new Map([...keys.dataKeys, [id, randomKey()]]), activeDataKeyId: id };
  const created = new Map(file.dataKeys.map((d) => [d.id, d.createdAt]));
  created.set(id, new Date().toISOString());
  return { file: wrapAll(master, file.tenant, file.createdAt, next, created), keys: next };
}

/** Same keys, wrapped by another master key (master key rotation). */
export function rewrapKeyring(newMaster: MasterKey, file: KeyringFile, keys: TenantKeys): KeyringFile {
  return wrapAll(newMaster, file.tenant, file.createdAt, keys, new Map(file.dataKeys.map((d) => [d.id, d.createdAt])));
}

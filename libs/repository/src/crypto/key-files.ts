import { randomBytes, scrypt as scryptCb } from 'node:crypto';
import { HoldfastError } from '@holdfast/contracts';
import { hmac, open, randomKey, seal } from './aead';

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** Strong defaults (~100 ms, 32 MiB); tests pass cheaper ones. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 1 << 15, r: 8, p: 1 };

export interface WrappedMasterKey {
  readonly id: string;
  readonly wrapped: string;
}

/** `keys/<id>.json`: the repository master key(s), wrapped by a key derived from one password. */
export interface KeyFile {
  readonly format: 'holdfast-keyfile';
  readonly version: 1;
  readonly id: string;
  readonly createdAt: string;
  readonly kdf: { readonly name: 'scrypt'; readonly salt: string } & ScryptParams;
  /** The first is current; more than one only while a master key rotation is in progress. */
  readonly masterKeys: WrappedMasterKey[];
}

export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

function scrypt(password: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 }, (e, k) =>
      e ? reject(e) : resolve(k),
    ),
  );
}

export function newKeyId(): string {
  return randomBytes(8).toString('hex');
}

export function newMasterKey(): MasterKey {
  return { id: newKeyId(), key: randomKey() };
}

export async function createKeyFile(password: string, masterKeys: MasterKey[], params: ScryptParams = DEFAULT_SCRYPT): Promise<KeyFile> {
  if (!password) throw new HoldfastError('validation_failed', 'the repository password must not be empty');
  const salt = randomBytes(16);
  const kek = await scrypt(password, salt, params);
  const id = newKeyId();
  return {
    format: 'holdfast-keyfile',
    version: 1,
    id,
    createdAt: new Date().toISOString(),
    kdf: { name: 'scrypt', salt: salt.toString('base64'), ...params },
    masterKeys: masterKeys.map((m) => ({
      id: m.id,
      wrapped: seal(kek, m.key, Buffer.from(`holdfast-master|${id}|${m.id}`)).toString('base64'),
    })),
  };
}

/** Returns the master keys, or undefined when the password does not open this key file. */
export async function openKeyFile(file: KeyFile, password: string): Promise<MasterKey[] | undefined> {
  if (file.format !== 'holdfast-keyfile' || file.version !== 1) {
    throw new HoldfastError('validation_failed', `unsupported key file format ${file.format} v${file.version}`);
  }
  const kek = await scrypt(password, Buffer.from(file.kdf.salt, 'base64'), file.kdf);
  try {
    return file.masterKeys.map((m) => ({
      id: m.id,
      key: open(kek, Buffer.from(m.wrapped, 'base64'), Buffer.from(`holdfast-master|${file.id}|${m.id}`), `key file ${file.id}`),
    }));
  } catch {
    return undefined;
  }
}

/** Authenticates the plaintext repository config with the master key. */
export function configMac(master: MasterKey, canonical: string): string {
  return hmac(master.key, 'holdfast-config|', canonical).toString('hex');
}

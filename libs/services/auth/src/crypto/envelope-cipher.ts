import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { HoldfastError } from '@holdfast/contracts';

/**
 * Envelope encryption of credentials at rest: the master key (HOLDFAST_MASTER_KEY, never
 * stored) wraps one random data key per MSP tenant; the data key encrypts that tenant's
 * secrets. AES-256-GCM everywhere, with associated data binding each ciphertext to its
 * tenant and purpose, so a ciphertext copied to another row or tenant does not decrypt.
 */

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/** Where wrapped data keys live (auth.data_keys in Postgres; a Map in unit tests). */
export interface DataKeyStore {
  find(tenantId: string): Promise<string | undefined>;
  /** Stores the wrapped key unless the tenant already has one; returns the one stored. */
  insertIfAbsent(tenantId: string, wrapped: string): Promise<string>;
  /** Forgets the tenant's data key: everything encrypted with it becomes unreadable. */
  delete(tenantId: string): Promise<void>;
}

export class MemoryDataKeyStore implements DataKeyStore {
  readonly keys = new Map<string, string>();
  async find(tenantId: string) {
    return this.keys.get(tenantId);
  }
  async insertIfAbsent(tenantId: string, wrapped: string) {
    if (!this.keys.has(tenantId)) this.keys.set(tenantId, wrapped);
    return this.keys.get(tenantId)!;
  }
  async delete(tenantId: string) {
    this.keys.delete(tenantId);
  }
}

function seal(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

function open(key: Buffer, sealed: string, aad: string, what: string): Buffer {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new HoldfastError('internal', `${what}: unknown ciphertext format`);
  try {
    const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(parts[1], 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(parts[2], 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(parts[3], 'base64url')), decipher.final()]);
  } catch {
    // wrong key, wrong context or tampered data: say which, never what
    throw new HoldfastError('internal', `${what}: decryption failed (wrong master key, or the data was altered or moved)`);
  }
}

export class EnvelopeCipher {
  private readonly masterKey: Buffer;
  private readonly cache = new Map<string, Buffer>();

  constructor(
    masterKey: Buffer | string,
    private readonly keys: DataKeyStore,
  ) {
    this.masterKey = typeof masterKey === 'string' ? Buffer.from(masterKey, 'base64') : Buffer.from(masterKey);
    if (this.masterKey.length !== 32) {
      throw new HoldfastError('validation_failed', 'HOLDFAST_MASTER_KEY: expected 32 bytes, base64-encoded (openssl rand -base64 32)');
    }
  }

  /** Encrypts `plaintext` with the tenant's data key, bound to `context` (e.g. the credential's row). */
  async encrypt(tenantId: string, context: string, plaintext: string | Buffer): Promise<string> {
    const key = await this.dataKey(tenantId, true);
    return seal(key, Buffer.isBuffer(plaintext) ? plaintext : Buffer.from(plaintext, 'utf8'), `${tenantId}\n${context}`);
  }

  async decrypt(tenantId: string, context: string, sealed: string): Promise<Buffer> {
    const key = await this.dataKey(tenantId, false);
    return open(key, sealed, `${tenantId}\n${context}`, 'stored credential');
  }

  async decryptText(tenantId: string, context: string, sealed: string): Promise<string> {
    return (await this.decrypt(tenantId, context, sealed)).toString('utf8');
  }

  /** Destroys the tenant's data key (crypto-shredding of its credentials). */
  async forgetTenant(tenantId: string): Promise<void> {
    this.cache.delete(tenantId);
    await this.keys.delete(tenantId);
  }

  private async dataKey(tenantId: string, create: boolean): Promise<Buffer> {
    const cached = this.cache.get(tenantId);
    if (cached) return cached;
    let wrapped = await this.keys.find(tenantId);
    if (!wrapped) {
      if (!create) throw new HoldfastError('not_found', `no data key for tenant ${tenantId}: its credentials were destroyed`);
      wrapped = await this.keys.insertIfAbsent(tenantId, seal(this.masterKey, randomBytes(32), `datakey\n${tenantId}`));
    }
    const key = open(this.masterKey, wrapped, `datakey\n${tenantId}`, `data key of tenant ${tenantId}`);
    this.cache.set(tenantId, key);
    return key;
  }
}

import { IntegrityError, open, seal } from '../crypto/aead';

/**
 * Index files, manifest roots and GC state: magic (8) | keyId (8) | AES-256-GCM(nonce|ct|tag),
 * additional data = magic + "|" + object key, so an object cannot be swapped for another.
 */
export function sealObject(magic: string, key: string, keyId: string, dataKey: Buffer, plaintext: Buffer): Buffer {
  const head = Buffer.alloc(16);
  head.write(magic, 0, 8, 'latin1');
  head.write(keyId, 8, 8, 'hex');
  return Buffer.concat([head, seal(dataKey, plaintext, Buffer.from(`${magic}|${key}`))]);
}

export function sealedObjectKeyId(magic: string, key: string, raw: Buffer): string {
  if (raw.length < 16 || raw.toString('latin1', 0, 8) !== magic) throw new IntegrityError(`${key}: wrong magic (damaged or not a ${magic} object)`);
  return raw.toString('hex', 8, 16);
}

export function openObject(magic: string, key: string, dataKey: Buffer, raw: Buffer): Buffer {
  return open(dataKey, raw.subarray(16), Buffer.from(`${magic}|${key}`), key);
}

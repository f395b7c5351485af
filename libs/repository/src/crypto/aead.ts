import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { HoldfastError } from '@holdfast/contracts';

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const AEAD_OVERHEAD = NONCE_BYTES + TAG_BYTES;

/** Raised when authenticated decryption or a hash check fails: the bytes were changed. */
export class IntegrityError extends HoldfastError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('internal', message, { integrity: true, ...details });
  }
}

/** AES-256-GCM with a random 96-bit nonce: nonce || ciphertext || tag. */
export function seal(key: Buffer, plaintext: Buffer | Buffer[], aad: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const parts = Array.isArray(plaintext) ? plaintext : [plaintext];
  const out: Buffer[] = [nonce];
  for (const p of parts) out.push(cipher.update(p));
  out.push(cipher.final(), cipher.getAuthTag());
  return Buffer.concat(out);
}

export function open(key: Buffer, sealed: Buffer, aad: Buffer, what: string): Buffer {
  if (sealed.length < AEAD_OVERHEAD) throw new IntegrityError(`${what}: too short to be an encrypted object`);
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new IntegrityError(`${what}: authentication failed (damaged, tampered with, or wrong key)`);
  }
}

export function hmac(key: Buffer, ...parts: Array<Buffer | string>): Buffer {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

export function equalBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function randomKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

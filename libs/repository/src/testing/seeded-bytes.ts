import { createCipheriv, createHash } from 'node:crypto';

/** Deterministic pseudo-random bytes: an AES-256-CTR keystream keyed by the seed (fast). */
export function seededBytes(seed: string, length: number): Buffer {
  const key = createHash('sha256').update(`holdfast-seed|${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

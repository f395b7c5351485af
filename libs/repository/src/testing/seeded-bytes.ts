import { createHash } from 'node:crypto';

/** Deterministic pseudo-random bytes (fast: SHA-256 in counter mode). */
export function seededBytes(seed: string, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let o = 0;
  for (let i = 0; o < length; i++) {
    const block = createHash('sha256').update(`${seed}|${i}`).digest();
    o += block.copy(out, o);
  }
  return out;
}


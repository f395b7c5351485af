/** 32-bit FNV-1a over the joined parts: cheap, stable across runs and platforms. */
export function hash32(...parts: Array<string | number>): number {
  let h = 0x811c9dc5;
  const s = parts.join('\u0001');
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // final avalanche (murmur3 fmix32) so neighbouring inputs spread out
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** A small deterministic generator (mulberry32) seeded from any parts. */
export class SeededRandom {
  private state: number;

  constructor(...parts: Array<string | number>) {
    this.state = hash32(...parts) || 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

const BLOCK = 65536;

function fillBlock(key: string, block: number): Buffer {
  const buf = Buffer.allocUnsafe(BLOCK);
  // xorshift128 seeded per 64 KiB block, so any range can be produced without the bytes before it
  let x = hash32(key, block, 'x') | 1;
  let y = hash32(key, block, 'y');
  let z = hash32(key, block, 'z');
  let w = hash32(key, block, 'w');
  for (let i = 0; i < BLOCK; i += 4) {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    buf.writeUInt32LE(w, i);
  }
  return buf;
}

/** Deterministic pseudo-random bytes for [offset, offset+length) of a named stream. */
export function seededBytes(key: string, offset: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let written = 0;
  let block = Math.floor(offset / BLOCK);
  let skip = offset % BLOCK;
  while (written < length) {
    const bytes = fillBlock(key, block);
    const n = Math.min(BLOCK - skip, length - written);
    bytes.copy(out, written, skip, skip + n);
    written += n;
    skip = 0;
    block++;
  }
  return out;
}

/** 32-bit string hash (FNV-1a with a murmur-style finaliser): stable across runs and platforms. */
export function mixHash(...parts: ReadonlyArray<string | number>): number {
  let h = 0x811c9dc5;
  for (let p = 0; p < parts.length; p++) {
    const s = String(parts[p]);
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0x1f; // part separator so ('ab','c') != ('a','bc')
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Small deterministic generator (splitmix32 steps), seeded from any parts. */
export class Rng {
  private state: number;

  constructor(...parts: ReadonlyArray<string | number>) {
    this.state = mixHash(...parts);
  }

  uint32(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
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

  /** Log-uniform integer in [min, max]: many small values, a long tail of big ones. */
  logInt(min: number, max: number): number {
    const lo = Math.log(Math.max(1, min));
    const hi = Math.log(Math.max(1, max));
    return Math.min(max, Math.max(min, Math.round(Math.exp(lo + this.next() * (hi - lo)))));
  }
}

/** A deterministic GUID-shaped id (lower-case, version nibble 4) from any parts. */
export function seededGuid(...parts: ReadonlyArray<string | number>): string {
  const r = new Rng('guid', ...parts);
  const hex = Array.from({ length: 4 }, () => r.uint32().toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Base32-ish upper-case id such as OneDrive business item ids ("01ABC..."), 34 characters. */
export function seededItemId(...parts: ReadonlyArray<string | number>): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const r = new Rng('item', ...parts);
  let s = '01';
  while (s.length < 34) s += alphabet[r.uint32() & 31];
  return s;
}

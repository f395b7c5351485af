/**
 * QuickXorHash, the hash OneDrive for Business and SharePoint put in `file.hashes.quickXorHash`.
 *
 * Documented algorithm: a 160-bit register; byte n of the content is XORed in at bit
 * (n * 11) mod 160 (little-endian bit order, wrapping around); finally the 64-bit
 * little-endian content length is XORed into the last 8 bytes; the result is base64.
 *
 * Bytes whose positions are congruent modulo 160 land on the same bits, so the state
 * kept here is a 160-byte XOR fold: cheap to update, and folds of separate pieces
 * combine (see `combineAt`), which lets generated content be hashed without reading it.
 */
export const QUICK_XOR_PERIOD = 160;

export class QuickXorHash {
  private readonly fold = new Uint8Array(QUICK_XOR_PERIOD);
  private position = 0;

  update(data: Uint8Array): this {
    const fold = this.fold;
    let slot = this.position % QUICK_XOR_PERIOD;
    for (let i = 0; i < data.length; i++) {
      fold[slot] ^= data[i];
      slot = slot === QUICK_XOR_PERIOD - 1 ? 0 : slot + 1;
    }
    this.position += data.length;
    return this;
  }

  /** XOR in a precomputed fold of `length` bytes that start at absolute `offset`. */
  combineAt(offset: number, fold: Uint8Array, length: number): this {
    const start = offset % QUICK_XOR_PERIOD;
    for (let k = 0; k < QUICK_XOR_PERIOD; k++) {
      this.fold[(start + k) % QUICK_XOR_PERIOD] ^= fold[k];
    }
    this.position = Math.max(this.position, offset + length);
    return this;
  }

  /** Declare the total length when pieces were combined out of order. */
  setLength(length: number): this {
    this.position = length;
    return this;
  }

  digest(): Buffer {
    const out = Buffer.alloc(20);
    for (let slot = 0; slot < QUICK_XOR_PERIOD; slot++) {
      const b = this.fold[slot];
      if (b === 0) continue;
      const bit = (slot * 11) % 160;
      const byte = bit >> 3;
      const shift = bit & 7;
      out[byte] ^= (b << shift) & 0xff;
      if (shift > 0) out[(byte + 1) % 20] ^= b >> (8 - shift);
    }
    let len = BigInt(this.position);
    for (let i = 0; i < 8; i++) {
      out[12 + i] ^= Number(len & 0xffn);
      len >>= 8n;
    }
    return out;
  }

  digestBase64(): string {
    return this.digest().toString('base64');
  }
}

/** A 160-byte fold of `data` as if it started at absolute offset 0. */
export function quickXorFold(data: Uint8Array): Uint8Array {
  const fold = new Uint8Array(QUICK_XOR_PERIOD);
  for (let i = 0; i < data.length; i++) fold[i % QUICK_XOR_PERIOD] ^= data[i];
  return fold;
}

export function quickXorHashBase64(data: Uint8Array): string {
  return new QuickXorHash().update(data).digestBase64();
}

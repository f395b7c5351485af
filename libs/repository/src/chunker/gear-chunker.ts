import { createHmac } from 'node:crypto';

export interface ChunkerParams {
  readonly minSize: number;
  readonly avgSize: number;
  readonly maxSize: number;
}

/** Files (OneDrive, SharePoint, attachments): ~1 MiB average, as restic. */
export const FILE_CHUNKING: ChunkerParams = { minSize: 256 * 1024, avgSize: 1024 * 1024, maxSize: 4 * 1024 * 1024 };
/** Mail skeletons and bodies: most messages are one chunk; long threads split at ~64 KiB. */
export const MAIL_CHUNKING: ChunkerParams = { minSize: 16 * 1024, avgSize: 64 * 1024, maxSize: 256 * 1024 };

/** 256 pseudo-random 32-bit values, keyed per tenant so chunk boundaries do not fingerprint content. */
export function gearTable(seed: Buffer): Int32Array {
  const bytes = Buffer.alloc(1024);
  for (let i = 0; i < 32; i++) createHmac('sha256', seed).update(`holdfast-gear|${i}`).digest().copy(bytes, i * 32);
  return new Int32Array(bytes.buffer, bytes.byteOffset, 256).slice();
}

/** A mask of `bits` one-bits in the high end of the word (they depend on the last 32 bytes). */
function highMask(bits: number): number {
  return (((1 << bits) - 1) << (32 - bits)) | 0;
}

/**
 * Gear-hash content-defined chunking with FastCDC's normalized chunking: cut-point search starts
 * at minSize, a harder mask (2 more bits) is used before avgSize and an easier one (2 fewer)
 * after it, which pulls chunk sizes towards the average; maxSize forces a cut.
 */
export class GearChunker {
  private readonly maskHard: number;
  private readonly maskEasy: number;

  constructor(
    private readonly gear: Int32Array,
    readonly params: ChunkerParams,
  ) {
    const bits = Math.round(Math.log2(params.avgSize));
    this.maskHard = highMask(bits + 2);
    this.maskEasy = highMask(bits - 2);
  }

  /** Length of the first chunk of buf[start, end); `end - start` when no cut is found before it. */
  cut(buf: Uint8Array, start: number, end: number): number {
    const { minSize, avgSize, maxSize } = this.params;
    const n = end - start;
    if (n <= minSize) return n;
    const gear = this.gear;
    const normalEnd = start + Math.min(avgSize, n);
    const hardEnd = start + Math.min(maxSize, n);
    let h = 0;
    let i = start + minSize;
    const mh = this.maskHard;
    for (; i < normalEnd; i++) {
      h = ((h << 1) + gear[buf[i]]) | 0;
      if ((h & mh) === 0) return i - start + 1;
    }
    const me = this.maskEasy;
    for (; i < hardEnd; i++) {
      h = ((h << 1) + gear[buf[i]]) | 0;
      if ((h & me) === 0) return i - start + 1;
    }
    return hardEnd - start;
  }

  /**
   * Splits a stream into chunks. Holds at most ~2 x maxSize bytes whatever the stream's length.
   * Yielded buffers are fresh copies the caller may keep.
   */
  async *chunks(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
    const max = this.params.maxSize;
    let pending: Buffer[] = [];
    let pendingLen = 0;
    for await (const piece of source) {
      if (piece.length === 0) continue;
      pending.push(Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.length));
      pendingLen += piece.length;
      if (pendingLen < max * 2) continue;
      const buf = Buffer.concat(pending, pendingLen);
      let pos = 0;
      // Cut while a full maxSize window is available, so cuts never depend on read sizes.
      while (buf.length - pos >= max) {
        const len = this.cut(buf, pos, buf.length);
        yield Buffer.from(buf.subarray(pos, pos + len));
        pos += len;
      }
      const rest = buf.subarray(pos);
      pending = rest.length ? [Buffer.from(rest)] : [];
      pendingLen = rest.length;
    }
    let buf = Buffer.concat(pending, pendingLen);
    pending = [];
    let pos = 0;
    while (pos < buf.length) {
      const len = this.cut(buf, pos, buf.length);
      yield pos === 0 && len === buf.length ? buf : Buffer.from(buf.subarray(pos, pos + len));
      pos += len;
    }
    buf = Buffer.alloc(0);
  }
}

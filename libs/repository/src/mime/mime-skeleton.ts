import { HoldfastError } from '@holdfast/contracts';

/**
 * Skeleton of a split message: the literal bytes plus references to separately stored parts.
 * Binary: "HFMS1" then records:
 *   0x01 literal:  u32 length, bytes
 *   0x02 base64:   u8 flags (bit0 = CRLF), u32 line length (0 = one line), u64 decoded size, u16 ref length, ref
 *   0x03 raw part: u64 size, u16 ref length, ref
 */
export type SkeletonRecord =
  | { readonly type: 'literal'; readonly bytes: Buffer }
  | { readonly type: 'base64'; readonly crlf: boolean; readonly lineLength: number; readonly size: number; readonly ref: string }
  | { readonly type: 'raw'; readonly size: number; readonly ref: string };

const MAGIC = Buffer.from('HFMS1');

export function encodeSkeleton(records: readonly SkeletonRecord[]): Buffer {
  const parts: Buffer[] = [MAGIC];
  for (const r of records) {
    if (r.type === 'literal') {
      const h = Buffer.alloc(5);
      h[0] = 1;
      h.writeUInt32BE(r.bytes.length, 1);
      parts.push(h, r.bytes);
    } else {
      const ref = Buffer.from(r.ref, 'latin1');
      if (r.type === 'base64') {
        const h = Buffer.alloc(1 + 1 + 4 + 8 + 2);
        h[0] = 2;
        h[1] = r.crlf ? 1 : 0;
        h.writeUInt32BE(r.lineLength, 2);
        h.writeBigUInt64BE(BigInt(r.size), 6);
        h.writeUInt16BE(ref.length, 14);
        parts.push(h, ref);
      } else {
        const h = Buffer.alloc(1 + 8 + 2);
        h[0] = 3;
        h.writeBigUInt64BE(BigInt(r.size), 1);
        h.writeUInt16BE(ref.length, 9);
        parts.push(h, ref);
      }
    }
  }
  return Buffer.concat(parts);
}

export function decodeSkeleton(buf: Buffer): SkeletonRecord[] {
  const bad = (): never => {
    throw new HoldfastError('internal', 'MIME skeleton is malformed', { integrity: true });
  };
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) bad();
  const out: SkeletonRecord[] = [];
  let o = MAGIC.length;
  while (o < buf.length) {
    const t = buf[o];
    if (t === 1) {
      if (o + 5 > buf.length) bad();
      const len = buf.readUInt32BE(o + 1);
      if (o + 5 + len > buf.length) bad();
      out.push({ type: 'literal', bytes: buf.subarray(o + 5, o + 5 + len) });
      o += 5 + len;
    } else if (t === 2) {
      if (o + 16 > buf.length) bad();
      const len = buf.readUInt16BE(o + 14);
      if (o + 16 + len > buf.length) bad();
      out.push({
        type: 'base64',
        crlf: buf[o + 1] === 1,
        lineLength: buf.readUInt32BE(o + 2),
        size: Number(buf.readBigUInt64BE(o + 6)),
        ref: buf.toString('latin1', o + 16, o + 16 + len),
      });
      o += 16 + len;
    } else if (t === 3) {
      if (o + 11 > buf.length) bad();
      const len = buf.readUInt16BE(o + 9);
      if (o + 11 + len > buf.length) bad();
      out.push({ type: 'raw', size: Number(buf.readBigUInt64BE(o + 1)), ref: buf.toString('latin1', o + 11, o + 11 + len) });
      o += 11 + len;
    } else bad();
  }
  return out;
}

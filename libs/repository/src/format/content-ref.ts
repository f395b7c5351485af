import { HoldfastError } from '@holdfast/contracts';

/**
 * A content reference, as manifests and callers keep it:
 *   c:<64 hex>         one data blob
 *   t:<64 hex>         a tree blob listing data blobs / subtrees in order (large content)
 *   m:<c:..|t:..>      a MIME message: the skeleton is the inner content; attachment parts it
 *                      references are separate contents (deduplicated across mailboxes)
 */
export type ContentRef = string;

export type PlainRef = { kind: 'c'; id: string } | { kind: 't'; id: string };
export type ParsedRef = PlainRef | { kind: 'm'; inner: PlainRef };

const HEX64 = /^[0-9a-f]{64}$/;

export function parseRef(ref: string): ParsedRef {
  if (typeof ref === 'string') {
    if ((ref.startsWith('c:') || ref.startsWith('t:')) && HEX64.test(ref.slice(2))) {
      return ref[0] === 'c' ? { kind: 'c', id: ref.slice(2) } : { kind: 't', id: ref.slice(2) };
    }
    if (ref.startsWith('m:')) {
      const inner = parseRef(ref.slice(2));
      if (inner.kind !== 'm') return { kind: 'm', inner };
    }
  }
  throw new HoldfastError('validation_failed', `invalid content reference "${String(ref).slice(0, 80)}"`);
}

export function isContentRef(ref: unknown): ref is ContentRef {
  try {
    parseRef(ref as string);
    return true;
  } catch {
    return false;
  }
}

/** The blob a reference points at directly. */
export function rootBlob(ref: ParsedRef): { id: string; kind: 'data' | 'tree' } {
  const r = ref.kind === 'm' ? ref.inner : ref;
  return { id: r.id, kind: r.kind === 'c' ? 'data' : 'tree' };
}

/** Tree blob payload: n x [isTree u8 | id 32 | size u64]. */
export interface TreeChild {
  readonly isTree: boolean;
  readonly id: string;
  readonly size: number;
}

const CHILD_BYTES = 41;
export const TREE_FANOUT = 4096;

export function encodeTree(children: readonly TreeChild[]): Buffer {
  const buf = Buffer.alloc(children.length * CHILD_BYTES);
  let o = 0;
  for (const c of children) {
    buf[o] = c.isTree ? 1 : 0;
    buf.write(c.id, o + 1, 32, 'hex');
    buf.writeBigUInt64BE(BigInt(c.size), o + 33);
    o += CHILD_BYTES;
  }
  return buf;
}

export function decodeTree(buf: Buffer): TreeChild[] {
  if (buf.length % CHILD_BYTES !== 0) throw new HoldfastError('internal', 'tree blob has a wrong length', { integrity: true });
  const out: TreeChild[] = [];
  for (let o = 0; o < buf.length; o += CHILD_BYTES) {
    out.push({ isTree: buf[o] === 1, id: buf.toString('hex', o + 1, o + 33), size: Number(buf.readBigUInt64BE(o + 33)) });
  }
  return out;
}

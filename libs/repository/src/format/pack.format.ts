import { HoldfastError } from '@holdfast/contracts';
import { IntegrityError, open, seal } from '../crypto/aead';
import { BLOB_KIND_CODE, BLOB_KIND_OF_CODE, type BlobKind, type PackEntry } from './blob-types';

/**
 * Pack file layout (all integers big-endian):
 *
 *   blob_1 ... blob_n | header | keyId (8) | headerLength (u32) | magic "HFPACK01"
 *
 * blob_i  = AES-256-GCM(dataKey, nonce) of [flags u8 | payload]: nonce (12) | ciphertext | tag (16),
 *           additional data "HFB1" | kind code | id (32); flags 0 = raw payload, 1 = zstd.
 * header  = AES-256-GCM of n x [kind u8 | id 32 | offset u32 | length u32 | rawLength u32],
 *           additional data "HFPH1|" + pack name, so a header cannot be moved to another pack.
 * The header makes every pack self-describing: the index can be rebuilt from the packs alone.
 */
export const PACK_MAGIC = Buffer.from('HFPACK01');
export const PACK_TRAILER_BYTES = 8 + 4 + 8;
const ENTRY_BYTES = 1 + 32 + 4 + 4 + 4;

export function blobAad(kind: BlobKind, id: Buffer): Buffer {
  const aad = Buffer.alloc(4 + 1 + 32);
  aad.write('HFB1', 0, 'latin1');
  aad[4] = BLOB_KIND_CODE[kind];
  id.copy(aad, 5);
  return aad;
}

export function encodeEntries(entries: readonly PackEntry[]): Buffer {
  const buf = Buffer.alloc(4 + entries.length * ENTRY_BYTES);
  buf.writeUInt32BE(entries.length, 0);
  let o = 4;
  for (const e of entries) {
    buf[o] = BLOB_KIND_CODE[e.kind];
    buf.write(e.id, o + 1, 32, 'hex');
    buf.writeUInt32BE(e.offset, o + 33);
    buf.writeUInt32BE(e.length, o + 37);
    buf.writeUInt32BE(e.rawLength, o + 41);
    o += ENTRY_BYTES;
  }
  return buf;
}

export function decodeEntries(buf: Buffer, at = 0): { entries: PackEntry[]; end: number } {
  const n = buf.readUInt32BE(at);
  let o = at + 4;
  if (o + n * ENTRY_BYTES > buf.length) throw new IntegrityError('entry table is truncated');
  const entries: PackEntry[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const kind = BLOB_KIND_OF_CODE[buf[o]];
    if (!kind) throw new IntegrityError(`unknown blob kind ${buf[o]}`);
    entries[i] = {
      kind,
      id: buf.toString('hex', o + 1, o + 33),
      offset: buf.readUInt32BE(o + 33),
      length: buf.readUInt32BE(o + 37),
      rawLength: buf.readUInt32BE(o + 41),
    };
    o += ENTRY_BYTES;
  }
  return { entries, end: o };
}

/** Header + trailer for a pack whose blobs were written before it. */
export function encodePackFooter(packName: string, keyId: string, dataKey: Buffer, entries: readonly PackEntry[]): Buffer {
  const header = seal(dataKey, encodeEntries(entries), Buffer.from(`HFPH1|${packName}`));
  const trailer = Buffer.alloc(PACK_TRAILER_BYTES);
  trailer.write(keyId, 0, 8, 'hex');
  trailer.writeUInt32BE(header.length, 8);
  PACK_MAGIC.copy(trailer, 12);
  return Buffer.concat([header, trailer]);
}

export interface PackTrailer {
  readonly keyId: string;
  readonly headerLength: number;
}

export function decodePackTrailer(packName: string, trailer: Buffer, packSize: number): PackTrailer {
  if (trailer.length !== PACK_TRAILER_BYTES || !trailer.subarray(12).equals(PACK_MAGIC)) {
    throw new IntegrityError(`pack ${packName}: trailer magic is wrong (damaged or not a pack)`);
  }
  const headerLength = trailer.readUInt32BE(8);
  if (headerLength + PACK_TRAILER_BYTES > packSize) throw new IntegrityError(`pack ${packName}: header length ${headerLength} exceeds the pack size`);
  return { keyId: trailer.toString('hex', 0, 8), headerLength };
}

export function decodePackHeader(packName: string, sealed: Buffer, dataKey: Buffer, packSize: number): PackEntry[] {
  const plain = open(dataKey, sealed, Buffer.from(`HFPH1|${packName}`), `pack ${packName} header`);
  const { entries } = decodeEntries(plain);
  const headerStart = packSize - PACK_TRAILER_BYTES - sealed.length;
  for (const e of entries) {
    if (e.offset + e.length > headerStart) throw new IntegrityError(`pack ${packName}: blob ${e.id} lies outside the blob area`);
  }
  return entries;
}

export function requireKey(keys: Map<string, Buffer>, keyId: string, what: string): Buffer {
  const k = keys.get(keyId);
  if (!k) throw new HoldfastError('credentials_invalid', `${what} is encrypted with data key ${keyId}, which this tenant's keyring does not hold`);
  return k;
}

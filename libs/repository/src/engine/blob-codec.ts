import { compress, decompress } from '@mongodb-js/zstd';
import { AEAD_OVERHEAD, equalBytes, hmac, IntegrityError, open, seal } from '../crypto/aead';
import { BLOB_KIND_CODE, type BlobKind, type PackEntry } from '../format/blob-types';
import { blobAad } from '../format/pack.format';
import type { TenantKeys } from '../crypto/tenant-keyring';

const SAMPLE_BYTES = 64 * 1024;
const SAMPLE_FROM = 256 * 1024;
const FLAG_RAW = Buffer.from([0]);
const FLAG_ZSTD = Buffer.from([1]);
const KIND_PREFIX: Record<BlobKind, Buffer> = {
  data: Buffer.from([BLOB_KIND_CODE.data]),
  tree: Buffer.from([BLOB_KIND_CODE.tree]),
  manifest: Buffer.from([BLOB_KIND_CODE.manifest]),
};

/** Keyed content id: HMAC-SHA256(tenant id key, kind | plaintext). */
export function blobId(keys: TenantKeys, kind: BlobKind, data: Buffer): Buffer {
  return hmac(keys.idKey, KIND_PREFIX[kind], data);
}

/** Compress (kept only when it saves at least 3%), then encrypt with the active data key. */
export async function encodeBlob(keys: TenantKeys, kind: BlobKind, id: Buffer, data: Buffer, level: number): Promise<Buffer> {
  let flag = FLAG_RAW;
  let payload = data;
  if (data.length >= 128 && level > 0) {
    // Large blobs: try a 64 KiB sample first, so already-compressed data (media, archives,
    // encrypted files) does not pay for a full compression that would be thrown away.
    const worthIt = data.length < SAMPLE_FROM || (await compress(data.subarray(0, SAMPLE_BYTES), 1)).length < SAMPLE_BYTES * 0.95;
    if (worthIt) {
      const z = await compress(data, level);
      if (z.length < data.length * 0.97) {
        flag = FLAG_ZSTD;
        payload = z;
      }
    }
  }
  return seal(keys.dataKeys.get(keys.activeDataKeyId)!, [flag, payload], blobAad(kind, id));
}

/** Decrypts, decompresses and checks the keyed hash: any changed byte is an IntegrityError. */
export async function decodeBlob(keys: TenantKeys, dataKey: Buffer, entry: PackEntry, sealed: Buffer, where: string): Promise<Buffer> {
  const id = Buffer.from(entry.id, 'hex');
  if (sealed.length !== entry.length || entry.length < AEAD_OVERHEAD + 1) throw new IntegrityError(`${where}: blob ${entry.id} has a wrong stored length`);
  const plain = open(dataKey, sealed, blobAad(entry.kind, id), `${where}: blob ${entry.id}`);
  let data: Buffer;
  if (plain[0] === 0) data = plain.subarray(1);
  else if (plain[0] === 1) {
    try {
      data = await decompress(plain.subarray(1));
    } catch {
      throw new IntegrityError(`${where}: blob ${entry.id} does not decompress`);
    }
  } else throw new IntegrityError(`${where}: blob ${entry.id} has unknown flags ${plain[0]}`);
  if (data.length !== entry.rawLength || !equalBytes(blobId(keys, entry.kind, data), id)) {
    throw new IntegrityError(`${where}: blob ${entry.id} content does not match its id`);
  }
  return data;
}

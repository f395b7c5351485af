import { compress, decompress } from '@mongodb-js/zstd';
import { HoldfastError } from '@holdfast/contracts';
import type { IndexEntry, PackEntry } from '../format/blob-types';
import { decodeEntries, encodeEntries } from '../format/pack.format';
import { openObject, sealObject, sealedObjectKeyId } from '../format/sealed-object.format';
import type { TenantKeys } from '../crypto/tenant-keyring';
import type { StorageBackend } from '../backend/storage-backend.port';
import type { TenantLayout } from './layout';

export const INDEX_MAGIC = 'HFIDX001';

export interface IndexedPack {
  readonly pack: string;
  readonly keyId: string;
  readonly entries: readonly PackEntry[];
}

export interface LocatedBlob extends IndexEntry {
  readonly keyId: string;
}

/** Index file plaintext (zstd-compressed): u32 packs, then per pack: name (16) | keyId (8) | entry table. */
export async function encodeIndexFile(layout: TenantLayout, name: string, keys: TenantKeys, packs: readonly IndexedPack[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  const count = Buffer.alloc(4);
  count.writeUInt32BE(packs.length);
  parts.push(count);
  for (const p of packs) {
    const head = Buffer.alloc(24);
    head.write(p.pack, 0, 16, 'hex');
    head.write(p.keyId, 16, 8, 'hex');
    parts.push(head, encodeEntries(p.entries));
  }
  const plain = await compress(Buffer.concat(parts), 3);
  return sealObject(INDEX_MAGIC, layout.index(name), keys.activeDataKeyId, keys.dataKeys.get(keys.activeDataKeyId)!, plain);
}

export async function decodeIndexFile(layout: TenantLayout, name: string, keys: TenantKeys, raw: Buffer): Promise<IndexedPack[]> {
  const key = layout.index(name);
  const keyId = sealedObjectKeyId(INDEX_MAGIC, key, raw);
  const dataKey = keys.dataKeys.get(keyId);
  if (!dataKey) throw new HoldfastError('credentials_invalid', `${key} is encrypted with unknown data key ${keyId}`);
  const plain = await decompress(openObject(INDEX_MAGIC, key, dataKey, raw));
  const n = plain.readUInt32BE(0);
  let o = 4;
  const out: IndexedPack[] = [];
  for (let i = 0; i < n; i++) {
    const pack = plain.toString('hex', o, o + 16);
    const packKeyId = plain.toString('hex', o + 16, o + 24);
    const { entries, end } = decodeEntries(plain, o + 24);
    out.push({ pack, keyId: packKeyId, entries });
    o = end;
  }
  return out;
}

/** The blob locations a process knows: the union of all index files it has loaded. */
export class BlobIndex {
  private readonly blobs = new Map<string, LocatedBlob>();
  private readonly loaded = new Set<string>();
  readonly packs = new Map<string, IndexedPack>();

  constructor(
    private readonly backend: StorageBackend,
    private readonly layout: TenantLayout,
    private readonly keys: TenantKeys,
  ) {}

  get size(): number {
    return this.blobs.size;
  }

  get(id: string): LocatedBlob | undefined {
    return this.blobs.get(id);
  }

  files(): string[] {
    return [...this.loaded];
  }

  add(p: IndexedPack): void {
    this.packs.set(p.pack, p);
    for (const e of p.entries) {
      if (!this.blobs.has(e.id)) this.blobs.set(e.id, { ...e, pack: p.pack, keyId: p.keyId });
    }
  }

  /** Loads index files not seen yet. Returns how many were new. */
  async refresh(): Promise<number> {
    const names: string[] = [];
    for await (const o of this.backend.list(this.layout.indexPrefix)) {
      const name = o.key.slice(this.layout.indexPrefix.length);
      if (!this.loaded.has(name)) names.push(name);
    }
    // Load a few at a time; each file is small.
    for (let i = 0; i < names.length; i += 8) {
      const batch = await Promise.all(
        names.slice(i, i + 8).map(async (name) => {
          const raw = await this.backend.get(this.layout.index(name)).catch((e) => {
            if (e instanceof HoldfastError && e.code === 'not_found') return undefined; // compacted by gc meanwhile
            throw e;
          });
          return raw ? { name, packs: await decodeIndexFile(this.layout, name, this.keys, raw) } : undefined;
        }),
      );
      for (const b of batch) {
        if (!b) continue;
        this.loaded.add(b.name);
        for (const p of b.packs) this.add(p);
      }
    }
    return names.length;
  }
}

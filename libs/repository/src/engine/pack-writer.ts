import type { BlobKind, PackEntry } from '../format/blob-types';
import { encodePackFooter } from '../format/pack.format';
import type { StorageBackend } from '../backend/storage-backend.port';
import type { IndexedPack } from './blob-index';
import { Semaphore } from './concurrency';
import { randomName, type TenantLayout } from './layout';

/**
 * Appends encrypted blobs to an in-memory pack and uploads it when it reaches the target size.
 * Each pack has a fresh random name, so writers in separate processes never collide and need no
 * lock. Uploads run in the background, at most `maxUploads` at once (backpressure on `add`).
 */
export class PackWriter {
  private name = randomName();
  private parts: Buffer[] = [];
  private entries: PackEntry[] = [];
  private size = 0;
  private readonly uploads = new Set<Promise<void>>();
  private readonly uploadSlots: Semaphore;
  private failure: unknown;
  packsWritten = 0;
  bytesWritten = 0;

  constructor(
    private readonly backend: StorageBackend,
    private readonly layout: TenantLayout,
    private readonly keyId: string,
    private readonly dataKey: Buffer,
    private readonly targetBytes: number,
    private readonly onPackWritten: (p: IndexedPack) => void,
    maxUploads = 2,
  ) {
    this.uploadSlots = new Semaphore(maxUploads);
  }

  get pendingBytes(): number {
    return this.size;
  }

  /** Adds a sealed blob; returns after the blob is buffered (and, if the pack filled up, its upload started). */
  async add(kind: BlobKind, id: string, sealed: Buffer, rawLength: number): Promise<void> {
    this.throwIfFailed();
    this.entries.push({ kind, id, offset: this.size, length: sealed.length, rawLength });
    this.parts.push(sealed);
    this.size += sealed.length;
    if (this.size >= this.targetBytes) await this.seal();
  }

  /** Starts uploading the current pack (if any blobs) and begins a new one. */
  async seal(): Promise<void> {
    if (this.entries.length === 0) return;
    const name = this.name;
    const entries = this.entries;
    const parts = this.parts;
    this.name = randomName();
    this.entries = [];
    this.parts = [];
    this.size = 0;
    await this.uploadSlots.acquire();
    const body = [...parts, encodePackFooter(name, this.keyId, this.dataKey, entries)];
    const bodyBytes = body.reduce((s, b) => s + b.length, 0);
    parts.length = 0;
    const p = this.backend
      .put(this.layout.pack(name), body)
      .then(() => {
        this.packsWritten++;
        this.bytesWritten += bodyBytes;
        body.length = 0;
        this.onPackWritten({ pack: name, keyId: this.keyId, entries });
      })
      .catch((e) => {
        this.failure ??= e;
      })
      .finally(() => {
        this.uploadSlots.release();
        this.uploads.delete(p);
      });
    this.uploads.add(p);
  }

  /** Seals the current pack and waits for every upload; throws the first upload failure. */
  async flush(): Promise<void> {
    await this.seal();
    while (this.uploads.size) await Promise.all([...this.uploads]);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

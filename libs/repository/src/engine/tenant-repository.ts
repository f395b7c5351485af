import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { Readable } from 'node:stream';
import { HoldfastError } from '@holdfast/contracts';
import type { TenantKeys } from '../crypto/tenant-keyring';
import { FILE_CHUNKING, GearChunker, gearTable, MAIL_CHUNKING, type ChunkerParams } from '../chunker/gear-chunker';
import type { BlobKind } from '../format/blob-types';
import { decodeTree, encodeTree, parseRef, rootBlob, TREE_FANOUT, type ContentRef, type ParsedRef, type TreeChild } from '../format/content-ref';
import { openObject, sealObject, sealedObjectKeyId } from '../format/sealed-object.format';
import { decodePackHeader, decodePackTrailer, PACK_TRAILER_BYTES, requireKey } from '../format/pack.format';
import { splitMime, Base64LineEncoder, encodeBase64Lines } from '../mime/mime-splitter';
import { decodeSkeleton, encodeSkeleton, type SkeletonRecord } from '../mime/mime-skeleton';
import type { RetentionGuard } from '../backend/retention-guard';
import { BlobIndex, encodeIndexFile, type IndexedPack, type LocatedBlob } from './blob-index';
import { blobId, decodeBlob, encodeBlob } from './blob-codec';
import { mapOrdered, Semaphore } from './concurrency';
import { assertManifestId, randomName, timeId, type TenantLayout } from './layout';
import { PackWriter } from './pack-writer';
import type { RepositoryConfig } from './repository-config';

export const MANIFEST_MAGIC = 'HFMAN001';
export const TRASH_MAGIC = 'HFTRS001';
export const GC_MAGIC = 'HFGC0001';
const MANIFEST_CHUNK_BYTES = 1024 * 1024;

/** One entry of a recovery point. `content` (and optional `refs`) point at stored content. */
export interface ManifestItem {
  readonly content?: ContentRef;
  readonly refs?: readonly ContentRef[];
  readonly [key: string]: unknown;
}

export interface ManifestInfo {
  readonly id: string;
  readonly tenant: string;
  readonly createdAt: string;
  readonly itemCount: number;
  readonly labels: Record<string, string>;
  readonly retainUntil?: string;
}

export interface ManifestRoot extends ManifestInfo {
  readonly version: 1;
  readonly chunks: string[];
}

export interface WriteManifestOptions {
  readonly labels?: Record<string, string>;
  /** Makes the recovery point immutable until then (its manifest and every pack it uses). */
  readonly retainUntil?: Date;
}

export interface PutResult {
  readonly ref: ContentRef;
  /** Logical size in bytes. */
  readonly size: number;
}

export interface SessionRecord {
  readonly id: string;
  readonly startedAt: string;
  readonly heartbeatAt: string;
  readonly host: string;
  readonly pid: number;
  /** Manifests this session read; gc keeps their data while the session lives. */
  readonly pins: string[];
}

export interface CondemnedRecord {
  readonly createdAt: string;
  readonly packs: string[];
  /** Writer sessions alive when the record was written; null while it is being written. */
  readonly sessions: string[] | null;
}

export interface TenantContext {
  readonly backend: RetentionGuard;
  readonly layout: TenantLayout;
  readonly keys: TenantKeys;
  readonly config: RepositoryConfig;
  readonly now: () => Date;
  /** Compression/encryption tasks in flight (memory bound: this many chunks). */
  readonly parallelism: number;
  readonly maxMailBytes: number;
  readonly heartbeatMs?: number;
}

export type ContentSource = Buffer | Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

async function* iterate(src: ContentSource): AsyncGenerator<Uint8Array> {
  if (src instanceof Uint8Array) {
    yield src;
    return;
  }
  for await (const piece of src as AsyncIterable<Uint8Array>) {
    yield typeof piece === 'string' ? Buffer.from(piece as string) : piece;
  }
}

/**
 * One MSP tenant's view of a repository. Read mode needs no registration; write mode registers a
 * writer session (heartbeat) so garbage collection never deletes what this writer may still
 * reference. Always `close()` a writable instance.
 */
export class TenantRepository {
  readonly index: BlobIndex;
  readonly tenant: string;
  private readonly fileChunker: GearChunker;
  private readonly mailChunker: GearChunker;
  private session?: { record: SessionRecord; timer: NodeJS.Timeout; lastBeat: number; writer: PackWriter };
  /** Packs gc has condemned (known when the session started): never deduplicate against them. */
  private condemned = new Set<string>();
  /** Blobs this session stored (buffered, uploading or written). */
  private readonly sessionBlobs = new Set<string>();
  private readonly unindexed: IndexedPack[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private readonly cpu: Semaphore;
  private failure: unknown;
  private closed = false;
  /** Attachment bodies stored in this session, by SHA-256 of their exact encoded bytes. */
  private readonly partCache = new LruCache<Exclude<SkeletonRecord, { type: 'literal' }>>(20_000, () => 1);
  /** Recently read blobs (restores of mail read the same attachments again and again). */
  private readonly blobCache = new LruCache<Buffer>(32 * 1024 * 1024, (b) => b.length + 64);
  /** Re-encoded (base64 with line layout) small attachments, for mail restores. */
  private readonly encodedCache = new LruCache<Buffer>(32 * 1024 * 1024, (b) => b.length + 64);
  readonly stats = { blobsNew: 0, blobsDeduplicated: 0, bytesIn: 0, bytesNew: 0 };

  private constructor(readonly ctx: TenantContext) {
    this.tenant = ctx.layout.tenant;
    this.index = new BlobIndex(ctx.backend, ctx.layout, ctx.keys);
    const gear = gearTable(ctx.keys.idKey);
    this.fileChunker = new GearChunker(gear, FILE_CHUNKING);
    this.mailChunker = new GearChunker(gear, MAIL_CHUNKING);
    this.cpu = new Semaphore(ctx.parallelism);
  }

  static async open(ctx: TenantContext, write: boolean): Promise<TenantRepository> {
    const repo = new TenantRepository(ctx);
    // Register before reading the index or gc state: a gc that does not see this session has
    // already published its condemned packs, which this session then reads and avoids.
    if (write) await repo.startSession();
    await repo.index.refresh();
    return repo;
  }

  /** Read mode without loading index files (check builds the index itself). */
  static openUnindexed(ctx: TenantContext): TenantRepository {
    return new TenantRepository(ctx);
  }

  get writable(): boolean {
    return !!this.session;
  }

  get sessionId(): string | undefined {
    return this.session?.record.id;
  }

  // ---------------------------------------------------------------- sessions

  private async startSession(): Promise<void> {
    const now = this.ctx.now();
    const record: SessionRecord = {
      id: timeId(now),
      startedAt: now.toISOString(),
      heartbeatAt: now.toISOString(),
      host: hostname(),
      pid: process.pid,
      pins: [],
    };
    await this.ctx.backend.put(this.ctx.layout.session(record.id), Buffer.from(JSON.stringify(record)));
    const keyId = this.ctx.keys.activeDataKeyId;
    const writer = new PackWriter(
      this.ctx.backend,
      this.ctx.layout,
      keyId,
      this.ctx.keys.dataKeys.get(keyId)!,
      this.ctx.config.packTargetBytes,
      (p) => {
        this.unindexed.push(p);
        this.index.add(p);
      },
    );
    const interval = this.ctx.heartbeatMs ?? Math.max(1000, (this.ctx.config.sessionTimeoutSeconds * 1000) / 6);
    const timer = setInterval(() => void this.heartbeat().catch(() => undefined), interval);
    timer.unref();
    this.session = { record, timer, lastBeat: Date.now(), writer };
    this.condemned = await loadCondemnedPacks(this.ctx);
  }

  private async heartbeat(): Promise<void> {
    const s = this.session;
    if (!s) return;
    const started = Date.now();
    s.record = { ...s.record, heartbeatAt: this.ctx.now().toISOString() };
    await this.ctx.backend.put(this.ctx.layout.session(s.record.id), Buffer.from(JSON.stringify(s.record)));
    s.lastBeat = started;
  }

  /** A session that could not prove it was alive recently must not commit (gc may have moved on). */
  private async assertSessionAlive(): Promise<void> {
    const s = this.requireSession();
    const maxAge = (this.ctx.config.sessionTimeoutSeconds * 1000) / 2;
    if (Date.now() - s.lastBeat > maxAge) await this.heartbeat();
    const st = await this.ctx.backend.stat(this.ctx.layout.session(s.record.id));
    if (!st) throw new HoldfastError('conflict', `writer session ${s.record.id} expired (no heartbeat); start a new backup`);
  }

  private requireSession(): NonNullable<TenantRepository['session']> {
    if (this.closed) throw new HoldfastError('conflict', 'tenant repository is closed');
    if (!this.session) throw new HoldfastError('forbidden', 'tenant repository was opened read-only; open it for writing to store data');
    return this.session;
  }

  // ---------------------------------------------------------------- writing

  private hasUsableBlob(id: string): boolean {
    if (this.sessionBlobs.has(id)) return true;
    const e = this.index.get(id);
    return !!e && !this.condemned.has(e.pack);
  }

  /**
   * Stores one blob unless it is already present. Returns its id at once; compression,
   * encryption and packing continue in the background (bounded: waits when `parallelism` tasks
   * are in flight). `flush()` makes everything durable.
   */
  async storeBlob(kind: BlobKind, data: Buffer): Promise<string> {
    const s = this.requireSession();
    if (this.failure) throw this.failure;
    const idBuf = blobId(this.ctx.keys, kind, data);
    const id = idBuf.toString('hex');
    this.stats.bytesIn += data.length;
    if (this.hasUsableBlob(id)) {
      this.stats.blobsDeduplicated++;
      return id;
    }
    this.sessionBlobs.add(id);
    this.stats.blobsNew++;
    this.stats.bytesNew += data.length;
    await this.cpu.acquire();
    const task = encodeBlob(this.ctx.keys, kind, idBuf, data, this.ctx.config.compressionLevel)
      .then((sealed) => s.writer.add(kind, id, sealed, data.length))
      .catch((e) => {
        this.failure ??= e;
      })
      .finally(() => {
        this.cpu.release();
        this.inflight.delete(task);
      });
    this.inflight.add(task);
    return id;
  }

  private async storeContent(src: ContentSource, chunker: GearChunker): Promise<PutResult> {
    const tree = new TreeBuilder((data) => this.storeBlob('tree', data));
    let size = 0;
    for await (const chunk of chunker.chunks(iterate(src))) {
      size += chunk.length;
      await tree.add({ isTree: false, id: await this.storeBlob('data', chunk), size: chunk.length });
    }
    const ref = await tree.finish(async () => this.storeBlob('data', Buffer.alloc(0)));
    return { ref, size };
  }

  /** Stores small content (JSON documents, item metadata) as content; large input is chunked. */
  async putBlob(data: Buffer | Uint8Array): Promise<PutResult> {
    return this.storeContent(Buffer.isBuffer(data) ? data : Buffer.from(data), this.fileChunker);
  }

  /** Stores a file of any size with flat memory (content-defined chunks of ~1 MiB). */
  async putFile(src: ContentSource): Promise<PutResult> {
    return this.storeContent(src, this.fileChunker);
  }

  /**
   * Stores one MIME message so that large parts (attachments) are their own, deduplicated
   * contents and `openContent` gives back the original bytes exactly. Messages above
   * `maxMailBytes` are stored whole (chunked) without splitting, so memory stays bounded.
   */
  async putMail(src: ContentSource): Promise<PutResult> {
    this.requireSession();
    const pieces: Buffer[] = [];
    let total = 0;
    const it = iterate(src)[Symbol.asyncIterator]();
    for (;;) {
      const n = await it.next();
      if (n.done) break;
      const b = Buffer.isBuffer(n.value) ? n.value : Buffer.from(n.value);
      pieces.push(b);
      total += b.length;
      if (total > this.ctx.maxMailBytes) {
        const rest = async function* () {
          yield* pieces;
          for (;;) {
            const m = await it.next();
            if (m.done) return;
            yield m.value;
          }
        };
        return this.storeContent(rest(), this.fileChunker);
      }
    }
    const msg = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, total);
    const digests = new Map<number, string>();
    const digest = (start: number, end: number): string => {
      let d = digests.get(start);
      if (!d) {
        d = `${end - start}:${createHash('sha256').update(msg.subarray(start, end)).digest('hex')}`;
        digests.set(start, d);
      }
      return d;
    };
    const segments = splitMime(msg, {
      minPartBytes: this.ctx.config.mimeSplitMinBytes,
      seen: (_m, start, end) => this.partCache.get(digest(start, end)),
    });
    if (!segments.some((s) => s.type !== 'literal')) return this.storeContent(msg, this.mailChunker);
    const records: SkeletonRecord[] = [];
    for (const seg of segments) {
      if (seg.type === 'literal') records.push({ type: 'literal', bytes: msg.subarray(seg.start, seg.end) });
      else if (seg.type === 'known') {
        const rec = seg.known as Exclude<SkeletonRecord, { type: 'literal' }>;
        this.stats.bytesIn += rec.size;
        records.push(rec);
      } else {
        let rec: Exclude<SkeletonRecord, { type: 'literal' }>;
        if (seg.type === 'base64') {
          const part = await this.storeContent(seg.decoded, this.fileChunker);
          rec = { type: 'base64', crlf: seg.crlf, lineLength: seg.lineLength, size: part.size, ref: part.ref };
        } else {
          const part = await this.storeContent(msg.subarray(seg.start, seg.end), this.fileChunker);
          rec = { type: 'raw', size: part.size, ref: part.ref };
        }
        this.partCache.set(digest(seg.start, seg.end), rec);
        records.push(rec);
      }
    }
    const skeleton = await this.storeContent(encodeSkeleton(records), this.mailChunker);
    return { ref: `m:${skeleton.ref}`, size: msg.length };
  }

  /** Makes every stored blob durable: packs uploaded, then an index file listing them. */
  async flush(): Promise<void> {
    const s = this.requireSession();
    while (this.inflight.size) await Promise.all([...this.inflight]);
    if (this.failure) throw this.failure;
    await s.writer.flush();
    await this.writeIndex();
  }

  private async writeIndex(): Promise<void> {
    if (!this.unindexed.length) return;
    const packs = this.unindexed.splice(0);
    const name = randomName();
    const body = await encodeIndexFile(this.ctx.layout, name, this.ctx.keys, packs);
    try {
      await this.ctx.backend.put(this.ctx.layout.index(name), body);
    } catch (e) {
      this.unindexed.unshift(...packs);
      throw e;
    }
  }

  // ---------------------------------------------------------------- manifests

  /**
   * Streams items into a manifest (chunks of ~1 MiB, each a blob), flushes all data, then writes
   * the manifest root: a recovery point exists only once everything it references is durable.
   */
  async writeManifest(items: AsyncIterable<ManifestItem> | Iterable<ManifestItem>, opts: WriteManifestOptions = {}): Promise<ManifestInfo> {
    this.requireSession();
    const chunks: string[] = [];
    let lines: string[] = [];
    let bytes = 0;
    let itemCount = 0;
    const emit = async (): Promise<void> => {
      if (!lines.length) return;
      chunks.push(await this.storeBlob('manifest', Buffer.from(lines.join('\n') + '\n')));
      lines = [];
      bytes = 0;
    };
    for await (const item of items as AsyncIterable<ManifestItem>) {
      if (!item || typeof item !== 'object' || Array.isArray(item)) {
        throw new HoldfastError('validation_failed', `manifest item ${itemCount} is not an object`);
      }
      for (const ref of refsOf(item)) await this.assertReferencable(ref, itemCount);
      const line = JSON.stringify(item);
      lines.push(line);
      bytes += line.length + 1;
      itemCount++;
      if (bytes >= MANIFEST_CHUNK_BYTES) await emit();
    }
    await emit();
    await this.flush();
    await this.assertSessionAlive();
    const now = this.ctx.now();
    const root: ManifestRoot = {
      version: 1,
      id: timeId(now),
      tenant: this.tenant,
      createdAt: now.toISOString(),
      itemCount,
      labels: opts.labels ?? {},
      ...(opts.retainUntil ? { retainUntil: opts.retainUntil.toISOString() } : {}),
      chunks,
    };
    const key = this.ctx.layout.manifest(root.id);
    const keyId = this.ctx.keys.activeDataKeyId;
    const body = sealObject(MANIFEST_MAGIC, key, keyId, this.ctx.keys.dataKeys.get(keyId)!, Buffer.from(JSON.stringify(root)));
    if (opts.retainUntil) {
      // Packs first: the manifest must never be locked while data it needs is not.
      await this.lockReachable(root, opts.retainUntil);
    }
    await this.ctx.backend.put(key, body, opts.retainUntil ? { retainUntil: opts.retainUntil } : undefined);
    const { chunks: _c, version: _v, ...info } = root;
    return info;
  }

  private async assertReferencable(ref: ContentRef, item: number): Promise<void> {
    let parsed: ParsedRef;
    try {
      parsed = parseRef(ref);
    } catch (e) {
      throw new HoldfastError('validation_failed', `manifest item ${item}: ${(e as Error).message}`);
    }
    const { id } = rootBlob(parsed);
    if (this.sessionBlobs.has(id)) return;
    let e = this.index.get(id);
    if (!e) {
      await this.index.refresh();
      e = this.index.get(id);
    }
    if (!e) throw new HoldfastError('not_found', `manifest item ${item} references content ${ref.slice(0, 20)}… that is not in the repository`);
    if (this.condemned.has(e.pack)) {
      throw new HoldfastError('conflict', `manifest item ${item} references content that garbage collection is removing; store the content again`);
    }
  }

  private async readRoot(id: string): Promise<ManifestRoot> {
    assertManifestId(id);
    const key = this.ctx.layout.manifest(id);
    const raw = await this.ctx.backend.get(key).catch((e) => {
      if (e instanceof HoldfastError && e.code === 'not_found') throw new HoldfastError('not_found', `manifest ${id} not found for tenant ${this.tenant}`);
      throw e;
    });
    return decodeManifestRoot(this.ctx, key, raw);
  }

  async getManifest(id: string): Promise<ManifestInfo> {
    const { chunks: _c, version: _v, ...info } = await this.readRoot(id);
    return info;
  }

  /** Items in the order written, streamed chunk by chunk. */
  async *readManifest(id: string): AsyncGenerator<ManifestItem> {
    if (this.session && !this.session.record.pins.includes(id)) {
      // Pin before reading, so gc keeps the data of items this writer may carry over.
      this.session.record = { ...this.session.record, pins: [...this.session.record.pins, id] };
      await this.heartbeat();
    }
    const root = await this.readRoot(id);
    yield* this.itemsOf(root);
  }

  async *itemsOf(root: ManifestRoot): AsyncGenerator<ManifestItem> {
    for await (const chunk of mapOrdered(root.chunks, 2, (c) => this.readBlob(c, 'manifest'))) {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(10, start);
        if (nl < 0) break;
        yield JSON.parse(chunk.toString('utf8', start, nl)) as ManifestItem;
        start = nl + 1;
      }
    }
  }

  async listManifests(): Promise<ManifestInfo[]> {
    const out: ManifestInfo[] = [];
    for await (const o of this.ctx.backend.list(this.ctx.layout.manifestsPrefix)) {
      const id = o.key.slice(this.ctx.layout.manifestsPrefix.length);
      out.push(await this.getManifest(id));
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Deletes a recovery point (refused while it is locked). Its data goes at a later gc. */
  async deleteManifest(id: string): Promise<void> {
    const root = await this.readRoot(id);
    const key = this.ctx.layout.manifest(id);
    if (await this.ctx.backend.isLocked(key)) {
      const until = await this.ctx.backend.retainUntil(key);
      throw new HoldfastError('forbidden', `manifest ${id} is locked until ${until!.toISOString()} and cannot be deleted`);
    }
    // Kept in trash for the gc grace period: a writer that read it may still carry its items over.
    const trashKey = this.ctx.layout.trash(id);
    const keyId = this.ctx.keys.activeDataKeyId;
    const body = sealObject(TRASH_MAGIC, trashKey, keyId, this.ctx.keys.dataKeys.get(keyId)!, Buffer.from(JSON.stringify({ deletedAt: this.ctx.now().toISOString(), root })));
    await this.ctx.backend.put(trashKey, body);
    await this.ctx.backend.delete(key);
  }

  /** Locks (or extends the lock of) a recovery point: its manifest and every pack it uses. */
  async lockManifest(id: string, retainUntil: Date): Promise<void> {
    const root = await this.readRoot(id);
    await this.lockReachable(root, retainUntil);
    await this.ctx.backend.extendRetention(this.ctx.layout.manifest(id), retainUntil);
  }

  private async lockReachable(root: ManifestRoot, until: Date): Promise<void> {
    const live = new Set<string>();
    await markManifest(this, root, live);
    const packs = new Set<string>();
    for (const id of live) {
      const e = this.index.get(id);
      if (!e) throw new HoldfastError('internal', `blob ${id} of manifest ${root.id} is not indexed`);
      packs.add(e.pack);
    }
    const sem = new Semaphore(8);
    await Promise.all([...packs].map((p) => sem.run(() => this.ctx.backend.extendRetention(this.ctx.layout.pack(p), until))));
  }

  // ---------------------------------------------------------------- reading

  async locate(id: string): Promise<LocatedBlob> {
    let e = this.index.get(id);
    if (!e && this.sessionBlobs.has(id) && this.session) {
      await this.flush();
      e = this.index.get(id);
    }
    if (!e) {
      await this.index.refresh();
      e = this.index.get(id);
    }
    if (!e) throw new HoldfastError('not_found', `blob ${id} is not in the repository of tenant ${this.tenant}`);
    return e;
  }

  async readBlob(id: string, kind?: BlobKind): Promise<Buffer> {
    const cached = this.blobCache.get(id);
    if (cached && (!kind || this.index.get(id)?.kind === kind)) return cached;
    const data = await this.readBlobUncached(id, kind);
    if (data.length <= 512 * 1024) this.blobCache.set(id, data);
    return data;
  }

  /** Reads and verifies a blob from its pack (check uses this: never from cache). */
  async readBlobUncached(id: string, kind?: BlobKind): Promise<Buffer> {
    const e = await this.locate(id);
    if (kind && e.kind !== kind) throw new HoldfastError('internal', `blob ${id} is a ${e.kind} blob, expected ${kind}`, { integrity: true });
    const packKey = this.ctx.layout.pack(e.pack);
    const sealed = await this.ctx.backend.getRange(packKey, e.offset, e.length);
    return decodeBlob(this.ctx.keys, requireKey(this.ctx.keys.dataKeys, e.keyId, `pack ${e.pack}`), e, sealed, packKey);
  }

  /** The content's bytes, chunk by chunk, with a few reads ahead and flat memory. */
  async *contentChunks(ref: ContentRef | ParsedRef): AsyncGenerator<Buffer> {
    const p = typeof ref === 'string' ? parseRef(ref) : ref;
    if (p.kind === 'c') {
      yield await this.readBlob(p.id, 'data');
    } else if (p.kind === 't') {
      yield* mapOrdered(this.dataLeaves(p.id), 4, (id) => this.readBlob(id, 'data'));
    } else {
      const parts: Buffer[] = [];
      for await (const b of this.contentChunks(p.inner)) parts.push(b);
      for (const rec of decodeSkeleton(Buffer.concat(parts))) {
        if (rec.type === 'literal') yield rec.bytes;
        else if (rec.type === 'raw') yield* this.contentChunks(rec.ref);
        else if (rec.size <= 2 * 1024 * 1024) {
          // Small attachments are re-encoded once per session: the same one recurs across messages.
          const key = `${rec.ref}|${rec.lineLength}|${rec.crlf ? 1 : 0}`;
          let encoded = this.encodedCache.get(key);
          if (!encoded) {
            const parts: Buffer[] = [];
            for await (const b of this.contentChunks(rec.ref)) parts.push(b);
            encoded = Buffer.from(encodeBase64Lines(Buffer.concat(parts), rec.lineLength, rec.crlf), 'latin1');
            this.encodedCache.set(key, encoded);
          }
          yield encoded;
        } else {
          const enc = new Base64LineEncoder(rec.lineLength, rec.crlf);
          for await (const b of this.contentChunks(rec.ref)) {
            const out = enc.push(b);
            if (out.length) yield out;
          }
          const tail = enc.end();
          if (tail.length) yield tail;
        }
      }
    }
  }

  private async *dataLeaves(treeId: string): AsyncGenerator<string> {
    const children = decodeTree(await this.readBlob(treeId, 'tree'));
    for (const c of children) {
      if (c.isTree) yield* this.dataLeaves(c.id);
      else yield c.id;
    }
  }

  /** A byte stream of stored content (file, mail, blob). */
  openContent(ref: ContentRef): Readable {
    parseRef(ref);
    return Readable.from(this.contentChunks(ref), { objectMode: false, highWaterMark: 1 });
  }

  /** Reads a whole content into memory (small contents only). */
  async readContent(ref: ContentRef): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const b of this.contentChunks(ref)) parts.push(b);
    return Buffer.concat(parts);
  }

  /** Reads a pack's own header (used by check and index rebuild). */
  async readPackHeader(pack: string, size: number): Promise<IndexedPack> {
    const key = this.ctx.layout.pack(pack);
    if (size < PACK_TRAILER_BYTES) throw new HoldfastError('internal', `${key}: too short to be a pack`, { integrity: true });
    const trailer = decodePackTrailer(key, await this.ctx.backend.getRange(key, size - PACK_TRAILER_BYTES, PACK_TRAILER_BYTES), size);
    const sealed = await this.ctx.backend.getRange(key, size - PACK_TRAILER_BYTES - trailer.headerLength, trailer.headerLength);
    const dataKey = requireKey(this.ctx.keys.dataKeys, trailer.keyId, key);
    return { pack, keyId: trailer.keyId, entries: decodePackHeader(pack, sealed, dataKey, size) };
  }

  // ---------------------------------------------------------------- lifecycle

  /** Flushes (when writable), ends the writer session and stops its heartbeat. */
  async close(): Promise<void> {
    if (this.closed) return;
    const s = this.session;
    try {
      if (s) await this.flush();
    } finally {
      this.closed = true;
      if (s) {
        clearInterval(s.timer);
        await this.ctx.backend.delete(this.ctx.layout.session(s.record.id)).catch(() => undefined);
      }
    }
  }

  /** Ends the session without flushing (a writer giving up; unreferenced data goes at gc). */
  async abort(): Promise<void> {
    this.closed = true;
    const s = this.session;
    if (s) {
      clearInterval(s.timer);
      while (this.inflight.size) await Promise.all([...this.inflight]);
      await this.ctx.backend.delete(this.ctx.layout.session(s.record.id)).catch(() => undefined);
    }
  }
}

export function refsOf(item: ManifestItem): ContentRef[] {
  const out: ContentRef[] = [];
  if (item.content !== undefined) out.push(item.content);
  if (item.refs !== undefined) {
    if (!Array.isArray(item.refs)) throw new HoldfastError('validation_failed', 'manifest item refs must be an array of content references');
    out.push(...item.refs);
  }
  return out;
}

export function decodeManifestRoot(ctx: TenantContext, key: string, raw: Buffer): ManifestRoot {
  const keyId = sealedObjectKeyId(MANIFEST_MAGIC, key, raw);
  const plain = openObject(MANIFEST_MAGIC, key, requireKey(ctx.keys.dataKeys, keyId, key), raw);
  return JSON.parse(plain.toString('utf8')) as ManifestRoot;
}

export async function loadCondemnedPacks(ctx: TenantContext): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const o of ctx.backend.list(ctx.layout.gcPrefix)) {
    const rec = await readCondemned(ctx, o.key).catch(() => undefined);
    for (const p of rec?.packs ?? []) out.add(p);
  }
  return out;
}

export async function readCondemned(ctx: TenantContext, key: string): Promise<CondemnedRecord> {
  const raw = await ctx.backend.get(key);
  const keyId = sealedObjectKeyId(GC_MAGIC, key, raw);
  return JSON.parse(openObject(GC_MAGIC, key, requireKey(ctx.keys.dataKeys, keyId, key), raw).toString('utf8')) as CondemnedRecord;
}

export function sealCondemned(ctx: TenantContext, key: string, rec: CondemnedRecord): Buffer {
  const keyId = ctx.keys.activeDataKeyId;
  return sealObject(GC_MAGIC, key, keyId, ctx.keys.dataKeys.get(keyId)!, Buffer.from(JSON.stringify(rec)));
}

/** Marks every blob a manifest needs: its chunks, and each item's content recursively. */
export async function markManifest(repo: TenantRepository, root: ManifestRoot, live: Set<string>): Promise<void> {
  for (const c of root.chunks) live.add(c);
  for await (const item of repo.itemsOf(root)) {
    for (const ref of refsOf(item)) await markRef(repo, parseRef(ref), live);
  }
}

export async function markRef(repo: TenantRepository, ref: ParsedRef, live: Set<string>): Promise<void> {
  if (ref.kind === 'c') {
    live.add(ref.id);
  } else if (ref.kind === 't') {
    if (live.has(ref.id)) return;
    live.add(ref.id);
    for (const c of decodeTree(await repo.readBlob(ref.id, 'tree'))) {
      if (c.isTree) await markRef(repo, { kind: 't', id: c.id }, live);
      else live.add(c.id);
    }
  } else {
    const innerId = ref.inner.id;
    if (live.has(innerId)) return;
    const parts: Buffer[] = [];
    for await (const b of repo.contentChunks(ref.inner)) parts.push(b);
    await markRef(repo, ref.inner, live);
    for (const rec of decodeSkeleton(Buffer.concat(parts))) {
      if (rec.type !== 'literal') await markRef(repo, parseRef(rec.ref), live);
    }
  }
}

/** A small LRU map bounded by total weight. */
class LruCache<V> {
  private readonly map = new Map<string, V>();
  private total = 0;
  constructor(
    private readonly maxWeight: number,
    private readonly weight: (v: V) => number,
  ) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, v: V): void {
    const old = this.map.get(key);
    if (old !== undefined) {
      this.total -= this.weight(old);
      this.map.delete(key);
    }
    this.map.set(key, v);
    this.total += this.weight(v);
    while (this.total > this.maxWeight && this.map.size) {
      const [k, first] = this.map.entries().next().value as [string, V];
      this.map.delete(k);
      this.total -= this.weight(first);
    }
  }
}

/** Builds the tree of a large content level by level while chunks stream in (bounded memory). */
class TreeBuilder {
  private readonly levels: TreeChild[][] = [[]];
  constructor(private readonly storeTree: (data: Buffer) => Promise<string>) {}

  async add(child: TreeChild, level = 0): Promise<void> {
    const l = (this.levels[level] ??= []);
    l.push(child);
    if (l.length >= TREE_FANOUT) {
      this.levels[level] = [];
      const id = await this.storeTree(encodeTree(l));
      await this.add({ isTree: true, id, size: l.reduce((s, c) => s + c.size, 0) }, level + 1);
    }
  }

  async finish(storeEmpty: () => Promise<string>): Promise<ContentRef> {
    for (let level = 0; ; level++) {
      const cur = this.levels[level] ?? [];
      const higher = this.levels.slice(level + 1).some((l) => l.length > 0);
      if (!higher) {
        if (cur.length === 0) return `c:${await storeEmpty()}`;
        if (cur.length === 1) return `${cur[0].isTree ? 't' : 'c'}:${cur[0].id}`;
      }
      if (cur.length) {
        this.levels[level] = [];
        const id = await this.storeTree(encodeTree(cur));
        (this.levels[level + 1] ??= []).push({ isTree: true, id, size: cur.reduce((s, c) => s + c.size, 0) });
      }
    }
  }
}

export type { ChunkerParams };

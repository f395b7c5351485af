import { HoldfastError } from '@holdfast/contracts';
import { RETENTION_PREFIX } from '../backend/retention-guard';
import { decodePackHeader, decodePackTrailer, PACK_TRAILER_BYTES, requireKey } from '../format/pack.format';
import { openObject, sealedObjectKeyId } from '../format/sealed-object.format';
import type { PackEntry } from '../format/blob-types';
import { decodeIndexFile, type IndexedPack } from './blob-index';
import { decodeBlob } from './blob-codec';
import { TenantLayout } from './layout';
import type { Repository } from './repository';
import { decodeManifestRoot, markManifest, readCondemned, TenantRepository, TRASH_MAGIC, type ManifestRoot } from './tenant-repository';

export interface CheckFinding {
  /** The damaged object's key (and blob id when it is one blob of a pack). */
  readonly object: string;
  readonly problem: string;
}

export interface CheckReport {
  readonly ok: boolean;
  readonly readData: boolean;
  readonly tenants: string[];
  /** Damage: check fails. */
  readonly errors: CheckFinding[];
  /** Harmless leftovers (interrupted writers), fixed by gc. */
  readonly warnings: CheckFinding[];
  readonly counts: { packs: number; indexFiles: number; blobs: number; manifests: number; bytesRead: number };
}

export interface CheckOptions {
  /** Read and verify every blob of every pack (decrypt, decompress, keyed hash). */
  readonly readData?: boolean;
  readonly tenants?: string[];
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Verifies a repository. Without readData: keyrings, index files, every pack's header and trailer,
 * manifests and every blob their items reach through trees and MIME skeletons. With readData:
 * every blob of every pack too, and that blobs, header and trailer cover each pack exactly, so a
 * changed byte anywhere is found and the object named.
 */
export async function checkRepository(repo: Repository, opts: CheckOptions = {}): Promise<CheckReport> {
  const errors: CheckFinding[] = [];
  const warnings: CheckFinding[] = [];
  const counts = { packs: 0, indexFiles: 0, blobs: 0, manifests: 0, bytesRead: 0 };
  const backend = repo.backend;
  const tenants = opts.tenants ?? (await repo.listTenants());

  for await (const o of backend.list(RETENTION_PREFIX)) {
    try {
      const rec = JSON.parse((await backend.get(o.key)).toString('utf8')) as { retainUntil: string };
      if (Number.isNaN(new Date(rec.retainUntil).getTime())) throw new Error('bad date');
    } catch (e) {
      errors.push({ object: o.key, problem: `retention record unreadable: ${describe(e)}` });
    }
  }

  for (const tenant of tenants) {
    const layout = new TenantLayout(tenant);
    let t: TenantRepository;
    try {
      // Read mode, with an index built by checkTenant from the index files that decode.
      t = TenantRepository.openUnindexed(repo.tenantContext(tenant, await repo.tenantKeys(tenant, false)));
    } catch (e) {
      errors.push({ object: layout.keyring, problem: describe(e) });
      continue;
    }
    await checkTenant(t, !!opts.readData, errors, warnings, counts);
  }
  return { ok: errors.length === 0, readData: !!opts.readData, tenants, errors, warnings, counts };
}

async function checkTenant(
  t: TenantRepository,
  readData: boolean,
  errors: CheckFinding[],
  warnings: CheckFinding[],
  counts: CheckReport['counts'],
): Promise<void> {
  const { backend, layout, keys } = t.ctx;

  // Index files, one by one, so every damaged one is named.
  const indexed = new Map<string, { entries: readonly PackEntry[]; file: string; keyId: string }>();
  for await (const o of backend.list(layout.indexPrefix)) {
    counts.indexFiles++;
    const name = o.key.slice(layout.indexPrefix.length);
    try {
      const packs = await decodeIndexFile(layout, name, keys, await backend.get(o.key));
      counts.bytesRead += o.size;
      for (const p of packs) {
        if (!indexed.has(p.pack)) indexed.set(p.pack, { entries: p.entries, file: o.key, keyId: p.keyId });
        t.index.add(p);
      }
    } catch (e) {
      errors.push({ object: o.key, problem: `index file damaged: ${describe(e)}` });
    }
  }

  // Packs.
  const stored = new Set<string>();
  for await (const o of backend.list(layout.packsPrefix)) {
    counts.packs++;
    const pack = layout.packNameOf(o.key);
    stored.add(pack);
    let header: IndexedPack;
    try {
      if (readData) {
        const raw = await backend.get(o.key);
        counts.bytesRead += raw.length;
        header = await verifyWholePack(t, pack, o.key, raw, errors);
      } else {
        header = await t.readPackHeader(pack, o.size);
        counts.bytesRead += PACK_TRAILER_BYTES;
      }
    } catch (e) {
      errors.push({ object: o.key, problem: `pack damaged: ${describe(e)}` });
      continue;
    }
    counts.blobs += header.entries.length;
    const idx = indexed.get(pack);
    if (!idx) {
      warnings.push({ object: o.key, problem: 'pack is not indexed (left by an interrupted writer); gc removes it, rebuild-index adopts it' });
      t.index.add(header);
    } else if (!sameEntries(idx.entries, header.entries) || idx.keyId !== header.keyId) {
      errors.push({ object: o.key, problem: `pack header does not match its index entry in ${idx.file}` });
    }
  }
  for (const [pack, idx] of indexed) {
    if (!stored.has(pack)) errors.push({ object: layout.pack(pack), problem: `pack listed in ${idx.file} is missing` });
  }

  // Manifests and everything they reach.
  const checkRoot = async (key: string, root: () => Promise<ManifestRoot>): Promise<void> => {
    try {
      await markManifest(t, await root(), new Set());
    } catch (e) {
      errors.push({ object: key, problem: `recovery point unreadable: ${describe(e)}` });
    }
  };
  for await (const o of backend.list(layout.manifestsPrefix)) {
    counts.manifests++;
    await checkRoot(o.key, async () => decodeManifestRoot(t.ctx, o.key, await backend.get(o.key)));
  }
  for await (const o of backend.list(layout.trashPrefix)) {
    await checkRoot(o.key, async () => {
      const raw = await backend.get(o.key);
      const keyId = sealedObjectKeyId(TRASH_MAGIC, o.key, raw);
      return (JSON.parse(openObject(TRASH_MAGIC, o.key, requireKey(keys.dataKeys, keyId, o.key), raw).toString('utf8')) as { root: ManifestRoot }).root;
    });
  }
  for await (const o of backend.list(layout.gcPrefix)) {
    await readCondemned(t.ctx, o.key).catch((e) => errors.push({ object: o.key, problem: `gc record damaged: ${describe(e)}` }));
  }
  const timeoutMs = t.ctx.config.sessionTimeoutSeconds * 1000;
  for await (const o of backend.list(layout.sessionsPrefix)) {
    if (t.ctx.now().getTime() - o.mtime.getTime() > timeoutMs) warnings.push({ object: o.key, problem: 'stale writer session (crashed writer); gc removes it' });
  }
}

function sameEntries(a: readonly PackEntry[], b: readonly PackEntry[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.id !== y.id || x.kind !== y.kind || x.offset !== y.offset || x.length !== y.length || x.rawLength !== y.rawLength) return false;
  }
  return true;
}

async function verifyWholePack(t: TenantRepository, pack: string, key: string, raw: Buffer, errors: CheckFinding[]): Promise<IndexedPack> {
  const { keys } = t.ctx;
  if (raw.length < PACK_TRAILER_BYTES) throw new HoldfastError('internal', 'too short to be a pack');
  const trailer = decodePackTrailer(key, raw.subarray(raw.length - PACK_TRAILER_BYTES), raw.length);
  const headerStart = raw.length - PACK_TRAILER_BYTES - trailer.headerLength;
  const dataKey = requireKey(keys.dataKeys, trailer.keyId, key);
  const entries = decodePackHeader(pack, raw.subarray(headerStart, raw.length - PACK_TRAILER_BYTES), dataKey, raw.length);
  // Blobs must tile the blob area exactly: no byte of the pack is outside an authenticated region.
  const sorted = [...entries].sort((a, b) => a.offset - b.offset);
  let pos = 0;
  for (const e of sorted) {
    if (e.offset !== pos) throw new HoldfastError('internal', `blob area has a gap or overlap at offset ${pos}`);
    pos += e.length;
  }
  if (pos !== headerStart) throw new HoldfastError('internal', `blob area ends at ${pos}, header starts at ${headerStart}`);
  for (const e of entries) {
    try {
      await decodeBlob(keys, dataKey, e, raw.subarray(e.offset, e.offset + e.length), key);
    } catch (err) {
      errors.push({ object: `${key}#${e.id}`, problem: describe(err) });
    }
  }
  return { pack, keyId: trailer.keyId, entries };
}

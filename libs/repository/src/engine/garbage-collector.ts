import { HoldfastError } from '@holdfast/contracts';
import { LocalBackend } from '../backend/local.backend';
import { openObject, sealedObjectKeyId } from '../format/sealed-object.format';
import { requireKey } from '../format/pack.format';
import { decodeIndexFile, encodeIndexFile, type IndexedPack } from './blob-index';
import { randomName, timeId } from './layout';
import type { Repository } from './repository';
import {
  decodeManifestRoot,
  markManifest,
  readCondemned,
  sealCondemned,
  TRASH_MAGIC,
  type ManifestRoot,
  type SessionRecord,
  type TenantRepository,
} from './tenant-repository';

export interface GcOptions {
  /** Overrides the repository's gcGraceSeconds (tests, or an operator who knows no writer runs). */
  readonly graceSeconds?: number;
  /** Report what would happen without changing anything. */
  readonly dryRun?: boolean;
}

export interface GcReport {
  readonly tenant: string;
  readonly manifests: number;
  readonly liveBlobs: number;
  readonly packs: number;
  /** Packs newly found unreferenced and condemned by this run (deleted by a later run). */
  readonly packsCondemned: number;
  /** Condemned packs still waiting for their grace period or for older writer sessions to end. */
  readonly packsWaiting: number;
  readonly packsDeleted: number;
  readonly bytesDeleted: number;
  /** Condemned packs that turned out to be referenced again and were kept. */
  readonly packsRescued: number;
  /** Unreferenced packs kept because they are under retention lock. */
  readonly packsLocked: number;
  readonly trashPurged: number;
  readonly staleSessionsRemoved: number;
  readonly indexFilesCompacted: number;
}

async function readSessions(t: TenantRepository): Promise<Array<SessionRecord & { key: string }>> {
  const out: Array<SessionRecord & { key: string }> = [];
  for await (const o of t.ctx.backend.list(t.ctx.layout.sessionsPrefix)) {
    const raw = await t.ctx.backend.get(o.key).catch(() => undefined);
    if (!raw) continue;
    try {
      out.push({ ...(JSON.parse(raw.toString('utf8')) as SessionRecord), key: o.key });
    } catch {
      // A torn session record cannot happen with atomic puts; an unreadable one is treated as live
      // until it is older than the session timeout (by its mtime).
      out.push({ id: o.key, startedAt: o.mtime.toISOString(), heartbeatAt: o.mtime.toISOString(), host: '?', pid: 0, pins: [], key: o.key });
    }
  }
  return out;
}

/**
 * Garbage collection for one tenant, safe with writers running (no lock):
 *
 * 1. Mark every blob reachable from the manifests, from trash entries younger than the grace
 *    period and from manifests pinned by live writer sessions.
 * 2. A pack none of whose blobs is marked, older than the grace period and not locked, is
 *    *condemned*: listed in `gc/condemned-*` together with the writer sessions alive right after
 *    the record was published. Writers that start later read the record and never deduplicate
 *    against condemned packs.
 * 3. A later run deletes a condemned pack only when the record is older than the grace period,
 *    every session listed in it has ended (or died: no heartbeat within the session timeout), the
 *    pack is still unreferenced under a fresh mark, and it is not locked. The index is rewritten
 *    without the pack *before* the pack is deleted.
 */
export async function collectGarbage(repo: Repository, tenant: string, opts: GcOptions = {}): Promise<GcReport> {
  const t = await repo.openTenant(tenant);
  const { backend, layout, config } = t.ctx;
  const now = t.ctx.now();
  const graceMs = (opts.graceSeconds ?? config.gcGraceSeconds) * 1000;
  const timeoutMs = config.sessionTimeoutSeconds * 1000;
  const dry = !!opts.dryRun;

  const sessions = await readSessions(t);
  const isLive = (s: SessionRecord): boolean => now.getTime() - new Date(s.heartbeatAt).getTime() < timeoutMs;
  const liveSessions = new Set(sessions.filter(isLive).map((s) => s.id));
  const pinned = new Set(sessions.filter(isLive).flatMap((s) => s.pins ?? []));

  // Index files known before marking; the compacted index replaces exactly these.
  const indexFiles = t.index.files();

  // 1. mark
  const live = new Set<string>();
  let manifests = 0;
  for await (const o of backend.list(layout.manifestsPrefix)) {
    const root = decodeManifestRoot(t.ctx, o.key, await backend.get(o.key));
    await markManifest(t, root, live);
    manifests++;
  }
  const trashToPurge: string[] = [];
  for await (const o of backend.list(layout.trashPrefix)) {
    const raw = await backend.get(o.key);
    const keyId = sealedObjectKeyId(TRASH_MAGIC, o.key, raw);
    const entry = JSON.parse(openObject(TRASH_MAGIC, o.key, requireKey(t.ctx.keys.dataKeys, keyId, o.key), raw).toString('utf8')) as {
      deletedAt: string;
      root: ManifestRoot;
    };
    const young = now.getTime() - new Date(entry.deletedAt).getTime() < graceMs;
    if (young || pinned.has(entry.root.id)) await markManifest(t, entry.root, live);
    else trashToPurge.push(o.key);
  }

  // 2. what is stored
  const stored = new Map<string, { size: number; mtime: Date }>();
  for await (const o of backend.list(layout.packsPrefix)) stored.set(layout.packNameOf(o.key), { size: o.size, mtime: o.mtime });
  const entriesOf = async (pack: string): Promise<IndexedPack | undefined> => {
    const known = t.index.packs.get(pack);
    if (known) return known;
    const st = stored.get(pack);
    if (!st) return undefined;
    return t.readPackHeader(pack, st.size).catch(() => undefined);
  };
  const isReferenced = async (pack: string): Promise<boolean> => {
    const p = await entriesOf(pack);
    // A pack whose header cannot be read is never deleted by gc (check reports it).
    return !p || p.entries.some((e) => live.has(e.id));
  };
  const locked = (pack: string): Promise<boolean> => backend.isLocked(layout.pack(pack));

  // 3. earlier condemnations
  const toDelete = new Set<string>();
  const pending = new Set<string>();
  const processedRecords: string[] = [];
  let packsRescued = 0;
  let packsLocked = 0;
  for await (const o of backend.list(layout.gcPrefix)) {
    const rec = await readCondemned(t.ctx, o.key);
    if (rec.sessions === null) {
      processedRecords.push(o.key); // interrupted gc run: its packs are re-evaluated below
      continue;
    }
    const oldEnough = now.getTime() - new Date(rec.createdAt).getTime() >= graceMs;
    const writersGone = rec.sessions.every((id) => !liveSessions.has(id));
    if (!oldEnough || !writersGone) {
      for (const p of rec.packs) if (stored.has(p)) pending.add(p);
      continue;
    }
    processedRecords.push(o.key);
    for (const p of rec.packs) {
      if (!stored.has(p)) continue;
      if (await isReferenced(p)) packsRescued++;
      else if (await locked(p)) packsLocked++;
      else toDelete.add(p);
    }
  }

  // 4. delete: index first, then packs, then the records
  let bytesDeleted = 0;
  let indexFilesCompacted = 0;
  if (toDelete.size && !dry) {
    const keep = [...t.index.packs.values()].filter((p) => !toDelete.has(p.pack) && stored.has(p.pack));
    const name = randomName();
    await backend.put(layout.index(name), await encodeIndexFile(layout, name, t.ctx.keys, keep));
    for (const f of indexFiles) {
      await backend.delete(layout.index(f));
      indexFilesCompacted++;
    }
    for (const p of toDelete) {
      try {
        await backend.delete(layout.pack(p));
        bytesDeleted += stored.get(p)!.size;
      } catch (e) {
        if (!(e instanceof HoldfastError && e.code === 'forbidden')) throw e;
        packsLocked++;
        toDelete.delete(p);
      }
    }
  }
  if (!dry) for (const k of processedRecords) await backend.delete(k);

  // 5. new condemnations
  const candidates: string[] = [];
  for (const [pack, st] of stored) {
    if (pending.has(pack) || toDelete.has(pack)) continue;
    if (now.getTime() - st.mtime.getTime() < graceMs) continue;
    if (await isReferenced(pack)) continue;
    if (await locked(pack)) {
      packsLocked++;
      continue;
    }
    candidates.push(pack);
  }
  if (candidates.length && !dry) {
    const key = layout.condemned(`condemned-${timeId(now)}`);
    await backend.put(key, sealCondemned(t.ctx, key, { createdAt: now.toISOString(), packs: candidates, sessions: null }));
    // Sessions listed *after* the record is visible: any writer not listed here reads the record.
    const after = (await readSessions(t)).map((s) => s.id);
    await backend.put(key, sealCondemned(t.ctx, key, { createdAt: now.toISOString(), packs: candidates, sessions: after }));
  }

  // 6. housekeeping
  let staleSessionsRemoved = 0;
  if (!dry) {
    for (const k of trashToPurge) await backend.delete(k);
    for (const s of sessions) {
      if (!isLive(s)) {
        await backend.delete(s.key);
        staleSessionsRemoved++;
      }
    }
    const inner = backend.inner;
    if (inner instanceof LocalBackend) await inner.removeStaleTemporaryFiles(new Date(now.getTime() - Math.max(graceMs, 3600_000)));
  }

  return {
    tenant,
    manifests,
    liveBlobs: live.size,
    packs: stored.size,
    packsCondemned: candidates.length,
    packsWaiting: pending.size,
    packsDeleted: dry ? 0 : toDelete.size,
    bytesDeleted,
    packsRescued,
    packsLocked,
    trashPurged: dry ? 0 : trashToPurge.length,
    staleSessionsRemoved,
    indexFilesCompacted,
  };
}

/** Rewrites a tenant's index from the pack headers alone (after index loss or damage). */
export async function rebuildIndex(repo: Repository, tenant: string): Promise<{ packs: number; blobs: number; unreadable: string[] }> {
  const t = await repo.openTenant(tenant);
  const { backend, layout } = t.ctx;
  const packs: IndexedPack[] = [];
  const unreadable: string[] = [];
  for await (const o of backend.list(layout.packsPrefix)) {
    try {
      packs.push(await t.readPackHeader(layout.packNameOf(o.key), o.size));
    } catch {
      unreadable.push(o.key);
    }
  }
  const old: string[] = [];
  for await (const o of backend.list(layout.indexPrefix)) old.push(o.key);
  const name = randomName();
  await backend.put(layout.index(name), await encodeIndexFile(layout, name, t.ctx.keys, packs));
  // Only index files fully covered by the rebuild go: a writer may have indexed a newer pack.
  const rebuilt = new Set(packs.map((p) => p.pack));
  for (const k of old) {
    const name = k.slice(layout.indexPrefix.length);
    const covered = await backend
      .get(k)
      .then((raw) => decodeIndexFile(layout, name, t.ctx.keys, raw))
      .then((ps) => ps.every((p) => rebuilt.has(p.pack)))
      .catch(() => true);
    if (covered) await backend.delete(k);
  }
  return { packs: packs.length, blobs: packs.reduce((s, p) => s + p.entries.length, 0), unreadable };
}

import type { Repository } from './repository';
import { TenantLayout } from './layout';

export interface TenantStats {
  readonly tenant: string;
  readonly packs: number;
  readonly packBytes: number;
  readonly indexFiles: number;
  readonly blobs: number;
  readonly blobsByKind: Record<string, number>;
  /** Plaintext bytes of all distinct blobs (after deduplication, before compression). */
  readonly uniqueBytes: number;
  readonly manifests: number;
  readonly items: number;
  readonly sessions: number;
  readonly lockedObjects: number;
}

export interface RepositoryStats {
  readonly location: string;
  readonly id: string;
  readonly formatVersion: number;
  readonly tenants: TenantStats[];
  readonly totalBytes: number;
}

export async function repositoryStats(repo: Repository, tenants?: string[]): Promise<RepositoryStats> {
  const out: TenantStats[] = [];
  let totalBytes = 0;
  for await (const o of repo.backend.list('')) totalBytes += o.size;
  const locks = await repo.backend.listRetention('tenants/');
  const now = repo.now();
  for (const tenant of tenants ?? (await repo.listTenants())) {
    const t = await repo.openTenant(tenant);
    const layout = new TenantLayout(tenant);
    let packs = 0;
    let packBytes = 0;
    for await (const o of repo.backend.list(layout.packsPrefix)) {
      packs++;
      packBytes += o.size;
    }
    const blobsByKind: Record<string, number> = {};
    let blobs = 0;
    let uniqueBytes = 0;
    const seen = new Set<string>();
    for (const p of t.index.packs.values()) {
      for (const e of p.entries) {
        if (seen.has(e.id)) continue;
        seen.add(e.id);
        blobs++;
        uniqueBytes += e.rawLength;
        blobsByKind[e.kind] = (blobsByKind[e.kind] ?? 0) + 1;
      }
    }
    const manifests = await t.listManifests();
    let sessions = 0;
    for await (const _ of repo.backend.list(layout.sessionsPrefix)) sessions++;
    let lockedObjects = 0;
    for (const [key, until] of locks) if (key.startsWith(layout.base) && until > now) lockedObjects++;
    out.push({
      tenant,
      packs,
      packBytes,
      indexFiles: t.index.files().length,
      blobs,
      blobsByKind,
      uniqueBytes,
      manifests: manifests.length,
      items: manifests.reduce((s, m) => s + m.itemCount, 0),
      sessions,
      lockedObjects,
    });
  }
  return { location: repo.backend.location, id: repo.config.id, formatVersion: repo.config.version, tenants: out, totalBytes };
}

import type { Readable } from 'node:stream';
import type { CatalogPointInput } from './catalog-item';
import type { CatalogIndexRepository, IndexPointResult } from './catalog-index.repository';
import { catalogItemsFromManifest } from './manifest-catalog.adapter';

/** The part of the repository's TenantRepository the indexer reads. */
export interface ManifestSource {
  readManifest(id: string): AsyncIterable<Record<string, unknown>>;
  openContent(ref: string): Readable;
}

/** Reads a whole content reference into memory (one message or JSON document). */
export async function readContent(source: Pick<ManifestSource, 'openContent'>, ref: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of source.openContent(ref)) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/** Indexes one mailbox recovery point from the repository; idempotent. */
export async function indexRecoveryPoint(source: ManifestSource, index: CatalogIndexRepository, point: CatalogPointInput): Promise<IndexPointResult> {
  const items = catalogItemsFromManifest({
    entries: () => source.readManifest(point.pointId),
    read: (ref) => readContent(source, ref),
    known: (refs) => index.knownContent(point.tenantId, point.objectId, refs),
  });
  return index.indexPoint(point, items);
}

/**
 * @holdfast/repository: the backup storage engine.
 *
 * A repository lives in a local folder (default) or an S3-compatible bucket and holds, per MSP
 * tenant, content-addressed, deduplicated, zstd-compressed, AES-256-GCM-encrypted blobs in pack
 * files, index files that list them, and recovery point manifests. Format: docs/repository-format.md.
 *
 * Using it (what the backup worker, recovery and retention services do):
 *
 *   const backend = backendFromLocation('/var/lib/holdfast/repo');        // or 's3://bucket/prefix?endpoint=...'
 *   const repo = await Repository.open(backend, { password });            // Repository.init(...) once
 *   const t = await repo.openTenant(mspTenantId, { write: true });        // registers a writer session
 *   try {
 *     const mail = await t.putMail(mimeStreamOrBuffer);                   // -> { ref, size }; attachments deduplicated
 *     const file = await t.putFile(readable);                             // any size, flat memory
 *     const meta = await t.putBlob(Buffer.from(JSON.stringify(x)));       // small documents
 *     // carry unchanged items over from the previous recovery point (reading pins it for gc):
 *     for await (const item of t.readManifest(previousId)) { ... }
 *     const rp = await t.writeManifest(itemsAsyncIterable, { labels, retainUntil });  // -> { id, itemCount, ... }
 *   } finally {
 *     await t.close();                                                    // flush + end the session
 *   }
 *
 *   const r = await repo.openTenant(mspTenantId);                         // read-only, no session
 *   for await (const item of r.readManifest(rp.id)) r.openContent(item.content).pipe(out); // Readable, byte-exact
 *   await r.listManifests(); await t.deleteManifest(id); await t.lockManifest(id, until);
 *
 * Maintenance: collectGarbage(repo, tenant), checkRepository(repo, { readData }), repositoryStats(repo),
 * rebuildIndex(repo, tenant); keys: repo.addPassword, rotateMasterKey, rotateTenantKey, destroyTenantKeys
 * (crypto-shredding). The CLI wraps them: `holdfast repo init|stats|check|gc|rebuild-index|keys ...`.
 *
 * Rules for callers:
 * - A manifest item is any JSON object; `content` (and optional `refs: []`) hold content references
 *   (`c:`/`t:`/`m:` strings) returned by put* or read from a manifest of the same tenant.
 * - Only re-use references obtained in the same write session (from put* or readManifest); gc
 *   protects exactly those. writeManifest checks that every referenced root blob exists.
 * - Writers never lock: many processes may write the same tenant at once. A crash at any point
 *   leaves a repository that check accepts; gc removes the leftovers.
 * - Memory stays flat for any file size; a single MIME message is buffered (messages above
 *   maxMailBytes, default 256 MiB, are stored unsplit).
 */
export * from './backend/storage-backend.port';
export * from './backend/local.backend';
export * from './backend/s3.backend';
export * from './backend/retention-guard';
export * from './crypto/aead';
export * from './crypto/key-files';
export * from './chunker/gear-chunker';
export * from './format/content-ref';
export * from './format/blob-types';
export * from './mime/mime-splitter';
export * from './mime/mime-skeleton';
export * from './engine/repository';
export * from './engine/repository-config';
export * from './engine/tenant-repository';
export * from './engine/garbage-collector';
export * from './engine/repository-checker';
export * from './engine/repository-stats';
export * from './engine/open-repository';
/** Deterministic mail and byte generators for tests and `npm run bench:repo`. */
export * as repositoryFixtures from './testing/fixtures';

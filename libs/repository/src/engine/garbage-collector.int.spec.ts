import { collectGarbage } from './garbage-collector';
import { checkRepository } from './repository-checker';
import { initLocal, seededBytes, tempDir } from '../testing/test-repo';

// Per file: testTimeout in the project config does not apply when the root config runs all projects.
jest.setTimeout(120_000);

describe('garbage collection rules', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  async function packCount(repo: Awaited<ReturnType<typeof initLocal>>): Promise<number> {
    let n = 0;
    for await (const _ of repo.backend.list('tenants/acme/packs/')) n++;
    return n;
  }

  it('condemns first, deletes only in a later run, and waits for writers that were alive at condemnation', async () => {
    const repo = await initLocal(dir);
    const w = await repo.openTenant('acme', { write: true });
    const doomed = await w.putFile(seededBytes('doomed', 300_000));
    const m = await w.writeManifest([{ id: 'x', content: doomed.ref }]);
    await w.deleteManifest(m.id);
    // this writer session stays open: it could still reference the data it wrote
    const g1 = await collectGarbage(repo, 'acme', { graceSeconds: 0 });
    expect(g1).toMatchObject({ packsCondemned: 1, packsDeleted: 0 });
    const g2 = await collectGarbage(repo, 'acme', { graceSeconds: 0 });
    expect(g2).toMatchObject({ packsDeleted: 0, packsWaiting: 1 });
    // the old writer re-uses the content after all: it is rescued, not deleted
    await w.writeManifest([{ id: 'again', content: doomed.ref }]);
    await w.close();
    const g3 = await collectGarbage(repo, 'acme', { graceSeconds: 0 });
    expect(g3).toMatchObject({ packsDeleted: 0, packsRescued: 1 });
    expect(await packCount(repo)).toBe(2); // the kept data pack + the new manifest's pack
    const r = await repo.openTenant('acme');
    expect((await r.readContent(doomed.ref)).equals(seededBytes('doomed', 300_000))).toBe(true);
  });

  it('writers that start after a condemnation do not deduplicate against condemned packs', async () => {
    const repo = await initLocal(dir);
    const data = seededBytes('shared', 200_000);
    const w1 = await repo.openTenant('acme', { write: true });
    const first = await w1.putFile(data);
    const m1 = await w1.writeManifest([{ id: 'x', content: first.ref }]);
    await w1.deleteManifest(m1.id);
    await w1.close();
    expect((await collectGarbage(repo, 'acme', { graceSeconds: 0 })).packsCondemned).toBe(1);
    // a new backup stores the same content: it must write it again, not point at the condemned pack
    const w2 = await repo.openTenant('acme', { write: true });
    const second = await w2.putFile(data);
    expect(second.ref).toBe(first.ref);
    expect(w2.stats.blobsNew).toBeGreaterThan(0);
    // w2 is still running while gc deletes the condemned pack (w2 was not alive at condemnation)
    const g = await collectGarbage(repo, 'acme', { graceSeconds: 0 });
    expect(g.packsDeleted).toBe(1);
    const m2 = await w2.writeManifest([{ id: 'x', content: second.ref }]);
    await w2.close();
    const r = await repo.openTenant('acme');
    for await (const item of r.readManifest(m2.id)) expect((await r.readContent(item.content!)).equals(data)).toBe(true);
    expect((await checkRepository(repo, { readData: true })).errors).toEqual([]);
  });

  it('respects the grace period and keeps deleted manifests in trash while pinned', async () => {
    const repo = await initLocal(dir);
    const w = await repo.openTenant('acme', { write: true });
    const c = await w.putFile(seededBytes('t', 100_000));
    const m = await w.writeManifest([{ id: 'x', content: c.ref }]);
    await w.close();
    // a backup reads the previous recovery point (pins it) ...
    const reader = await repo.openTenant('acme', { write: true });
    const carried = [];
    for await (const item of reader.readManifest(m.id)) carried.push(item);
    // ... while retention deletes that recovery point
    const admin = await repo.openTenant('acme', { write: true });
    await admin.deleteManifest(m.id);
    await admin.close();
    for (let i = 0; i < 3; i++) expect((await collectGarbage(repo, 'acme', { graceSeconds: 0 })).packsDeleted).toBe(0);
    const m2 = await reader.writeManifest(carried);
    await reader.close();
    const r = await repo.openTenant('acme');
    for await (const item of r.readManifest(m2.id)) expect((await r.readContent(item.content!)).length).toBe(100_000);
    // with a long grace period nothing young is condemned at all
    const g = await collectGarbage(repo, 'acme', { graceSeconds: 3600 });
    expect(g.packsCondemned).toBe(0);
  });
});

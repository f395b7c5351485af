import { createHash } from 'node:crypto';
import { Repository } from './repository';
import { collectGarbage } from './garbage-collector';
import { checkRepository } from './repository-checker';
import { initLocal, openLocal, tempDir } from '../testing/test-repo';
import { spawnWriter } from '../testing/spawn-writer';

// Per file: testTimeout in the project config does not apply when the root config runs all projects.
jest.setTimeout(120_000);

async function verifyAll(repo: Repository, tenant: string): Promise<number> {
  const t = await repo.openTenant(tenant);
  let items = 0;
  for (const m of await t.listManifests()) {
    for await (const item of t.readManifest(m.id)) {
      const data = await t.readContent(item.content!);
      expect(createHash('sha256').update(data).digest('hex')).toBe(item.sha256);
      items++;
    }
  }
  return items;
}

describe('several writer processes', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  it('write concurrently without locks; every recovery point is complete and check passes', async () => {
    const repo = await initLocal(dir, { config: { packTargetBytes: 1024 * 1024 } });
    await (await repo.openTenant('acme', { write: true })).close();
    const writers = ['w1', 'w2', 'w3'].map((s) => spawnWriter(dir, 'acme', 3, s));
    const codes = await Promise.all(writers.map((w) => w.exited));
    expect(codes).toEqual([0, 0, 0]);
    expect(writers.flatMap((w) => w.manifests)).toHaveLength(9);
    const reopened = await openLocal(dir);
    expect(await verifyAll(reopened, 'acme')).toBe(9 * 12);
    const report = await checkRepository(reopened, { readData: true });
    expect(report.errors).toEqual([]);
  });

  it('survives kill -9 at random points: check accepts the repository and the next backup continues', async () => {
    const repo = await initLocal(dir, { config: { packTargetBytes: 256 * 1024, sessionTimeoutSeconds: 1 } });
    await (await repo.openTenant('acme', { write: true })).close();
    let committed = 0;
    for (let round = 0; round < 4; round++) {
      const w = spawnWriter(dir, 'acme', 0, `crash${round}`);
      // let it commit at least one recovery point in some rounds, then kill at a random moment
      if (round % 2 === 0) await w.waitFor(1);
      await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 700)));
      w.child.kill('SIGKILL');
      await w.exited;
      committed += w.manifests.length;
      const report = await checkRepository(await openLocal(dir), { readData: true });
      expect(report.errors).toEqual([]);
    }
    // the next backup continues and everything committed is intact
    const next = spawnWriter(dir, 'acme', 1, 'after');
    expect(await next.exited).toBe(0);
    const reopened = await openLocal(dir);
    const items = await verifyAll(reopened, 'acme');
    expect(items).toBeGreaterThanOrEqual((committed + 1) * 12);
    // gc cleans what the crashed writers left (after their sessions time out)
    await new Promise((r) => setTimeout(r, 1100));
    await collectGarbage(reopened, 'acme', { graceSeconds: 0 });
    await collectGarbage(reopened, 'acme', { graceSeconds: 0 });
    const after = await checkRepository(await openLocal(dir), { readData: true });
    expect(after.errors).toEqual([]);
    expect(after.warnings.filter((w) => /not indexed|stale/.test(w.problem))).toEqual([]);
    expect(await verifyAll(await openLocal(dir), 'acme')).toBe(items);
  });

  it('gc running while writers write never deletes referenced data', async () => {
    const repo = await initLocal(dir, { config: { packTargetBytes: 256 * 1024, sessionTimeoutSeconds: 30 } });
    const t = await repo.openTenant('acme', { write: true });
    await t.close();
    const writers = ['g1', 'g2'].map((s) => spawnWriter(dir, 'acme', 4, s));
    let deletedManifests = 0;
    let gcRuns = 0;
    let packsDeleted = 0;
    const done = Promise.all(writers.map((w) => w.exited));
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      // retention deletes older recovery points while writers carry data forward
      const admin = await repo.openTenant('acme', { write: true });
      const ms = await admin.listManifests();
      for (const m of ms.slice(0, Math.max(0, ms.length - 2))) {
        await admin.deleteManifest(m.id);
        deletedManifests++;
      }
      await admin.close();
      packsDeleted += (await collectGarbage(repo, 'acme', { graceSeconds: 0 })).packsDeleted;
      gcRuns++;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await done).toEqual([0, 0]);
    // How many retention passes ran while the writers wrote depends on machine load, so
    // finish retention now: older points go, and gc must then reclaim their unique data.
    const admin = await repo.openTenant('acme', { write: true });
    const ms = await admin.listManifests();
    for (const m of ms.slice(0, Math.max(0, ms.length - 2))) {
      await admin.deleteManifest(m.id);
      deletedManifests++;
    }
    await admin.close();
    for (let i = 0; i < 3; i++) packsDeleted += (await collectGarbage(repo, 'acme', { graceSeconds: 0 })).packsDeleted;
    expect(gcRuns).toBeGreaterThan(1);
    expect(packsDeleted).toBeGreaterThan(0);
    expect(deletedManifests).toBeGreaterThan(0);
    const reopened = await openLocal(dir);
    const remaining = (await (await reopened.openTenant('acme')).listManifests()).length;
    expect(remaining).toBeGreaterThan(0);
    expect(await verifyAll(reopened, 'acme')).toBe(remaining * 12);
    const report = await checkRepository(reopened, { readData: true });
    expect(report.errors).toEqual([]);
  });
});

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { HoldfastError } from '@holdfast/contracts';
import { Repository } from './repository';
import { collectGarbage } from './garbage-collector';
import { checkRepository } from './repository-checker';
import { repositoryStats } from './repository-stats';
import { LocalBackend } from '../backend/local.backend';
import { CHEAP_SCRYPT, collect, initLocal, openLocal, seededBytes, tempDir, TEST_PASSWORD } from '../testing/test-repo';
import { attachmentPool, buildMessage, mailSet } from '../testing/mail-generator';

// Per file: testTimeout in the project config does not apply when the root config runs all projects.
jest.setTimeout(120_000);

describe('Repository on a local folder', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  it('stores files, blobs and manifests and reads them back after reopening', async () => {
    const repo = await initLocal(dir);
    const t = await repo.openTenant('acme', { write: true });
    const big = seededBytes('big', 6_000_000);
    const file = await t.putFile(Readable.from([big.subarray(0, 1234), big.subarray(1234)]));
    const small = await t.putBlob(Buffer.from('{"hello":"world"}'));
    const empty = await t.putFile([]);
    expect(file.ref).toMatch(/^t:/);
    expect(small.ref).toMatch(/^c:/);
    const info = await t.writeManifest(
      (async function* () {
        yield { id: 'big', content: file.ref, size: file.size };
        yield { id: 'small', content: small.ref };
        yield { id: 'empty', content: empty.ref };
        yield { id: 'no-content', folder: 'Inbox' };
      })(),
      { labels: { object: 'mailbox:1' } },
    );
    await t.close();

    const again = await openLocal(dir);
    const r = await again.openTenant('acme');
    const items = [];
    for await (const i of r.readManifest(info.id)) items.push(i);
    expect(items.map((i) => i.id)).toEqual(['big', 'small', 'empty', 'no-content']);
    expect((await collect(r.openContent(items[0].content!))).equals(big)).toBe(true);
    expect((await r.readContent(items[1].content!)).toString()).toBe('{"hello":"world"}');
    expect((await r.readContent(items[2].content!)).length).toBe(0);
    expect(await r.listManifests()).toEqual([expect.objectContaining({ id: info.id, itemCount: 4, labels: { object: 'mailbox:1' } })]);
  });

  it('refuses a wrong password and a tenant it does not know', async () => {
    await initLocal(dir);
    await expect(Repository.open(new LocalBackend(dir), { password: 'nope' })).rejects.toMatchObject({ code: 'credentials_invalid' });
    const repo = await openLocal(dir);
    await expect(repo.openTenant('ghost')).rejects.toMatchObject({ code: 'not_found' });
    await expect(repo.openTenant('../etc')).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('deduplicates within a tenant and keeps tenants apart', async () => {
    const repo = await initLocal(dir);
    const a = await repo.openTenant('a', { write: true });
    const data = seededBytes('same', 3_000_000);
    const r1 = await a.putFile(data);
    const r2 = await a.putFile(data);
    expect(r2.ref).toBe(r1.ref);
    await a.writeManifest([{ id: '1', content: r1.ref }]);
    await a.close();
    const b = await repo.openTenant('b', { write: true });
    const rb = await b.putFile(data);
    expect(rb.ref).not.toBe(r1.ref); // keyed hash per tenant: no cross-tenant dedup or leak
    await b.writeManifest([{ id: '1', content: rb.ref }]);
    await b.close();
    const stats = await repositoryStats(repo);
    const ta = stats.tenants.find((x) => x.tenant === 'a')!;
    expect(ta.uniqueBytes).toBeLessThan(data.length * 1.01);
    expect((await repo.openTenant('a')).readContent(rb.ref)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('stores MIME messages byte for byte and a shared attachment once across mailboxes', async () => {
    const repo = await initLocal(dir);
    const pool = attachmentPool(3);
    const t = await repo.openTenant('acme', { write: true });
    const messages: Buffer[] = [];
    const refs: string[] = [];
    // the same attachment in 20 different mailboxes' messages
    let r = 1;
    const rnd = (): number => ((r = (r * 48271) % 2147483647) / 2147483647);
    for (let m = 0; m < 20; m++) {
      const msg = buildMessage(m, 0, [pool[0]], rnd);
      messages.push(msg);
      refs.push((await t.putMail(msg)).ref);
    }
    await t.writeManifest(refs.map((ref, i) => ({ id: `m${i}`, content: ref })));
    await t.close();
    const r2 = await (await openLocal(dir)).openTenant('acme');
    for (let i = 0; i < messages.length; i++) expect((await r2.readContent(refs[i])).equals(messages[i])).toBe(true);
    const withAttachment = messages.filter((m) => m.includes('attachment;')).length;
    expect(withAttachment).toBeGreaterThan(3);
    const stats = await repositoryStats(repo);
    // stored once: unique plaintext is far below the sum of the messages
    const total = messages.reduce((s, m) => s + m.length, 0);
    expect(stats.tenants[0].uniqueBytes).toBeLessThan(pool[0].data.length + total / 4);
  });

  it('round-trips a mailbox of generated messages and stays consistent for check', async () => {
    const repo = await initLocal(dir);
    const t = await repo.openTenant('acme', { write: true });
    const originals = new Map<string, Buffer>();
    const items: Array<{ id: string; content: string }> = [];
    for (const [m, n, msg] of mailSet({ mailboxes: 3, messagesPerMailbox: 30, poolSize: 5 })) {
      const id = `${m}/${n}`;
      originals.set(id, msg);
      items.push({ id, content: (await t.putMail(msg)).ref });
    }
    const man = await t.writeManifest(items);
    await t.close();
    const r = await repo.openTenant('acme');
    for await (const item of r.readManifest(man.id)) {
      expect((await r.readContent(item.content!)).equals(originals.get(item.id as string)!)).toBe(true);
    }
    const report = await checkRepository(repo, { readData: true });
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('streams large manifests in chunks', async () => {
    const repo = await initLocal(dir);
    const t = await repo.openTenant('acme', { write: true });
    const ref = (await t.putBlob(Buffer.from('x'))).ref;
    const man = await t.writeManifest(
      (function* () {
        for (let i = 0; i < 30_000; i++) yield { id: `item-${i}`, path: `/Inbox/${'sub/'.repeat(5)}${i}`, content: ref, size: 1 };
      })(),
    );
    await t.close();
    const r = await repo.openTenant('acme');
    let n = 0;
    for await (const item of r.readManifest(man.id)) expect(item.id).toBe(`item-${n++}`);
    expect(n).toBe(30_000);
  });

  it('rejects manifest items that reference missing content', async () => {
    const repo = await initLocal(dir);
    const t = await repo.openTenant('acme', { write: true });
    await expect(t.writeManifest([{ id: 'x', content: `c:${'0'.repeat(64)}` }])).rejects.toMatchObject({ code: 'not_found' });
    await expect(t.writeManifest([{ id: 'x', content: 'nonsense' }])).rejects.toMatchObject({ code: 'validation_failed' });
    await t.close();
  });

  it('rotates data keys and the master key without losing old data', async () => {
    const repo = await initLocal(dir);
    let t = await repo.openTenant('acme', { write: true });
    const old = await t.putFile(seededBytes('old', 100_000));
    await t.writeManifest([{ id: 'old', content: old.ref }]);
    await t.close();
    const before = await repo.listKeys();
    const rotated = await repo.rotateTenantKey('acme');
    expect(rotated.activeDataKeyId).not.toBe(before.tenants[0].activeDataKeyId);
    t = await repo.openTenant('acme', { write: true });
    const fresh = await t.putFile(seededBytes('new', 100_000));
    await t.writeManifest([{ id: 'new', content: fresh.ref }]);
    await t.close();
    const m = await repo.rotateMasterKey();
    expect(m.masterKeyId).not.toBe(before.masterKeyId);
    const reopened = await openLocal(dir);
    const keys = await reopened.listKeys();
    expect(keys.masterKeyId).toBe(m.masterKeyId);
    expect(keys.tenants[0].masterKeyId).toBe(m.masterKeyId);
    expect(keys.tenants[0].dataKeys).toHaveLength(2);
    const r = await reopened.openTenant('acme');
    expect((await r.readContent(old.ref)).equals(seededBytes('old', 100_000))).toBe(true);
    expect((await r.readContent(fresh.ref)).equals(seededBytes('new', 100_000))).toBe(true);
    expect((await checkRepository(reopened, { readData: true })).ok).toBe(true);
  });

  it('adds a second password', async () => {
    const repo = await initLocal(dir);
    await repo.addPassword('second secret', CHEAP_SCRYPT);
    const r2 = await Repository.open(new LocalBackend(dir), { password: 'second secret' });
    expect(r2.masterKeyId).toBe(repo.masterKeyId);
    expect((await Repository.open(new LocalBackend(dir), { password: TEST_PASSWORD })).masterKeyId).toBe(repo.masterKeyId);
  });

  it('crypto-shredding: destroying a tenant key makes its data unreadable, others unaffected', async () => {
    const repo = await initLocal(dir);
    const secret = Buffer.from('Quarterly numbers: top secret '.repeat(1000));
    const refs: Record<string, string> = {};
    for (const tenant of ['victim', 'bystander']) {
      const t = await repo.openTenant(tenant, { write: true });
      refs[tenant] = (await t.putFile(secret)).ref;
      await t.writeManifest([{ id: 'doc', content: refs[tenant] }], { retainUntil: new Date(Date.now() + 86_400_000) });
      await t.close();
    }
    await repo.destroyTenantKeys('victim');
    const reopened = await openLocal(dir);
    await expect(reopened.openTenant('victim')).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/destroyed/) });
    await expect(reopened.openTenant('victim', { write: true })).rejects.toMatchObject({ code: 'not_found' });
    // the locked packs are still there, but nothing in the repository can decrypt them
    const files: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await fs.readdir(d, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(path.join(d, e.name));
        else files.push(path.join(d, e.name));
      }
    };
    await walk(path.join(dir, 'tenants', 'victim'));
    expect(files.some((f) => f.includes('/packs/'))).toBe(true);
    for (const f of files) expect((await fs.readFile(f)).includes('top secret')).toBe(false);
    const b = await reopened.openTenant('bystander');
    expect((await b.readContent(refs.bystander)).equals(secret)).toBe(true);
  });

  it('locked recovery points cannot be deleted, and gc keeps their packs', async () => {
    const repo = await initLocal(dir);
    const t = await repo.openTenant('acme', { write: true });
    const ref = (await t.putFile(seededBytes('locked', 200_000))).ref;
    const until = new Date(Date.now() + 3_600_000);
    const m = await t.writeManifest([{ id: 'x', content: ref }], { retainUntil: until });
    await t.close();
    const r = await repo.openTenant('acme', { write: true });
    await expect(r.deleteManifest(m.id)).rejects.toMatchObject({ code: 'forbidden' });
    await r.close();
    // even direct deletes through the engine's backend are refused
    const packs: string[] = [];
    for await (const o of repo.backend.list('tenants/acme/packs/')) packs.push(o.key);
    await expect(repo.backend.delete(packs[0])).rejects.toBeInstanceOf(HoldfastError);
    await expect(repo.backend.delete(`tenants/acme/manifests/${m.id}`)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(repo.backend.delete(`retention/tenants/acme/manifests/${m.id}`)).rejects.toMatchObject({ code: 'forbidden' });
    // time travel past the lock: deletion works, and two gc runs remove the data
    const later = await openLocal(dir, { now: () => new Date(until.getTime() + 1000) });
    const w = await later.openTenant('acme', { write: true });
    await w.deleteManifest(m.id);
    await w.close();
    await collectGarbage(later, 'acme', { graceSeconds: 0 });
    const g2 = await collectGarbage(later, 'acme', { graceSeconds: 0 });
    expect(g2.packsDeleted).toBe(packs.length);
  });

  it('lockManifest extends retention on an existing recovery point', async () => {
    const repo = await initLocal(dir);
    const t = await repo.openTenant('acme', { write: true });
    const ref = (await t.putFile(seededBytes('x', 1000))).ref;
    const m = await t.writeManifest([{ id: 'x', content: ref }]);
    await t.lockManifest(m.id, new Date(Date.now() + 60_000));
    await expect(t.deleteManifest(m.id)).rejects.toMatchObject({ code: 'forbidden' });
    await t.close();
    const stats = await repositoryStats(repo);
    expect(stats.tenants[0].lockedObjects).toBeGreaterThanOrEqual(2);
  });
});

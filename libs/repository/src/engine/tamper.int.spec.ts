import { promises as fs } from 'node:fs';
import path from 'node:path';
import { checkRepository } from './repository-checker';
import { initLocal, openLocal, seededBytes, tempDir } from '../testing/test-repo';
import { mailSet } from '../testing/mail-generator';

// Per file: testTimeout in the project config does not apply when the root config runs all projects.
jest.setTimeout(120_000);

async function listFiles(root: string, sub: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(path.join(d, e.name));
      else out.push(path.relative(root, path.join(d, e.name)).split(path.sep).join('/'));
    }
  };
  await walk(path.join(root, sub));
  return out.sort();
}

describe('check finds a flipped byte anywhere', () => {
  let base: string;
  let cleanup: () => void;
  const copies: Array<() => void> = [];

  beforeAll(async () => {
    ({ dir: base, cleanup } = tempDir());
    const repo = await initLocal(base, { config: { packTargetBytes: 512 * 1024 } });
    const t = await repo.openTenant('acme', { write: true });
    const items = [];
    for (const [m, n, msg] of mailSet({ mailboxes: 2, messagesPerMailbox: 15, poolSize: 4 })) items.push({ id: `${m}/${n}`, content: (await t.putMail(msg)).ref });
    items.push({ id: 'file', content: (await t.putFile(seededBytes('f', 2_000_000))).ref });
    await t.writeManifest(items);
    await t.close();
    expect((await checkRepository(await openLocal(base), { readData: true })).ok).toBe(true);
  });
  afterAll(() => {
    cleanup();
    for (const c of copies) c();
  });

  async function flipAndCheck(key: string, position: (size: number) => number): Promise<string[]> {
    const { dir, cleanup: c } = tempDir('hf-tamper-');
    copies.push(c);
    await fs.cp(base, dir, { recursive: true });
    const file = path.join(dir, ...key.split('/'));
    const buf = await fs.readFile(file);
    const at = position(buf.length);
    buf[at] ^= 0x01 << (at % 8);
    await fs.writeFile(file, buf);
    let report;
    try {
      report = await checkRepository(await openLocal(dir), { readData: true });
    } catch (e) {
      return [(e as Error).message];
    }
    expect(report.ok).toBe(false);
    return report.errors.map((e) => `${e.object}: ${e.problem}`);
  }

  it('in every pack, at random offsets, in the header and in the trailer', async () => {
    const packs = await listFiles(base, 'tenants/acme/packs');
    expect(packs.length).toBeGreaterThan(1);
    for (const pack of packs) {
      for (const pos of [(n: number) => Math.floor(Math.random() * n), (n: number) => n - 1, (n: number) => n - 15, (n: number) => n - 40, () => 0]) {
        const errors = await flipAndCheck(pack, pos);
        expect(errors.some((e) => e.startsWith(pack))).toBe(true);
      }
    }
  });

  it('in index files, manifests, keyrings and retention records', async () => {
    for (const key of [...(await listFiles(base, 'tenants/acme/index')), ...(await listFiles(base, 'tenants/acme/manifests')), 'tenants/acme/keyring.json']) {
      for (const pos of [(n: number) => Math.floor(Math.random() * n), (n: number) => n - 1, (n: number) => Math.min(20, n - 1)]) {
        const errors = await flipAndCheck(key, pos);
        expect(errors.some((e) => e.includes(key))).toBe(true);
      }
    }
  });

  it('in the repository config', async () => {
    const errors = await flipAndCheck('holdfast-repo.json', (n) => Math.floor(n / 2));
    expect(errors.join('\n')).toMatch(/config/);
  });
});

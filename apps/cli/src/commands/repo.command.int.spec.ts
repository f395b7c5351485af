import { spawnSync } from 'node:child_process';
import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalBackend, Repository } from '@holdfast/repository';

// Per file: testTimeout in the project config does not apply when the root config runs all projects.
jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../../../..');

function cli(args: string[], env: Record<string, string | undefined> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/holdfast.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, HOLDFAST_REPO_PASSWORD: 'cli-test-password', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('holdfast repo', () => {
  let dir: string;
  beforeAll(() => {
    dir = path.join(mkdtempSync(path.join(tmpdir(), 'hf-cli-')), 'repo');
  });
  afterAll(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('init, stats, keys, gc and check with --json; check names a flipped byte and exits non-zero', async () => {
    const init = cli(['repo', 'init', '--repo', dir, '--json']);
    expect(init.code).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({ formatVersion: 1 });

    const repo = await Repository.open(new LocalBackend(dir), { password: 'cli-test-password' });
    const t = await repo.openTenant('acme', { write: true });
    const ref = (await t.putFile(Buffer.from('some file content '.repeat(5000)))).ref;
    await t.writeManifest([{ id: 'f', content: ref }]);
    await t.close();

    const stats = JSON.parse(cli(['repo', 'stats', '--repo', dir, '--json']).stdout);
    expect(stats.tenants[0]).toMatchObject({ tenant: 'acme', manifests: 1, items: 1 });
    const keys = JSON.parse(cli(['repo', 'keys', 'list', '--repo', dir, '--json']).stdout);
    expect(keys.tenants[0].tenant).toBe('acme');
    expect(JSON.stringify(keys)).not.toMatch(/wrapped/);
    expect(JSON.parse(cli(['repo', 'gc', '--repo', dir, '--json']).stdout).tenants[0]).toMatchObject({ tenant: 'acme', packsDeleted: 0 });

    const ok = cli(['repo', 'check', '--repo', dir, '--read-data', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).ok).toBe(true);

    const packDir = path.join(dir, 'tenants/acme/packs');
    const sub = (await fs.readdir(packDir))[0];
    const packName = (await fs.readdir(path.join(packDir, sub)))[0];
    const file = path.join(packDir, sub, packName);
    const buf = await fs.readFile(file);
    buf[10] ^= 0xff;
    await fs.writeFile(file, buf);
    const bad = cli(['repo', 'check', '--repo', dir, '--read-data', '--json']);
    expect(bad.code).toBe(3);
    const report = JSON.parse(bad.stdout);
    expect(report.ok).toBe(false);
    expect(report.errors.map((e: { object: string }) => e.object).join(' ')).toContain(`tenants/acme/packs/${sub}/${packName}`);
    const human = cli(['repo', 'check', '--repo', dir, '--read-data']);
    expect(human.code).toBe(3);
    expect(human.stdout).toContain(`DAMAGED tenants/acme/packs/${sub}/${packName}`);
  });

  it('takes the password from the environment, not a flag, and fails clearly without one', () => {
    const wrong = cli(['repo', 'stats', '--repo', dir, '--json'], { HOLDFAST_REPO_PASSWORD: 'wrong' });
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout).error.code).toBe('credentials_invalid');
    const none = cli(['repo', 'stats', '--repo', dir], { HOLDFAST_REPO_PASSWORD: '' });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/HOLDFAST_REPO_PASSWORD/);
    expect(cli(['repo', 'stats', '--repo', dir, '--password-insecure', 'cli-test-password'], { HOLDFAST_REPO_PASSWORD: '' }).code).toBe(0);
  });

  it('destroy-tenant needs an explicit confirmation', () => {
    const r = cli(['repo', 'keys', 'destroy-tenant', '--repo', dir, '--tenant', 'acme']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--yes-destroy-all-data-of-tenant acme/);
    const done = cli(['repo', 'keys', 'destroy-tenant', '--repo', dir, '--tenant', 'acme', '--yes-destroy-all-data-of-tenant', 'acme', '--json']);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toEqual({ tenant: 'acme', destroyed: true });
  });
});

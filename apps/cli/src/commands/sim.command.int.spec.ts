import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const CLI = path.join(ROOT, 'bin/holdfast.js');

function startCli(stateDir: string): Promise<{ child: ChildProcess; line: Record<string, string>; stdout: () => string }> {
  const child = spawn(process.execPath, [CLI, 'sim', 'start', '--state-dir', stateDir, '--users', '2', '--modules', '', '--throttle', 'off'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, line: JSON.parse(out.slice(0, nl)), stdout: () => out });
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}`)));
  });
}

const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });

describe('holdfast sim', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'holdfast-cli-sim-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('start prints exactly one JSON line, info reads it, and a restart on the same state dir keeps the credentials', async () => {
    const first = await startCli(dir);
    expect(Object.keys(first.line).sort()).toEqual(['authorityHost', 'caCertPath', 'clientId', 'clientSecret', 'controlUrl', 'graphBaseUrl', 'tenantId']);
    expect(first.line.graphBaseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0$/);
    const info = spawnSync(process.execPath, [CLI, 'sim', 'info', '--state-dir', dir, '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect(info.status).toBe(0);
    const parsed = JSON.parse(info.stdout.trim());
    expect(parsed.tenantId).toBe(first.line.tenantId);
    expect(parsed.tenants.map((t: { cloud: string }) => t.cloud)).toEqual(['global', 'usgov', 'usgovdod', 'china']);
    expect(await stop(first.child)).toBe(0);
    expect(first.stdout().trim().split('\n')).toHaveLength(1);
    const second = await startCli(dir);
    expect(second.line.clientSecret).toBe(first.line.clientSecret);
    expect(second.line.tenantId).toBe(first.line.tenantId);
    await stop(second.child);
  }, 90_000);

  it('rejects a bad --throttle value with a non-zero exit', () => {
    const r = spawnSync(process.execPath, [CLI, 'sim', 'start', '--state-dir', dir, '--throttle', 'sometimes'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--throttle/);
  }, 60_000);
});

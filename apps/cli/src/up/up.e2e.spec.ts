import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, testNamespace, testNatsUrl, type TestDatabase } from '@holdfast/testing';

const root = path.resolve(__dirname, '../../../..');
const cli = path.join(root, 'bin/holdfast.js');

interface Up {
  child: ChildProcess;
  first: { url: string; token: string };
  stdout: () => string;
  exited: Promise<number | null>;
  /** How it ended, with the end of its stderr, for a failure message that explains itself. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderrTail: string }>;
}

/** Starts `holdfast up --json` and resolves with its one line of JSON. */
function startUp(env: NodeJS.ProcessEnv, dataDir: string): Promise<Up> {
  const child = spawn(process.execPath, [cli, 'up', '--json', '--port', '0', '--data-dir', dataDir], {
    cwd: root,
    env: { ...process.env, HOLDFAST_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderrTail: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stderrTail: err.slice(-2000) })),
  );
  const exited = ended.then((e) => e.code);
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const first = JSON.parse(out.slice(0, nl)) as Up['first'] & { error?: { message: string } };
      if (first.error) reject(new Error(`holdfast up failed: ${first.error.message}\n${err}`));
      else resolve({ child, first, stdout: () => out, exited, ended });
    });
    void exited.then((code) => reject(new Error(`holdfast up exited (${code}) before printing: ${err}`)));
  });
}

function status(env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [cli, 'status', '--json'], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('holdfast up', () => {
  let db: TestDatabase;
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'hf-up-'));
    dirs.push(d);
    return d;
  };

  beforeAll(async () => {
    db = await createTestDatabase('hf_up');
  });
  afterAll(async () => {
    await db.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('runs every service on DATABASE_URL and NATS_URL, prints one JSON line, and stops cleanly', async () => {
    const namespace = testNamespace('up');
    const up = await startUp({ DATABASE_URL: db.url, NATS_URL: testNatsUrl(), HOLDFAST_NAMESPACE: namespace }, tempDir());
    try {
      expect(up.first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const ok = status({ HOLDFAST_URL: up.first.url, HOLDFAST_TOKEN: up.first.token });
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({
        namespace,
        bus: 'jetstream',
        database: { name: db.name },
        services: ['gateway', 'auth', 'inventory', 'scheduler', 'backup-worker', 'retention', 'catalog', 'recovery'],
      });
      const ready = await fetch(`${up.first.url}/ready`);
      expect(ready.status).toBe(200);

      const denied = spawnSync(process.execPath, [cli, 'status'], {
        cwd: root,
        env: { ...process.env, HOLDFAST_URL: up.first.url, HOLDFAST_TOKEN: 'hf_wrong' },
        encoding: 'utf8',
      });
      expect(denied.status).toBe(1);
      expect(denied.stderr).toContain('Invalid or revoked API token');
    } finally {
      up.child.kill('SIGTERM');
    }
    expect(await up.exited).toBe(0);
    expect(up.stdout().trim().split('\n')).toHaveLength(1);
  }, 240_000);

  it('falls back to an embedded Postgres and the in-process bus on a bare machine, keeping its token', async () => {
    const dataDir = tempDir();
    const bare = {
      DATABASE_URL: '',
      NATS_URL: '',
      HOLDFAST_UP_LOCAL_POSTGRES: 'postgres://postgres@127.0.0.1:9/postgres',
      HOLDFAST_UP_LOCAL_NATS: 'nats://127.0.0.1:9',
    };
    const up = await startUp(bare, dataDir);
    let token: string;
    try {
      token = up.first.token;
      const info = status({ HOLDFAST_URL: up.first.url, HOLDFAST_TOKEN: token });
      expect(info.code).toBe(0);
      expect(JSON.parse(info.stdout)).toMatchObject({ bus: 'in-process', namespace: 'holdfast', database: { name: 'holdfast' } });
      expect(JSON.parse(info.stdout).database.serverVersion).toMatch(/^18/);
    } finally {
      up.child.kill('SIGTERM');
    }
    expect(await up.exited).toBe(0);

    // a second start reuses the data folder: same database files, same token
    const again = await startUp(bare, dataDir);
    try {
      expect(again.first.token).toBe(token);
    } finally {
      again.child.kill('SIGTERM');
    }
    // exit code 0 after SIGTERM: a clean shutdown; the signal and stderr say why otherwise
    expect(await again.ended).toMatchObject({ code: 0, signal: null });
  }, 240_000);
});

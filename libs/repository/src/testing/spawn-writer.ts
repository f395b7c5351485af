import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');

export interface WriterProcess {
  readonly child: ChildProcess;
  readonly manifests: string[];
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  /** Resolves once `n` manifests were committed. */
  waitFor(n: number): Promise<void>;
}

export function spawnWriter(dir: string, tenant: string, rounds: number, seed: string): WriterProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/ts-run.js'), path.join(__dirname, 'writer.child.ts'), dir, tenant, String(rounds), seed], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const manifests: string[] = [];
  let err = '';
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const m = /^manifest (\S+)/.exec(line);
      if (m) manifests.push(m[1]);
      for (const w of waiters.filter((x) => manifests.length >= x.n)) w.resolve();
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    manifests,
    stderr: () => err,
    exited,
    waitFor: (n) =>
      manifests.length >= n
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ n, resolve });
            void exited.then((code) => reject(new Error(`writer exited (${code}) before ${n} manifests: ${err}`)));
          }),
  };
}

// Repository benchmark: Holdfast's engine vs restic on the same data, in the same run.
// (a) mail: mailboxes of .eml messages with attachments shared across mailboxes;
// (b) a file tree backed up twice with edits in between.
// Needs restic (Debian: apt-get install -y restic); installs it when running as root.
// The last line is: repo-bench: ingest_ratio=X size_ratio=Y restore_ratio=Z (ours / restic, mail set).
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalBackend, Repository, repositoryFixtures } from '@holdfast/repository';

const { mailSet, seededBytes } = repositoryFixtures;

const MAILBOXES = Number(process.env.BENCH_MAILBOXES ?? 50);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200);
const POOL = Number(process.env.BENCH_POOL ?? 60);
const TREE_MB = Number(process.env.BENCH_TREE_MB ?? 300);
const PASSWORD = 'bench-password';

function ensureRestic(): string {
  const found = spawnSync('sh', ['-c', 'command -v restic'], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  if (process.getuid?.() === 0) {
    console.log('restic not found: installing with apt-get (Debian package "restic")');
    spawnSync('apt-get', ['install', '-y', 'restic'], { stdio: 'inherit' });
    const again = spawnSync('sh', ['-c', 'command -v restic'], { encoding: 'utf8' }).stdout.trim();
    if (again) return again;
  }
  console.error('repo-bench: restic is required: apt-get install -y restic (CI: install it in the bench job before "npm run bench:repo")');
  process.exit(2);
}

async function du(dir: string): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else total += (await fs.stat(p)).size;
    }
  };
  await walk(dir);
  return total;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of (await fs.readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(p);
    }
  };
  await walk(dir);
  return out;
}

function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  return fn().then((r) => [r, Number(process.hrtime.bigint() - t0) / 1e9]);
}

function restic(restic: string, repo: string, args: string[]): void {
  execFileSync(restic, ['-r', repo, '--no-cache', '-q', ...args], { env: { ...process.env, RESTIC_PASSWORD: PASSWORD }, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function mapLimit<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

/**
 * Backs up every top-level folder of `src` as one recovery point, as the backup worker does:
 * items unchanged since the folder's previous recovery point (same size and modification time,
 * what restic compares too) are carried over from that manifest without reading them.
 */
async function oursBackup(repo: Repository, src: string, mail: boolean): Promise<void> {
  const t = await repo.openTenant('bench', { write: true });
  const previous = new Map<string, string>();
  for (const m of await t.listManifests()) previous.set(m.labels.object, m.id);
  const folders = (await fs.readdir(src)).sort();
  await mapLimit(folders, 4, async (folder) => {
    const files = await listFiles(path.join(src, folder));
    const before = new Map<string, { size: number; mtimeMs: number; content: string }>();
    const prevId = previous.get(folder);
    if (prevId) for await (const item of t.readManifest(prevId)) before.set(item.path as string, item as never);
    async function* items() {
      for (const f of files) {
        const rel = path.relative(src, f);
        const st = await fs.stat(f);
        const old = before.get(rel);
        if (old && old.size === st.size && old.mtimeMs === st.mtimeMs) {
          yield old;
          continue;
        }
        const data = await fs.readFile(f);
        const put = mail ? await t.putMail(data) : await t.putFile(data);
        yield { path: rel, size: put.size, mtimeMs: st.mtimeMs, content: put.ref };
      }
    }
    await t.writeManifest(items(), { labels: { object: folder } });
  });
  await t.close();
}

async function oursRestore(repo: Repository, target: string, since?: string): Promise<void> {
  const t = await repo.openTenant('bench');
  const manifests = (await t.listManifests()).filter((m) => !since || m.id > since);
  await mapLimit(manifests, 4, async (m) => {
    for await (const item of t.readManifest(m.id)) {
      const out = path.join(target, item.path as string);
      await fs.mkdir(path.dirname(out), { recursive: true });
      const fh = await fs.open(out, 'w');
      let batch: Buffer[] = [];
      let batched = 0;
      for await (const chunk of t.contentChunks(item.content as string)) {
        batch.push(chunk);
        batched += chunk.length;
        if (batched >= 1 << 20) {
          await fh.writev(batch);
          batch = [];
          batched = 0;
        }
      }
      if (batch.length) await fh.writev(batch);
      await fh.close();
    }
  });
}

async function sameTree(a: string, b: string): Promise<boolean> {
  const fa = (await listFiles(a)).map((f) => path.relative(a, f));
  const fb = (await listFiles(b)).map((f) => path.relative(b, f));
  if (fa.join('\n') !== fb.join('\n')) return false;
  for (const f of fa) if (!(await fs.readFile(path.join(a, f))).equals(await fs.readFile(path.join(b, f)))) return false;
  return true;
}

async function generateMail(dir: string): Promise<number> {
  let bytes = 0;
  for (const [m, n, msg] of mailSet({ mailboxes: MAILBOXES, messagesPerMailbox: MESSAGES, poolSize: POOL })) {
    const d = path.join(dir, `mailbox-${String(m).padStart(3, '0')}`);
    if (n === 0) await fs.mkdir(d, { recursive: true });
    await fs.writeFile(path.join(d, `${String(n).padStart(5, '0')}.eml`), msg);
    bytes += msg.length;
  }
  return bytes;
}

/** A OneDrive-like tree: documents (compressible), media (not), a few large files. */
async function generateTree(dir: string, edit: boolean): Promise<number> {
  let bytes = 0;
  const target = TREE_MB * 1024 * 1024;
  for (let i = 0; bytes < target; i++) {
    const folder = path.join(dir, `user-${i % 8}`, `folder-${i % 5}`);
    await fs.mkdir(folder, { recursive: true });
    const size = i % 25 === 0 ? 12_000_000 : 20_000 + ((i * 7919) % 2_000_000);
    let data: Buffer = i % 3 === 0 ? Buffer.from('quarterly figures and meeting notes, revision 1. '.repeat(Math.ceil(size / 50)).slice(0, size)) : seededBytes(`tree-${i}`, size);
    if (edit && i % 10 === 0) {
      // an edit in the middle of every tenth file
      const at = Math.floor(data.length / 2);
      data = Buffer.concat([data.subarray(0, at), Buffer.from(`edited ${i}`), data.subarray(at + 100)]);
    }
    // the second run rewrites only the edited files; the others keep their size and mtime
    if (!edit || i % 10 === 0) await fs.writeFile(path.join(folder, `file-${i}.bin`), data);
    bytes += data.length;
  }
  if (edit) {
    for (let k = 0; k < 10; k++) {
      const d = seededBytes(`new-${k}`, 500_000);
      await fs.writeFile(path.join(dir, 'user-0', `new-${k}.bin`), d);
      bytes += d.length;
    }
  }
  return bytes;
}

async function main(): Promise<void> {
  const resticBin = ensureRestic();
  const work = mkdtempSync(path.join(tmpdir(), 'hf-bench-'));
  const fmt = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;
  try {
    // ---------------- (a) mail
    const mailDir = path.join(work, 'mail');
    const mailBytes = await generateMail(mailDir);
    console.log(`mail set: ${MAILBOXES} mailboxes x ${MESSAGES} messages, ${POOL} shared attachments, ${fmt(mailBytes)}`);
    const oursRepo = path.join(work, 'ours-mail');
    const repo = await Repository.init(new LocalBackend(oursRepo), { password: PASSWORD });
    const [, oursIngest] = await timed(() => oursBackup(repo, mailDir, true));
    const oursSize = await du(oursRepo);
    const [, oursRestoreT] = await timed(() => oursRestore(repo, path.join(work, 'ours-mail-restore')));
    if (!(await sameTree(mailDir, path.join(work, 'ours-mail-restore')))) throw new Error('holdfast restore differs from the source');
    const resticRepo = path.join(work, 'restic-mail');
    restic(resticBin, resticRepo, ['init']);
    const [, resticIngest] = await timed(async () => restic(resticBin, resticRepo, ['backup', '.', '--host', 'bench'].map((a) => (a === '.' ? mailDir : a))));
    const resticSize = await du(resticRepo);
    const [, resticRestoreT] = await timed(async () => restic(resticBin, resticRepo, ['restore', 'latest', '--target', path.join(work, 'restic-mail-restore')]));
    console.log(`mail  ingest: ours ${oursIngest.toFixed(2)} s (${fmt(mailBytes / oursIngest)}/s), restic ${resticIngest.toFixed(2)} s (${fmt(mailBytes / resticIngest)}/s)`);
    console.log(`mail  size:   ours ${fmt(oursSize)}, restic ${fmt(resticSize)} (source ${fmt(mailBytes)})`);
    console.log(`mail  restore: ours ${oursRestoreT.toFixed(2)} s, restic ${resticRestoreT.toFixed(2)} s`);
    await fs.rm(path.join(work, 'restic-mail-restore'), { recursive: true, force: true });
    await fs.rm(path.join(work, 'ours-mail-restore'), { recursive: true, force: true });

    // ---------------- (b) file tree, two runs with edits
    const treeDir = path.join(work, 'tree');
    const tree1 = await generateTree(treeDir, false);
    const oursTree = path.join(work, 'ours-tree');
    const repo2 = await Repository.init(new LocalBackend(oursTree), { password: PASSWORD });
    const resticTree = path.join(work, 'restic-tree');
    restic(resticBin, resticTree, ['init']);
    const [, o1] = await timed(() => oursBackup(repo2, treeDir, false));
    const [, r1] = await timed(async () => restic(resticBin, resticTree, ['backup', treeDir, '--host', 'bench']));
    const firstIds = (await (await repo2.openTenant('bench')).listManifests()).map((m) => m.id).sort();
    const tree2 = await generateTree(treeDir, true);
    const [, o2] = await timed(() => oursBackup(repo2, treeDir, false));
    const [, r2] = await timed(async () => restic(resticBin, resticTree, ['backup', treeDir, '--host', 'bench']));
    const oursTreeSize = await du(oursTree);
    const resticTreeSize = await du(resticTree);
    const [, oR] = await timed(() => oursRestore(repo2, path.join(work, 'ours-tree-restore'), firstIds[firstIds.length - 1]));
    const [, rR] = await timed(async () => restic(resticBin, resticTree, ['restore', 'latest', '--target', path.join(work, 'restic-tree-restore')]));
    if (!(await sameTree(treeDir, path.join(work, 'ours-tree-restore')))) throw new Error('holdfast tree restore differs from the source');
    console.log(`tree  (${fmt(tree1)} then ${fmt(tree2)} with edits)`);
    console.log(`tree  ingest: ours ${o1.toFixed(2)} + ${o2.toFixed(2)} s, restic ${r1.toFixed(2)} + ${r2.toFixed(2)} s`);
    console.log(`tree  size:   ours ${fmt(oursTreeSize)}, restic ${fmt(resticTreeSize)}`);
    console.log(`tree  restore: ours ${oR.toFixed(2)} s, restic ${rR.toFixed(2)} s`);
    console.log(`tree  ratios (ours / restic): ingest=${((o1 + o2) / (r1 + r2)).toFixed(2)} size=${(oursTreeSize / resticTreeSize).toFixed(2)} restore=${(oR / rR).toFixed(2)}`);
    console.log(`mail  ratios (ours / restic): ingest=${(oursIngest / resticIngest).toFixed(2)} size=${(oursSize / resticSize).toFixed(2)} restore=${(oursRestoreT / resticRestoreT).toFixed(2)}`);
    console.log(`repo-bench: ingest_ratio=${(oursIngest / resticIngest).toFixed(2)} size_ratio=${(oursSize / resticSize).toFixed(2)} restore_ratio=${(oursRestoreT / resticRestoreT).toFixed(2)}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

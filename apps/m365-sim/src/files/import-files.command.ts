import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { SimCliCommand, SimContext } from '../framework/sim-types';
import { filesAccessFor } from './files-access-registry';
import { mimeTypeFor } from './generation/drive-generator';
import { userRef } from './files-state';

/**
 * `import-files --state-dir DIR --user UPN --path PATH [--tenant T] SOURCE_DIR`: copies a local
 * folder tree into a user's OneDrive below PATH, byte for byte. With a running simulator the
 * files go through its control API (the server owns the journal); otherwise the state dir
 * is opened offline and the journal written directly.
 */
interface Args {
  stateDir: string;
  user: string;
  dest: string;
  tenant?: string;
  source: string;
}

function parse(argv: string[]): Args {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
      else flags[a.slice(2)] = argv[++i] ?? '';
    } else positional.push(a);
  }
  const need = (k: string) => {
    if (!flags[k]) throw new Error(`import-files: --${k} is required`);
    return flags[k];
  };
  if (positional.length !== 1) throw new Error('import-files: give exactly one source directory');
  const source = path.resolve(positional[0]);
  if (!existsSync(source) || !statSync(source).isDirectory()) throw new Error(`import-files: ${source} is not a directory`);
  return { stateDir: path.resolve(need('state-dir')), user: need('user'), dest: flags.path ?? '/', tenant: flags.tenant, source };
}

/** Files and (empty) folders below a directory, as relative path parts. */
function walk(dir: string, rel: string[] = []): Array<{ parts: string[]; file: boolean; abs: string }> {
  const out: Array<{ parts: string[]; file: boolean; abs: string }> = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) {
      out.push({ parts: [...rel, e.name], file: false, abs });
      out.push(...walk(abs, [...rel, e.name]));
    } else if (e.isFile()) out.push({ parts: [...rel, e.name], file: true, abs });
  }
  return out;
}

function liveServer(stateDir: string): { controlUrl: string; caCertPath: string } | undefined {
  const f = path.join(stateDir, 'server.json');
  if (!existsSync(f)) return undefined;
  const s = JSON.parse(readFileSync(f, 'utf8')) as { pid: number; controlUrl: string; caCertPath: string };
  try {
    process.kill(s.pid, 0);
    return s;
  } catch {
    return undefined;
  }
}

function post(url: string, ca: Buffer, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca, headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Imports into an opened (offline) simulator. Returns the number of files. */
export function importOffline(sim: SimContext, a: Omit<Args, 'stateDir'>): number {
  const fa = filesAccessFor(sim);
  const tenant = a.tenant ? sim.world.tenant(a.tenant) : sim.world.tenants()[0];
  if (!tenant) throw new Error(`import-files: no tenant ${a.tenant}`);
  const user = sim.world.user(tenant, a.user);
  if (!user) throw new Error(`import-files: no user ${a.user}`);
  const store = fa.userDrive(tenant, user.id);
  const by = userRef(user);
  const base = a.dest.split('/').filter(Boolean);
  let n = 0;
  fa.ensureFolders(tenant, store, store.root.id, base, by);
  for (const e of walk(a.source)) {
    if (!e.file) fa.ensureFolders(tenant, store, store.root.id, [...base, ...e.parts], by);
    else {
      const name = e.parts[e.parts.length - 1];
      fa.importFile(tenant, store, [...base, ...e.parts.slice(0, -1)], name, readFileSync(e.abs), by, mimeTypeFor(name));
      n++;
    }
  }
  return n;
}

export const importFilesCommand: SimCliCommand = {
  description: 'import-files --state-dir DIR --user UPN --path PATH [--tenant T] SOURCE_DIR: copy a local folder tree into a OneDrive',
  run: async (argv, io) => {
    const a = parse(argv);
    const server = liveServer(a.stateDir);
    let n = 0;
    if (server) {
      const ca = readFileSync(server.caCertPath);
      const base = a.dest.split('/').filter(Boolean);
      for (const e of walk(a.source)) {
        const target = [...base, ...e.parts].join('/');
        const q = new URLSearchParams({ user: a.user, path: target, kind: e.file ? 'file' : 'folder' });
        if (a.tenant) q.set('tenant', a.tenant);
        const r = await post(`${server.controlUrl}/files/import?${q}`, ca, e.file ? readFileSync(e.abs) : Buffer.alloc(0));
        if (r.status >= 300) throw new Error(`import-files: ${target}: ${r.status} ${r.text}`);
        if (e.file) n++;
      }
    } else {
      const sim = await io.openSim(a.stateDir);
      n = importOffline(sim, a);
    }
    process.stdout.write(JSON.stringify({ imported: n, user: a.user, path: a.dest, online: !!server }) + '\n');
    return 0;
  },
};

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { SimCliCommand } from '../framework/sim-types';
import { exchangeFor } from './exchange-registry';
import { ensureFolderPath, importEml } from './exchange.control';

/**
 * `import-eml --state-dir DIR --user UPN --folder PATH [--tenant T] FILE_OR_DIR...`: .eml files into
 * a mailbox folder (created if missing), bytes kept exactly. A running simulator owns its journal,
 * so then each file goes through its control API; otherwise the state dir is written offline.
 */
interface Args {
  stateDir: string;
  user: string;
  folder: string;
  tenant?: string;
  files: string[];
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
    if (!flags[k]) throw new Error(`import-eml: --${k} is required`);
    return flags[k];
  };
  if (!positional.length) throw new Error('import-eml: give at least one .eml file or directory');
  const files: string[] = [];
  for (const p of positional.map((x) => path.resolve(x))) {
    if (!existsSync(p)) throw new Error(`import-eml: ${p} does not exist`);
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) if (/\.eml$/i.test(f) && statSync(path.join(p, f)).isFile()) files.push(path.join(p, f));
    } else files.push(p);
  }
  return { stateDir: path.resolve(need('state-dir')), user: need('user'), folder: need('folder'), tenant: flags.tenant, files };
}

function liveServer(stateDir: string): { controlUrl: string; caCertPath: string; tenantId: string } | undefined {
  const f = path.join(stateDir, 'server.json');
  if (!existsSync(f)) return undefined;
  const s = JSON.parse(readFileSync(f, 'utf8'));
  try {
    process.kill(s.pid, 0);
    return s;
  } catch {
    return undefined;
  }
}

function post(url: string, ca: Buffer, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'POST', ca, headers: { 'Content-Type': 'message/rfc822', 'Content-Length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const importEmlCommand: SimCliCommand = {
  description: 'import-eml --state-dir DIR --user UPN --folder PATH [--tenant T] FILE_OR_DIR...: .eml files into a mailbox folder, bytes kept exactly',
  run: async (argv, io) => {
    const a = parse(argv);
    const server = liveServer(a.stateDir);
    const imported: unknown[] = [];
    if (server) {
      const ca = readFileSync(server.caCertPath);
      const tenant = a.tenant ?? server.tenantId;
      for (const file of a.files) {
        const url = `${server.controlUrl}/exchange/tenants/${encodeURIComponent(tenant)}/mailboxes/${encodeURIComponent(a.user)}/import-eml?folder=${encodeURIComponent(a.folder)}`;
        const r = await post(url, ca, readFileSync(file));
        if (r.status >= 300) throw new Error(`import-eml: ${file}: ${r.status} ${r.text}`);
        imported.push({ file, ...JSON.parse(r.text) });
      }
    } else {
      if (!existsSync(path.join(a.stateDir, 'sim.json'))) throw new Error(`import-eml: ${a.stateDir} is not a simulator state dir (start the simulator on it once)`);
      const sim = await io.openSim(a.stateDir);
      const x = exchangeFor(sim);
      const tenant = a.tenant ? sim.world.tenant(a.tenant) : sim.world.tenants()[0];
      if (!tenant) throw new Error(`import-eml: no tenant ${a.tenant}`);
      const { mb } = x.mailboxOf(tenant, a.user);
      const folder = ensureFolderPath(x, tenant, mb, a.folder);
      for (const file of a.files) imported.push({ file, ...(await importEml(x, tenant, mb, folder, readFileSync(file))) });
    }
    process.stdout.write(JSON.stringify({ imported: imported.length, user: a.user, folder: a.folder, online: !!server, messages: imported }) + '\n');
    return 0;
  },
};

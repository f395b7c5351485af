/**
 * m365-sim entry point: `start` serves the simulator; `info` / `metrics` read a state dir or a
 * running server; other subcommands come from modules (`cli` of each SimModule).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Sim, discoverModules, type StartOptions } from './framework/sim-server';
import type { FaultKind } from './framework/faults';

const USAGE = `usage: main.ts <command> [options]
  start --state-dir DIR [--port N] [--host H] [--seed N] [--users N] [--messages-per-user N]
        [--size key=value]... [--throttle off|realistic] [--time-scale X]
        [--fault kind=rate]... [--fault-seed N] [--slow-ms N] [--modules a,b]
  info --state-dir DIR [--json]
  metrics --state-dir DIR [--json]
  <module command> ...   (${'${commands}'})`;

type Flags = Record<string, string[]>;

function parseFlags(argv: string[]): Flags {
  const out: Flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    let k: string;
    let v: string;
    if (eq > 0) {
      k = a.slice(2, eq);
      v = a.slice(eq + 1);
    } else {
      k = a.slice(2);
      v = argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
    }
    (out[k] ??= []).push(v);
  }
  return out;
}

const one = (f: Flags, k: string) => f[k]?.[f[k].length - 1];
const num = (f: Flags, k: string) => {
  const v = one(f, k);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${k} must be a number, got '${v}'`);
  return n;
};

export function startOptionsFrom(f: Flags): StartOptions & { port: number; host: string } {
  const stateDir = one(f, 'state-dir');
  if (!stateDir) throw new Error('--state-dir is required');
  const sizes: Record<string, number> = {};
  for (const kv of f.size ?? []) {
    const [k, v] = kv.split('=');
    if (!k || !Number.isFinite(Number(v))) throw new Error(`--size wants key=number, got '${kv}'`);
    sizes[k] = Number(v);
  }
  const throttle = one(f, 'throttle') ?? 'realistic';
  if (throttle !== 'off' && throttle !== 'realistic') throw new Error(`--throttle must be off or realistic, got '${throttle}'`);
  const rates: Partial<Record<FaultKind, number>> = {};
  for (const kv of f.fault ?? []) {
    const [k, v] = kv.split('=');
    rates[k as FaultKind] = Number(v);
  }
  const users = num(f, 'users');
  const mpu = num(f, 'messages-per-user');
  return {
    stateDir,
    port: num(f, 'port') ?? 0,
    host: one(f, 'host') ?? '127.0.0.1',
    seed: num(f, 'seed'),
    users,
    messagesPerUser: mpu,
    sizes,
    throttle,
    timeScale: num(f, 'time-scale') ?? 1,
    faults: Object.keys(rates).length ? { rates, seed: num(f, 'fault-seed') ?? 1, slowMs: num(f, 'slow-ms') ?? 1500 } : undefined,
    probe: f.probe !== undefined,
    modules: f.modules !== undefined ? ['directory', ...(one(f, 'modules') ?? '').split(',').filter((m) => m && m !== 'directory' && m !== 'true')] : undefined,
  };
}

async function start(argv: string[]): Promise<number> {
  const o = startOptionsFrom(parseFlags(argv));
  const sim = await Sim.open(o);
  const info = await sim.listen(o.port, o.host);
  // exactly one line of JSON on stdout once we serve
  process.stdout.write(JSON.stringify(info) + '\n');
  sim.log('m365-sim serving', { port: sim.port, contentBaseUrl: sim.content.baseUrl, modules: sim.modules.map((m) => m.name) });
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      sim.log('stopping', { signal: sig });
      sim.close().then(resolve, resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.stdin.on?.('end', () => undefined);
  });
  return 0;
}

async function readServer(stateDir: string): Promise<{ pid: number; controlUrl: string; caCertPath: string } | undefined> {
  const f = path.join(path.resolve(stateDir), 'server.json');
  if (!existsSync(f)) return undefined;
  const s = JSON.parse(readFileSync(f, 'utf8'));
  try {
    process.kill(s.pid, 0);
    return s;
  } catch {
    return undefined;
  }
}

async function controlGet(server: { controlUrl: string; caCertPath: string }, p: string): Promise<unknown> {
  const https = await import('node:https');
  const ca = readFileSync(server.caCertPath);
  return new Promise((resolve, reject) => {
    https
      .get(`${server.controlUrl}${p}`, { ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      })
      .on('error', reject);
  });
}

async function info(argv: string[], what: 'info' | 'metrics'): Promise<number> {
  const f = parseFlags(argv);
  const stateDir = one(f, 'state-dir');
  if (!stateDir) throw new Error('--state-dir is required');
  const server = await readServer(stateDir);
  let out: unknown;
  if (server) out = await controlGet(server, what === 'info' ? '/info' : '/metrics');
  else if (what === 'metrics') throw new Error(`no running simulator for ${stateDir}`);
  else {
    const cfg = path.join(path.resolve(stateDir), 'sim.json');
    if (!existsSync(cfg)) throw new Error(`${stateDir} is not a simulator state dir (no sim.json)`);
    const sim = await Sim.open({ stateDir, quiet: true });
    out = { running: false, ...sim.connectionInfo(), authorityHost: null, graphBaseUrl: null, controlUrl: null, caBundlePath: sim.tls.bundlePath, seed: sim.options.seed, sizes: sim.options.sizes, tenants: sim.world.tenants().map((t) => ({ id: t.id, name: t.name, cloud: t.cloud, users: t.users.size })) };
  }
  if (one(f, 'json') !== undefined) process.stdout.write(JSON.stringify(out) + '\n');
  else process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === 'start') return start(rest);
  if (cmd === 'info') return info(rest, 'info');
  if (cmd === 'metrics') return info(rest, 'metrics');
  const modules = discoverModules();
  const commands = new Map(modules.flatMap((m) => Object.entries(m.cli ?? {})));
  const c = cmd ? commands.get(cmd) : undefined;
  if (!c) {
    process.stderr.write(USAGE.replace('${commands}', [...commands.keys()].join(', ') || 'none') + '\n');
    return cmd === '--help' || cmd === 'help' ? 0 : 2;
  }
  return c.run(rest, { openSim: (stateDir: string) => Sim.open({ stateDir, quiet: true }) });
}

if (require.main === module || path.resolve(process.argv[1] ?? '') === __filename) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`m365-sim: ${(e as Error).message}\n`);
      if (process.env.HOLDFAST_DEBUG) process.stderr.write(String((e as Error).stack) + '\n');
      process.exitCode = 1;
    },
  );
}

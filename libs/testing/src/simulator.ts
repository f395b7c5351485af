/**
 * Starts the Microsoft 365 simulator (apps/m365-sim) as a child process for tests, and builds
 * the OFFICIAL clients (@azure/identity, @microsoft/microsoft-graph-client) pointed at it.
 *
 * Trust: NODE_EXTRA_CA_CERTS is read when a process starts, so the running test process trusts
 * the simulator's CA through client options (tlsOptions / fetch agent). Child processes get
 * `sim.childEnv` (NODE_EXTRA_CA_CERTS = system CAs + the simulator CA).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dns from 'node:dns';
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TokenCredential } from '@azure/identity';

const REPO_ROOT = path.resolve(__dirname, '../../..');

export interface StartSimulatorOptions {
  /** Reuse a state dir (same world after restart). Default: a fresh temp dir removed by stop(). */
  stateDir?: string;
  seed?: number;
  users?: number;
  messagesPerUser?: number;
  /** --size key=value */
  sizes?: Record<string, number>;
  throttle?: 'off' | 'realistic';
  timeScale?: number;
  /** --fault kind=rate, e.g. { '429': 0.2, reset: 0.05 } */
  faults?: Record<string, number>;
  faultSeed?: number;
  /** Load only these modules (directory is always loaded). */
  modules?: string[];
  /** TEST ONLY: framework probe routes (for the simulator's own tests). */
  probe?: boolean;
  /** Extra environment for the simulator process. */
  env?: Record<string, string>;
  /** Milliseconds to wait for the JSON line (default 60 s). */
  startTimeoutMs?: number;
}

export interface SimulatorConnection {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caCertPath: string;
  authorityHost: string;
  graphBaseUrl: string;
  controlUrl: string;
}

export interface SimulatorTenantInfo extends SimulatorConnection {
  name: string;
  cloud: 'global' | 'usgov' | 'usgovdod' | 'china';
  displayName: string;
  defaultDomain: string;
  cloudAuthorityHost: string;
  cloudGraphBaseUrl: string;
  graphScope: string;
  users: number;
  groups: number;
  adminUserPrincipalName: string;
}

export interface SimulatorInfo extends SimulatorConnection {
  port: number;
  caBundlePath: string;
  contentBaseUrl: string;
  seed: number;
  sizes: Record<string, number>;
  modules: string[];
  tenants: SimulatorTenantInfo[];
}

export interface RunningSimulator extends SimulatorConnection {
  port: number;
  stateDir: string;
  caPem: string;
  caBundlePath: string;
  contentBaseUrl: string;
  /** Environment for child processes that must trust the simulator. */
  childEnv: Record<string, string>;
  info: SimulatorInfo;
  /** Calls the control API (path after /_sim). Rejects on status >= 400 with the body. */
  control<T = any>(method: string, p: string, body?: unknown): Promise<T>;
  /** Tenant info by name ('contoso', 'fabrikamgov', 'northwinddod', 'woodgrovecn') or id. */
  tenant(nameOrId: string): SimulatorTenantInfo;
  /** Stops and starts again on the same state dir (new port; fields are updated in place). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Process stderr so far (logs). */
  logs(): string;
}

function startArgs(stateDir: string, o: StartSimulatorOptions): string[] {
  const args = [path.join(REPO_ROOT, 'bin/ts-run.js'), path.join(REPO_ROOT, 'apps/m365-sim/src/main.ts'), 'start', '--state-dir', stateDir, '--port', '0'];
  if (o.seed !== undefined) args.push('--seed', String(o.seed));
  if (o.users !== undefined) args.push('--users', String(o.users));
  if (o.messagesPerUser !== undefined) args.push('--messages-per-user', String(o.messagesPerUser));
  for (const [k, v] of Object.entries(o.sizes ?? {})) args.push('--size', `${k}=${v}`);
  args.push('--throttle', o.throttle ?? 'off');
  if (o.timeScale !== undefined) args.push('--time-scale', String(o.timeScale));
  for (const [k, v] of Object.entries(o.faults ?? {})) args.push('--fault', `${k}=${v}`);
  if (o.faultSeed !== undefined) args.push('--fault-seed', String(o.faultSeed));
  if (o.modules) args.push('--modules', o.modules.join(','));
  if (o.probe) args.push('--probe');
  return args;
}

function spawnSim(stateDir: string, o: StartSimulatorOptions): Promise<{ child: ChildProcess; conn: SimulatorConnection; stderr: () => string }> {
  const child = spawn(process.execPath, startArgs(stateDir, o), {
    cwd: REPO_ROOT,
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString('utf8');
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`simulator did not start within ${o.startTimeoutMs ?? 60000} ms: ${err.slice(-2000)}`));
    }, o.startTimeoutMs ?? 60_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        try {
          resolve({ child, conn: JSON.parse(out.slice(0, nl)), stderr: () => err });
        } catch (e) {
          reject(new Error(`simulator printed a bad line: ${out.slice(0, nl)}`));
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited with ${code} before serving: ${err.slice(-4000)}`));
    });
  });
}

/** Raw HTTPS call trusting the simulator CA. */
export function simRequest(
  url: string,
  ca: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer; json<T = any>(): T; text(): string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: init.method ?? 'GET', headers: init.headers, ca, agent: agentFor(ca) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')), text: () => body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

const agents = new Map<string, https.Agent>();
/** A keep-alive agent that trusts the simulator CA (and nothing else). */
export function agentFor(caPem: string): https.Agent {
  let a = agents.get(caPem);
  if (!a) {
    a = new https.Agent({ keepAlive: true, ca: caPem, maxSockets: 64 });
    agents.set(caPem, a);
  }
  return a;
}

export async function startSimulator(o: StartSimulatorOptions = {}): Promise<RunningSimulator> {
  const owned = !o.stateDir;
  const stateDir = o.stateDir ?? mkdtempSync(path.join(os.tmpdir(), 'holdfast-sim-'));
  let proc = await spawnSim(stateDir, o);
  const sim = {} as RunningSimulator;
  const fill = async () => {
    const caPem = readFileSync(proc.conn.caCertPath, 'utf8');
    const infoRes = await simRequest(`${proc.conn.controlUrl}/info`, caPem);
    const info = infoRes.json<SimulatorInfo>();
    Object.assign(sim, proc.conn, {
      port: info.port,
      stateDir,
      caPem,
      caBundlePath: info.caBundlePath,
      contentBaseUrl: info.contentBaseUrl,
      childEnv: { NODE_EXTRA_CA_CERTS: info.caBundlePath },
      info,
    });
  };
  await fill();
  sim.control = async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const r = await simRequest(`${sim.controlUrl}${p.startsWith('/') ? p : `/${p}`}`, sim.caPem, {
      method,
      headers: body !== undefined ? { 'Content-Type': 'application/json' } : {},
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    if (r.status >= 400) throw new Error(`control ${method} ${p}: ${r.status} ${r.text()}`);
    return (r.body.length ? r.json<T>() : (undefined as T));
  };
  sim.tenant = (key: string) => {
    const t = sim.info.tenants.find((x) => x.name === key || x.tenantId === key);
    if (!t) throw new Error(`no simulator tenant '${key}'`);
    return t;
  };
  sim.logs = () => proc.stderr();
  const stopProc = () =>
    new Promise<void>((resolve) => {
      if (proc.child.exitCode !== null) return resolve();
      proc.child.once('exit', () => resolve());
      proc.child.kill('SIGTERM');
      setTimeout(() => proc.child.kill('SIGKILL'), 5000).unref();
    });
  // Keep-alive sockets to the stopped server would answer "socket hang up" on reuse.
  const dropAgent = () => {
    agents.get(sim.caPem)?.destroy();
    agents.delete(sim.caPem);
  };
  sim.restart = async () => {
    await stopProc();
    dropAgent();
    proc = await spawnSim(stateDir, o);
    await fill();
  };
  sim.stop = async () => {
    await stopProc();
    dropAgent();
    if (owned) rmSync(stateDir, { recursive: true, force: true });
  };
  return sim;
}

/** Connection for one tenant (default: the primary one), optionally on the cloud's host names. */
export function tenantConnection(sim: RunningSimulator, tenant?: string, useCloudHosts = false): SimulatorConnection & { graphScope: string } {
  const t = tenant ? sim.tenant(tenant) : sim.info.tenants[0];
  return {
    ...t,
    authorityHost: useCloudHosts ? t.cloudAuthorityHost : t.authorityHost,
    graphBaseUrl: useCloudHosts ? t.cloudGraphBaseUrl : t.graphBaseUrl,
    graphScope: t.graphScope,
  };
}

/** ClientSecretCredential configured for the simulator (authorityHost, no instance discovery, CA). */
export function simulatorCredential(
  sim: RunningSimulator,
  o: { tenant?: string; clientId?: string; clientSecret?: string; useCloudHosts?: boolean } = {},
): TokenCredential {
   
  const { ClientSecretCredential } = require('@azure/identity') as typeof import('@azure/identity');
  const c = tenantConnection(sim, o.tenant, o.useCloudHosts);
  return new ClientSecretCredential(c.tenantId, o.clientId ?? c.clientId, o.clientSecret ?? c.clientSecret, {
    authorityHost: c.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: sim.caPem },
    retryOptions: { maxRetries: 0 },
  } as never);
}

/** Options every @azure/identity credential needs to reach the simulator. */
export function simulatorIdentityOptions(sim: RunningSimulator, o: { tenant?: string; useCloudHosts?: boolean } = {}): Record<string, unknown> {
  const c = tenantConnection(sim, o.tenant, o.useCloudHosts);
  return { authorityHost: c.authorityHost, disableInstanceDiscovery: true, tlsOptions: { ca: sim.caPem }, retryOptions: { maxRetries: 0 } };
}

/**
 * A final Graph SDK middleware that sends with node-fetch through an agent trusting the
 * simulator CA. (Node 20's built-in fetch ignores `agent`, and NODE_EXTRA_CA_CERTS is read
 * only at process start, so in-process tests need this; child processes use sim.childEnv.)
 */
export function caTrustingFetchHandler(caPem: string): { execute(context: any): Promise<void>; setNext(): void } {
   
  const nodeFetch = require('node-fetch') as (url: string, init: Record<string, unknown>) => Promise<unknown>;
  const agent = agentFor(caPem);
  return {
    async execute(context: any) {
      context.response = await nodeFetch(context.request, { ...context.options, agent });
    },
    setNext() {
      /* last in the chain */
    },
  };
}

/**
 * @microsoft/microsoft-graph-client Client for the simulator: baseUrl, customHosts (the bare
 * host name, so the SDK sends the token there), the SDK's default middleware chain with its
 * last handler sending through a CA-trusting agent.
 */
export function simulatorGraphClient(
  sim: RunningSimulator,
  o: { credential?: TokenCredential; tenant?: string; useCloudHosts?: boolean; scopes?: string[]; retry?: boolean } = {},
): import('@microsoft/microsoft-graph-client').Client {
   
  const g = require('@microsoft/microsoft-graph-client') as typeof import('@microsoft/microsoft-graph-client');
   
  const { TokenCredentialAuthenticationProvider } = require('@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials');
  const c = tenantConnection(sim, o.tenant, o.useCloudHosts);
  const credential = o.credential ?? simulatorCredential(sim, { tenant: o.tenant, useCloudHosts: o.useCloudHosts });
  const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: o.scopes ?? [c.graphScope] });
  const chain = g.MiddlewareFactory.getDefaultMiddlewareChain(authProvider) as any[];
  chain[chain.length - 1] = caTrustingFetchHandler(sim.caPem);
  if (o.retry === false) chain.splice(chain.findIndex((m) => m instanceof g.RetryHandler), 1);
  const base = new URL(c.graphBaseUrl);
  return g.Client.initWithMiddleware({
    baseUrl: `${base.origin}/`,
    defaultVersion: 'v1.0',
    customHosts: new Set([base.hostname]),
    middleware: chain as never,
  });
}

export const NATIONAL_CLOUD_HOSTS = [
  'login.microsoftonline.com',
  'graph.microsoft.com',
  'login.microsoftonline.us',
  'graph.microsoft.us',
  'dod-graph.microsoft.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
  'microsoftgraph.chinacloudapi.cn',
];

/**
 * Makes these host names resolve to 127.0.0.1 in THIS process (patches dns.lookup, which
 * net/tls/https use). Returns a function that undoes it.
 */
export function mapHostsToLoopback(hosts: string[] = NATIONAL_CLOUD_HOSTS): () => void {
  const names = new Set(hosts.map((h) => h.toLowerCase()));
  const original = dns.lookup;
  const patched = function (hostname: string, options: any, callback?: any) {
    if (typeof options === 'function') {
      callback = options;
      options = {};
    }
    if (names.has(String(hostname).toLowerCase())) {
      const opts = typeof options === 'number' ? { family: options } : options ?? {};
      if (opts.all) return process.nextTick(callback, null, [{ address: '127.0.0.1', family: 4 }]);
      return process.nextTick(callback, null, '127.0.0.1', 4);
    }
    return (original as any).call(dns, hostname, options, callback);
  } as typeof dns.lookup;
  (dns as any).lookup = patched;
  return () => {
    if (dns.lookup === patched) (dns as any).lookup = original;
  };
}

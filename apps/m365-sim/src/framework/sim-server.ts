/**
 * The simulator: state dir, world, modules, TLS listeners (Graph + identity host, content host),
 * the Graph pipeline (auth -> route -> permission -> faults -> throttle -> handler), $batch and
 * the control API under /_sim.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { ContentApi } from './content';
import { DeltaApi } from './delta';
import { FaultApi, type FaultSettings } from './faults';
import { GraphHttpError, graphErrorBody } from './graph-error';
import {
  SimResponse,
  bodyReader,
  compilePattern,
  matchPattern,
  normalisePath,
  parseJsonBody,
  parsePrefer,
  parseQuery,
  type CompiledPattern,
} from './http';
import { Metrics } from './metrics';
import { ODataApi, parseODataQuery } from './odata';
import { IMPLIED, type Permission } from './permissions';
import { ThrottleEngine, type ThrottleLimits } from './throttle';
import { World, CLOUDS, type TenantState, type CloudName } from './world';
import type {
  CallerApp,
  ContentRouteSpec,
  ControlRequest,
  ControlRouteSpec,
  FidelitySample,
  GraphRequest,
  GraphService,
  HttpMethod,
  MutationSpec,
  RouteSpec,
  SimContext,
  SimModule,
  SimOptions,
  ThrottleScope,
} from './sim-types';
import { ensureTls, pregenerateKeys, type TlsMaterial } from '../identity/tls';
import { TokenService } from '../identity/tokens';
import { IdentityService } from '../identity/identity.service';
import { seedTenants, type SimConfig } from '../directory/directory.seed';
import { runBatch } from './batch';
import { registerProbe } from './probe';

interface CompiledRoute<S> {
  spec: S;
  methods: Set<string>;
  pattern: CompiledPattern;
  module: string;
  /** registration order (first registered match wins) */
  order?: number;
}

/** First path segment of a string pattern when it is a literal, else undefined. */
function firstLiteral(path: string | RegExp): string | undefined {
  if (typeof path !== 'string') return undefined;
  const seg = path.replace(/^\/+/, '').split('/')[0];
  return seg && !seg.startsWith(':') && !seg.startsWith('*') ? seg.toLowerCase() : undefined;
}

export interface ConnectionInfo {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caCertPath: string;
  authorityHost: string;
  graphBaseUrl: string;
  controlUrl: string;
}

export interface StartOptions {
  stateDir: string;
  port?: number;
  host?: string;
  seed?: number;
  users?: number;
  messagesPerUser?: number;
  sizes?: Record<string, number>;
  throttle?: 'off' | 'realistic';
  timeScale?: number;
  faults?: Partial<FaultSettings>;
  /** Only load these modules (default: all discovered). */
  modules?: string[];
  /** TEST ONLY: register the framework probe routes (framework/probe.ts). */
  probe?: boolean;
  quiet?: boolean;
}

const DENIED: Record<GraphService, { code: string; message: string }> = {
  directory: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' },
  outlook: { code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' },
  sharepoint: { code: 'accessDenied', message: 'Either scp or roles claim need to be present in the token.' },
  teams: { code: 'Forbidden', message: 'Missing role permissions on the request. API requires one of the application permissions.' },
  generic: { code: 'Forbidden', message: 'Missing role permissions on the request.' },
};

/** Discovers `src/<name>/<name>.module.ts` files exporting `simModule`. */
export function discoverModules(only?: string[]): SimModule[] {
  const srcDir = path.join(__dirname, '..');
  const found: SimModule[] = [];
  for (const d of readdirSync(srcDir, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    for (const ext of ['ts', 'js']) {
      const f = path.join(srcDir, d.name, `${d.name}.module.${ext}`);
      if (existsSync(f)) {
        const m = require(f).simModule as SimModule | undefined;
        if (m && (!only || only.includes(m.name))) found.push(m);
        break;
      }
    }
  }
  // topological order by dependsOn (default: directory first)
  const byName = new Map(found.map((m) => [m.name, m]));
  const out: SimModule[] = [];
  const seen = new Set<string>();
  const visit = (m: SimModule, stack: string[]) => {
    if (seen.has(m.name)) return;
    if (stack.includes(m.name)) throw new Error(`module dependency cycle: ${[...stack, m.name].join(' -> ')}`);
    const deps = m.dependsOn ?? (m.name === 'directory' ? [] : ['directory']);
    for (const d of deps) {
      const dm = byName.get(d);
      if (dm) visit(dm, [...stack, m.name]);
    }
    seen.add(m.name);
    out.push(m);
  };
  for (const m of [...found].sort((a, b) => a.name.localeCompare(b.name))) visit(m, []);
  return out;
}

export class Sim implements SimContext {
  readonly world: World;
  readonly odata: ODataApi;
  readonly delta: DeltaApi;
  readonly faults = new FaultApi();
  readonly content: ContentApi;
  readonly throttle: ThrottleEngine;
  readonly metrics = new Metrics();
  readonly tokens: TokenService;
  readonly identity: IdentityService;
  readonly modules: SimModule[];
  readonly routes: CompiledRoute<RouteSpec>[] = [];
  readonly contentRoutes: CompiledRoute<ContentRouteSpec>[] = [];
  readonly controlRoutes: CompiledRoute<ControlRouteSpec>[] = [];
  readonly mutations = new Map<string, MutationSpec & { module: string }>();
  readonly samples: (FidelitySample & { module: string })[] = [];
  private currentModule = 'core';
  private servers: https.Server[] = [];
  private sockets = new Set<Socket>();
  tls!: TlsMaterial;
  port = 0;
  contentPort = 0;
  host = '127.0.0.1';
  contentHost = '127.0.0.2';

  private constructor(
    readonly options: SimOptions,
    readonly config: SimConfig,
    private readonly quiet: boolean,
    only?: string[],
  ) {
    const key = Buffer.from(config.hmacKey, 'base64');
    this.world = new World(options.stateDir, options.seed, options.sizes);
    this.odata = new ODataApi(key);
    this.delta = new DeltaApi(this.odata);
    this.content = new ContentApi(key);
    this.throttle = new ThrottleEngine(options.throttle, options.timeScale);
    this.tokens = new TokenService(options.stateDir);
    this.identity = new IdentityService(this);
    this.modules = discoverModules(only);
  }

  /** Loads (or creates) the state dir, seeds the world, registers modules, replays the journal. */
  static async open(o: StartOptions): Promise<Sim> {
    const stateDir = path.resolve(o.stateDir);
    mkdirSync(stateDir, { recursive: true });
    const cfgPath = path.join(stateDir, 'sim.json');
    let config: SimConfig;
    if (existsSync(cfgPath)) {
      config = JSON.parse(readFileSync(cfgPath, 'utf8')) as SimConfig;
    } else {
      const sizes: Record<string, number> = { users: o.users ?? 25, messagesPerUser: o.messagesPerUser ?? 20, ...(o.sizes ?? {}) };
      config = {
        version: 1,
        seed: o.seed ?? 42,
        sizes,
        createdAt: new Date().toISOString(),
        hmacKey: randomBytes(32).toString('base64'),
        apps: {},
      };
    }
    const options: SimOptions = {
      stateDir,
      seed: config.seed,
      sizes: config.sizes,
      throttle: o.throttle ?? 'realistic',
      timeScale: o.timeScale ?? 1,
    };
    await pregenerateKeys(stateDir);
    const sim = new Sim(options, config, !!o.quiet, o.modules);
    if (o.seed !== undefined && o.seed !== config.seed) sim.log('state dir already seeded: keeping its seed', { stored: config.seed, asked: o.seed });
    sim.tls = ensureTls(stateDir);
    seedTenants(sim, config);
    writeFileSync(cfgPath, JSON.stringify(config, null, 2));
    sim.registerCore();
    if (o.probe) registerProbe(sim);
    for (const m of sim.modules) {
      sim.currentModule = m.name;
      m.register(sim);
    }
    for (const t of sim.world.tenants()) {
      for (const m of sim.modules) {
        sim.currentModule = m.name;
        m.seedTenant?.(sim, t);
      }
    }
    sim.currentModule = 'core';
    const n = sim.world.replay((msg) => sim.log(msg));
    if (n) sim.log('journal replayed', { entries: n });
    if (o.faults) sim.faults.configure(o.faults);
    return sim;
  }

  log(msg: string, fields: Record<string, unknown> = {}): void {
    if (this.quiet) return;
    process.stderr.write(JSON.stringify({ level: 'info', time: new Date().toISOString(), msg, ...fields }) + '\n');
  }

  // ------------------------------------------------------------ registration (SimContext)

  /** Routes by first literal segment; `generic` holds RegExp and parameter-first patterns. */
  private routeIndex = new Map<string, CompiledRoute<RouteSpec>[]>();
  private genericRoutes: CompiledRoute<RouteSpec>[] = [];

  route(spec: RouteSpec): void {
    const methods = new Set(Array.isArray(spec.method) ? spec.method : [spec.method]);
    const r: CompiledRoute<RouteSpec> = { spec, methods, pattern: compilePattern(spec.path), module: this.currentModule, order: this.routes.length };
    this.routes.push(r);
    const first = firstLiteral(spec.path);
    if (first === undefined) this.genericRoutes.push(r);
    else {
      const l = this.routeIndex.get(first) ?? [];
      l.push(r);
      this.routeIndex.set(first, l);
    }
  }

  /** Candidate routes for a path, in registration order. */
  private candidates(path: string): CompiledRoute<RouteSpec>[] {
    const seg = path.replace(/^\/+/, '').split('/')[0].toLowerCase();
    const a = this.routeIndex.get(seg) ?? [];
    const b = this.genericRoutes;
    if (!b.length) return a;
    if (!a.length) return b;
    const out: CompiledRoute<RouteSpec>[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      if (j >= b.length || (i < a.length && a[i].order! < b[j].order!)) out.push(a[i++]);
      else out.push(b[j++]);
    }
    return out;
  }

  contentRoute(spec: ContentRouteSpec): void {
    const methods = new Set(Array.isArray(spec.method) ? spec.method : [spec.method]);
    this.contentRoutes.push({ spec, methods, pattern: compilePattern(`/_content/${spec.path.replace(/^\//, '')}`), module: this.currentModule });
  }

  control(spec: ControlRouteSpec): void {
    const methods = new Set(Array.isArray(spec.method) ? spec.method : [spec.method]);
    this.controlRoutes.push({ spec, methods, pattern: compilePattern(`/_sim/${spec.path.replace(/^\//, '')}`), module: this.currentModule });
  }

  mutation<P>(spec: MutationSpec<P>): void {
    if (this.mutations.has(spec.name)) throw new Error(`mutation ${spec.name} registered twice`);
    this.mutations.set(spec.name, { ...spec, module: this.currentModule });
  }

  sample(sample: FidelitySample): void {
    this.samples.push({ ...sample, module: this.currentModule });
  }

  // ------------------------------------------------------------ listening

  /** Starts the HTTPS listeners and returns the connection details of the primary tenant. */
  async listen(port = 0, host = '127.0.0.1'): Promise<ConnectionInfo> {
    this.host = host;
    const main = this.createServer('graph');
    await new Promise<void>((resolve, reject) => {
      main.once('error', reject);
      main.listen(port, host, () => resolve());
    });
    this.port = (main.address() as AddressInfo).port;
    const content = this.createServer('content');
    const contentHost = host === '127.0.0.1' ? '127.0.0.2' : host;
    try {
      await this.listenOn(content, this.port, contentHost);
      this.contentHost = contentHost;
    } catch {
      try {
        await this.listenOn(content, 0, contentHost);
        this.contentHost = contentHost;
      } catch {
        await this.listenOn(content, 0, host);
        this.contentHost = 'localhost';
      }
    }
    this.contentPort = (content.address() as AddressInfo).port;
    this.content.baseUrl = `https://${this.contentHost}:${this.contentPort}`;
    this.servers.push(main, content);
    this.writeServerFile();
    return this.connectionInfo();
  }

  private listenOn(server: https.Server, port: number, host: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onErr = (e: Error) => reject(e);
      server.once('error', onErr);
      server.listen(port, host, () => {
        server.off('error', onErr);
        resolve();
      });
    });
  }

  private createServer(kind: 'graph' | 'content'): https.Server {
    const server = https.createServer({ key: this.tls.keyPem, cert: this.tls.certPem, keepAlive: true }, (req, res) => {
      const p = kind === 'graph' ? this.handle(req, res) : this.handleContent(req, res);
      p.catch((e) => {
        this.log('unhandled error', { error: String(e && (e as Error).stack) });
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(graphErrorBody('UnknownError', 'An internal server error occurred.', randomUUID())));
        } else res.destroy();
      });
    });
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 70_000;
    server.requestTimeout = 0;
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    return server;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    this.servers = [];
  }

  private writeServerFile(): void {
    writeFileSync(path.join(this.options.stateDir, 'server.json'), JSON.stringify({ pid: process.pid, ...this.connectionInfo(), port: this.port }, null, 2));
  }

  primaryTenant(): TenantState {
    return this.world.tenants()[0];
  }

  /** Connection details for a tenant (default: the primary, global cloud). */
  connectionInfo(tenant: TenantState = this.primaryTenant()): ConnectionInfo {
    const app = this.config.apps[tenant.name];
    const base = `https://${this.host}:${this.port}`;
    return {
      tenantId: tenant.id,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      caCertPath: this.tls.caPath,
      authorityHost: base,
      graphBaseUrl: `${base}/v1.0`,
      controlUrl: `${base}/_sim`,
    };
  }

  tenantInfo(t: TenantState): Record<string, unknown> {
    const cloud = CLOUDS[t.cloud];
    return {
      ...this.connectionInfo(t),
      name: t.name,
      cloud: t.cloud,
      displayName: t.displayName,
      defaultDomain: t.defaultDomain,
      cloudAuthorityHost: `https://${cloud.loginHosts[0]}:${this.port}`,
      cloudGraphBaseUrl: `https://${cloud.graphHost}:${this.port}/v1.0`,
      graphScope: `https://${cloud.graphHost}/.default`,
      users: t.users.size,
      groups: t.groups.size,
      adminUserPrincipalName: t.users.get(t.adminUserId)?.userPrincipalName,
    };
  }

  // ------------------------------------------------------------ dispatch

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const search = q < 0 ? '' : url.slice(q + 1);
    if (rawPath.startsWith('/_sim/') || rawPath === '/_sim') return this.handleControl(req, res, rawPath, search);
    const m = /^\/(v1\.0|beta)(\/.*)?$/i.exec(rawPath);
    if (m) return this.handleGraph(req, res, m[2] ?? '/', search, m[1]);
    return this.identity.handle(req, res, rawPath, search);
  }

  /** The Host header without port, lower case. */
  hostName(req: IncomingMessage): string {
    const h = (req.headers.host ?? this.host).toLowerCase();
    if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
    const i = h.lastIndexOf(':');
    return i > 0 ? h.slice(0, i) : h;
  }

  /** Cloud addressed by the Host header, or undefined for loopback names (any cloud). */
  cloudOfGraphHost(host: string): CloudName | undefined {
    for (const c of Object.values(CLOUDS)) if (c.graphHost === host) return c.name;
    return undefined;
  }

  private async handleGraph(req: IncomingMessage, res: ServerResponse, rawPath: string, search: string, version: string): Promise<void> {
    const requestId = randomUUID();
    const clientRequestId = (req.headers['client-request-id'] as string | undefined) ?? undefined;
    const host = req.headers.host ?? `${this.host}:${this.port}`;
    const baseUrl = `https://${host}/${version}`;
    const reader = bodyReader(req);
    this.metrics.enter();
    try {
      const out = new SimResponse(requestId, clientRequestId);
      let auth: { tenant: TenantState; app: CallerApp } | undefined;
      try {
        if (version.toLowerCase() !== 'v1.0') throw new GraphHttpError(400, 'BadRequest', 'The simulator serves v1.0 only.');
        auth = this.authenticate(req);
      } catch (e) {
        this.answerError(out, e);
        this.metrics.count('auth', out.status);
        this.commonHeaders(out, requestId, clientRequestId);
        await out.deliver(res);
        return;
      }
      const method = (req.method ?? 'GET').toUpperCase() as HttpMethod;
      const ctx = {
        requestId,
        clientRequestId,
        method,
        rawPath,
        search,
        headers: req.headers,
        baseUrl,
        body: reader.body,
        stream: reader.stream,
        inBatch: false,
      };
      const r = await this.dispatchGraph(ctx, auth, out);
      try {
        this.commonHeaders(out, requestId, clientRequestId);
        if (r.fault === 'reset') {
          req.socket.destroy();
          return;
        }
        await out.deliver(res, r.fault === 'truncate');
      } finally {
        r.release?.();
      }
    } finally {
      this.metrics.leave();
    }
  }

  private commonHeaders(out: SimResponse, requestId: string, clientRequestId?: string): void {
    out.headers['request-id'] ??= requestId;
    out.headers['client-request-id'] ??= clientRequestId ?? requestId;
    out.headers['x-ms-ags-diagnostic'] ??= '{"ServerInfo":{"DataCenter":"Simulated","Slice":"E","Ring":"5","ScaleUnit":"000","RoleInstance":"SIM"}}';
    out.headers['Strict-Transport-Security'] ??= 'max-age=31536000';
    out.headers['Cache-Control'] ??= 'no-cache';
  }

  private callerCache = new Map<string, CallerApp>();

  /** Verifies the bearer token for a Graph request. */
  authenticate(req: { headers: IncomingMessage['headers'] }): { tenant: TenantState; app: CallerApp } {
    const h = req.headers.authorization;
    if (!h || !/^Bearer\s+/i.test(h)) throw new GraphHttpError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    const token = h.replace(/^Bearer\s+/i, '').trim();
    const claims = this.tokens.verifyAccess(token);
    if (typeof claims === 'string') throw new GraphHttpError(401, 'InvalidAuthenticationToken', claims);
    const tenant = this.world.tenant(claims.tid);
    if (!tenant) throw new GraphHttpError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid tenant.');
    const hostName = ((req.headers.host as string | undefined) ?? '').toLowerCase().replace(/:\d+$/, '');
    const cloud = this.cloudOfGraphHost(hostName);
    if (cloud) {
      const want = `https://${CLOUDS[cloud].graphHost}`;
      if (claims.aud !== want && claims.aud !== `${want}/`) throw new GraphHttpError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
    }
    let app = this.callerCache.get(token);
    if (!app) {
      const roles = new Set<string>();
      for (const r of [...(claims.roles ?? []), ...(claims.scp ? claims.scp.split(' ') : [])]) {
        roles.add(r);
        for (const i of IMPLIED[r as Permission] ?? []) roles.add(i);
      }
      app = { appId: claims.appid, roles, servicePrincipalId: claims.oid };
      if (this.callerCache.size > 10_000) this.callerCache.clear();
      this.callerCache.set(token, app);
    }
    return { tenant, app };
  }

  private findRoute(method: string, path: string): { route?: CompiledRoute<RouteSpec>; params?: Record<string, string>; methodMismatch: boolean } {
    let methodMismatch = false;
    for (const r of this.candidates(path)) {
      const params = matchPattern(r.pattern, path);
      if (!params) continue;
      if (!r.methods.has(method) && !(method === 'HEAD' && r.methods.has('GET'))) {
        methodMismatch = true;
        continue;
      }
      for (const k of Object.keys(params)) {
        // a regex group that did not take part in the match stays absent, not "undefined"
        if (params[k] === undefined) {
          delete params[k];
          continue;
        }
        try {
          params[k] = decodeURIComponent(params[k]);
        } catch {
          /* already decoded */
        }
      }
      return { route: r, params, methodMismatch };
    }
    return { methodMismatch };
  }

  /**
   * Runs one Graph request (outside or inside $batch) through the pipeline. Returns the
   * transport fault to apply (reset/truncate), if any.
   */
  async dispatchGraph(
    c: {
      requestId: string;
      clientRequestId?: string;
      method: HttpMethod;
      rawPath: string;
      search: string;
      headers: IncomingMessage['headers'];
      baseUrl: string;
      body: () => Promise<Buffer>;
      stream: () => import('node:stream').Readable;
      inBatch: boolean;
    },
    auth: { tenant: TenantState; app: CallerApp },
    out: SimResponse,
  ): Promise<{ fault?: string; route?: string; release?: () => void }> {
    const path = normalisePath(c.rawPath);
    let kind = 'unmatched';
    let release: (() => void) | undefined;
    let fault: string | undefined;
    try {
      if (path === '/$batch' && c.method === 'POST') {
        kind = 'batch';
        await runBatch(this, c, auth, out);
        return {};
      }
      const found = this.findRoute(c.method, path);
      if (!found.route) {
        if (found.methodMismatch) throw new GraphHttpError(405, 'Request_BadRequest', `The requested resource does not support http method '${c.method}'.`);
        const seg = path.split('/').filter(Boolean).pop() ?? '';
        throw new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${seg}'.`);
      }
      const route = found.route;
      kind = route.spec.name;
      const query = parseQuery(c.search);
      const greq: GraphRequest = {
        requestId: c.requestId,
        clientRequestId: c.clientRequestId,
        method: c.method,
        path,
        params: found.params!,
        query,
        odata: parseODataQuery(query),
        headers: c.headers,
        prefer: parsePrefer(c.headers.prefer),
        tenant: auth.tenant,
        app: auth.app,
        baseUrl: c.baseUrl,
        inBatch: c.inBatch,
        body: c.body,
        json: async <T>() => parseJsonBody<T>(await c.body()),
        stream: c.stream,
      };
      const roles = route.spec.roles;
      if (roles && roles.length && !roles.some((r) => auth.app.roles.has(r))) {
        const d = DENIED[route.spec.service];
        throw new GraphHttpError(403, d.code, d.message);
      }
      fault = this.faults.pick(route.spec.name);
      if (fault === 'slow') await new Promise((r) => setTimeout(r, this.faults.current.slowMs));
      if (fault && /^\d+$/.test(fault)) {
        const status = Number(fault);
        this.metrics.faults[fault] = (this.metrics.faults[fault] ?? 0) + 1;
        if (status === 429 || status === 503) {
          const ra = (1 / this.throttle.scale).toFixed(3);
          throw new GraphHttpError(status, status === 429 ? 'TooManyRequests' : 'ServiceUnavailable', status === 429 ? 'Please retry again later.' : 'Service Unavailable', { 'Retry-After': ra }, String(status));
        }
        const msg: Record<number, [string, string]> = {
          500: ['InternalServerError', 'An internal server error occurred.'],
          502: ['BadGateway', 'Bad Gateway'],
          504: ['GatewayTimeout', 'The gateway did not receive a timely response.'],
        };
        throw new GraphHttpError(status, msg[status][0], msg[status][1]);
      }
      if (fault) this.metrics.faults[fault] = (this.metrics.faults[fault] ?? 0) + 1;
      const scopes = this.scopesFor(route.spec, greq);
      const licences = this.licenceCount(auth.tenant);
      const adm = this.throttle.admit(auth.app.appId, auth.tenant.id, licences, scopes);
      if (!adm.ok) {
        const e = new GraphHttpError(adm.status, adm.code, adm.message, adm.headers, String(adm.status));
        throw e;
      }
      release = adm.release;
      for (const [k, v] of Object.entries(adm.headers)) out.header(k, v);
      await route.spec.handler(greq, out);
      if (!out.sent) out.empty(204);
      if (!c.inBatch && out.body && !Buffer.isBuffer(out.body)) {
        // streamed body: the request stays "in flight" (concurrency) until delivered
        const r = release;
        release = undefined;
        return { fault, route: kind, release: r };
      }
      return { fault, route: kind };
    } catch (e) {
      this.answerError(out, e);
      return { fault: fault === 'reset' || fault === 'truncate' ? fault : undefined, route: kind };
    } finally {
      release?.();
      this.metrics.count(kind, out.status);
    }
  }

  private licenceCache = new Map<string, { n: number; at: number }>();

  licenceCount(t: TenantState): number {
    const hit = this.licenceCache.get(t.id);
    if (hit && Date.now() - hit.at < 5000) return hit.n;
    let n = 0;
    for (const u of t.users.values()) if (u.assignedLicenses.length) n++;
    this.licenceCache.set(t.id, { n, at: Date.now() });
    return n;
  }

  private scopesFor(spec: RouteSpec, req: GraphRequest): ThrottleScope[] {
    const s = spec.throttle?.(req);
    if (!s) return [];
    return Array.isArray(s) ? s : [s];
  }

  answerError(out: SimResponse, e: unknown): void {
    if (out.sent) return;
    if (e instanceof GraphHttpError) {
      for (const [k, v] of Object.entries(e.headers)) out.header(k, v);
      out.json(graphErrorBody(e.code, e.message, out.requestId, out.clientRequestId, e.innerCode), e.status);
      if (e.innerCode && (e.status === 429 || e.status === 503)) {
        const b = graphErrorBody(e.code, e.message, out.requestId, out.clientRequestId, e.innerCode) as any;
        b.error.innerError.status = e.innerCode;
        out.body = Buffer.from(JSON.stringify(b));
      }
      return;
    }
    this.log('handler error', { error: String((e as Error)?.stack ?? e) });
    out.json(graphErrorBody('UnknownError', 'An internal server error occurred.', out.requestId, out.clientRequestId), 500);
  }

  // ------------------------------------------------------------ content host

  private async handleContent(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const out = new SimResponse(requestId);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = normalisePath(q < 0 ? url : url.slice(0, q));
    const search = q < 0 ? '' : url.slice(q + 1);
    const method = (req.method ?? 'GET').toUpperCase() as HttpMethod;
    let kind = 'content.unmatched';
    const reader = bodyReader(req);
    let release: (() => void) | undefined;
    this.metrics.enter();
    try {
      const route = this.contentRoutes.find((r) => r.methods.has(method) && matchPattern(r.pattern, rawPath));
      if (!route) throw new GraphHttpError(404, 'itemNotFound', 'The resource could not be found.');
      kind = route.spec.name;
      if (req.headers.authorization) {
        throw new GraphHttpError(401, 'unauthenticated', 'Pre-authenticated URLs must be called without an Authorization header.');
      }
      const query = parseQuery(search);
      const creq = {
        requestId,
        method,
        path: rawPath,
        params: matchPattern(route.pattern, rawPath)!,
        query,
        headers: req.headers,
        baseUrl: this.content.baseUrl,
        body: reader.body,
        json: async <T>() => parseJsonBody<T>(await reader.body()),
        stream: reader.stream,
      };
      const th = route.spec.throttle?.(creq as never);
      if (th) {
        const t = this.world.tenant(th.tenantId);
        const adm = this.throttle.admit(th.appId, th.tenantId, t ? this.licenceCount(t) : 0, th.scopes);
        if (!adm.ok) throw new GraphHttpError(adm.status, adm.code, adm.message, adm.headers, String(adm.status));
        release = adm.release;
      }
      await route.spec.handler(creq as never, out);
      if (!out.sent) out.empty(204);
    } catch (e) {
      this.answerError(out, e);
    } finally {
      release?.();
      this.metrics.count(kind, out.status);
      this.metrics.leave();
    }
    await out.deliver(res);
  }

  // ------------------------------------------------------------ control API

  private async handleControl(req: IncomingMessage, res: ServerResponse, rawPath: string, search: string): Promise<void> {
    const out = new SimResponse(randomUUID());
    const method = (req.method ?? 'GET').toUpperCase() as HttpMethod;
    const path = normalisePath(rawPath);
    const reader = bodyReader(req);
    try {
      let matched: { r: CompiledRoute<ControlRouteSpec>; params: Record<string, string> } | undefined;
      for (const r of this.controlRoutes) {
        if (!r.methods.has(method)) continue;
        const params = matchPattern(r.pattern, path);
        if (params) {
          matched = { r, params };
          break;
        }
      }
      if (!matched) throw new GraphHttpError(404, 'NotFound', `No control route ${method} ${path}. GET /_sim lists them.`);
      const creq: ControlRequest = {
        method,
        path,
        params: matched.params,
        query: parseQuery(search),
        headers: req.headers,
        body: reader.body,
        json: async <T>() => {
          const b = await reader.body();
          return (b.length ? parseJsonBody<T>(b) : ({} as T)) as T;
        },
      };
      await matched.r.spec.handler(creq, out);
      if (!out.sent) out.empty(204);
    } catch (e) {
      this.answerError(out, e);
    }
    out.headers['Content-Type'] = out.headers['Content-Type']?.startsWith('application/json') ? 'application/json; charset=utf-8' : out.headers['Content-Type'];
    if (!out.headers['Content-Type']) delete out.headers['Content-Type'];
    await out.deliver(res);
  }

  /** The tenant named in a control path (id, name or domain) or 404. */
  controlTenant(key: string | undefined): TenantState {
    const t = key ? this.world.tenant(key) : this.primaryTenant();
    if (!t) throw new GraphHttpError(404, 'NotFound', `No tenant '${key}'.`);
    return t;
  }

  private registerCore(): void {
    this.currentModule = 'core';
    this.identity.registerControl();
    this.control({
      method: 'GET',
      path: '/',
      description: 'lists the control routes',
      handler: (_q, res) =>
        res.json({
          routes: this.controlRoutes.map((r) => ({ method: [...r.methods].join(','), path: r.pattern.re.source, module: r.module, description: r.spec.description })),
        }),
    });
    this.control({ method: 'GET', path: '/connection', description: 'connection details of the primary tenant (the JSON line)', handler: (_q, res) => res.json(this.connectionInfo()) });
    this.control({
      method: 'GET',
      path: '/info',
      description: 'everything: connection, tenants, options, modules, content host',
      handler: (_q, res) =>
        res.json({
          ...this.connectionInfo(),
          port: this.port,
          caBundlePath: this.tls.bundlePath,
          contentBaseUrl: this.content.baseUrl,
          seed: this.options.seed,
          sizes: this.options.sizes,
          throttle: this.throttle.mode,
          timeScale: this.throttle.scale,
          modules: this.modules.map((m) => m.name),
          tenants: this.world.tenants().map((t) => this.tenantInfo(t)),
        }),
    });
    this.control({ method: 'GET', path: '/tenants', description: 'tenants with their connection details', handler: (_q, res) => res.json({ value: this.world.tenants().map((t) => this.tenantInfo(t)) }) });
    this.control({ method: 'GET', path: '/tenants/:tenant', description: 'one tenant', handler: (q, res) => res.json(this.tenantInfo(this.controlTenant(q.params.tenant))) });
    this.control({
      method: 'GET',
      path: '/faults',
      description: 'fault injection settings and counts',
      handler: (_q, res) => res.json({ ...this.faults.current, injected: this.faults.injected }),
    });
    this.control({
      method: ['PUT', 'POST'],
      path: '/faults',
      description: 'set fault rates: {"rates":{"429":0.1,"500":0.05,"reset":0.01,"vanish":0.1},"routes":["exchange."],"slowMs":1500,"seed":7}',
      handler: async (q, res) => res.json(this.faults.configure(await q.json())),
    });
    this.control({
      method: 'GET',
      path: '/throttle',
      description: 'throttle mode, time scale and limits',
      handler: (_q, res) => res.json({ mode: this.throttle.mode, timeScale: this.throttle.scale, limits: this.throttle.limits }),
    });
    this.control({
      method: ['PUT', 'POST'],
      path: '/throttle',
      description: 'set {"mode":"off"|"realistic","timeScale":60,"limits":{...partial},"reset":true}',
      handler: async (q, res) => {
        const b = await q.json<{ mode?: 'off' | 'realistic'; timeScale?: number; limits?: Partial<ThrottleLimits>; reset?: boolean }>();
        if (b.mode) this.throttle.mode = b.mode;
        if (b.limits) this.throttle.limits = { ...this.throttle.limits, ...b.limits };
        if (b.timeScale) this.throttle.setTimeScale(b.timeScale);
        if (b.reset) this.throttle.reset();
        res.json({ mode: this.throttle.mode, timeScale: this.throttle.scale, limits: this.throttle.limits });
      },
    });
    this.control({
      method: 'GET',
      path: '/metrics',
      description: 'requests by kind and status, throttled count, peak concurrency per mailbox, faults',
      handler: (_q, res) =>
        res.json({
          startedAt: this.metrics.startedAt,
          requests: this.metrics.requests,
          byKind: this.metrics.byKind,
          byStatus: this.metrics.byStatus,
          inFlight: this.metrics.inFlight,
          peakInFlight: this.metrics.peakInFlight,
          throttled: this.throttle.metrics.throttled,
          throttledByReason: this.throttle.metrics.throttledByReason,
          peakConcurrencyByMailbox: this.throttle.metrics.peakConcurrencyByMailbox,
          faults: this.faults.injected,
          tokensIssued: this.metrics.tokensIssued,
        }),
    });
    this.control({
      method: 'POST',
      path: '/metrics/reset',
      description: 'zero the metrics (and throttle windows)',
      handler: (_q, res) => {
        this.metrics.reset();
        this.throttle.reset();
        for (const k of Object.keys(this.faults.injected)) delete this.faults.injected[k];
        res.empty();
      },
    });
    this.control({
      method: 'POST',
      path: '/delta/expire',
      description: 'expire delta tokens: {"tenant":"contoso","prefix":"mail:"} (both optional); older tokens then get 410',
      handler: async (q, res) => {
        const b = await q.json<{ tenant?: string; prefix?: string }>();
        const t = b.tenant ? this.controlTenant(b.tenant).id : undefined;
        this.delta.expire(t, b.prefix ?? '');
        res.empty();
      },
    });
    this.control({
      method: ['PUT', 'POST'],
      path: '/tokens',
      description: 'access token lifetime for new tokens: {"lifetimeSeconds":120} (default 3599)',
      handler: async (q, res) => {
        const b = await q.json<{ lifetimeSeconds?: number }>();
        if (b.lifetimeSeconds !== undefined) {
          if (!(b.lifetimeSeconds > 0)) throw new GraphHttpError(400, 'BadRequest', 'lifetimeSeconds must be positive');
          this.tokens.lifetime = Math.floor(b.lifetimeSeconds);
        }
        res.json({ lifetimeSeconds: this.tokens.lifetime });
      },
    });
    this.control({
      method: 'GET',
      path: '/mutations',
      description: 'registered user-like mutations',
      handler: (_q, res) => res.json({ value: [...this.mutations.values()].map((m) => ({ name: m.name, module: m.module, description: m.description })) }),
    });
    this.control({
      method: 'POST',
      path: '/tenants/:tenant/mutations/:name',
      description: 'run a mutation with JSON params; answers its result',
      handler: async (q, res) => {
        const m = this.mutations.get(q.params.name);
        if (!m) throw new GraphHttpError(404, 'NotFound', `No mutation '${q.params.name}'. GET /_sim/mutations lists them.`);
        const t = this.controlTenant(q.params.tenant);
        const result = await m.run(t, await q.json());
        res.json(result ?? {});
      },
    });
    this.control({
      method: 'GET',
      path: '/fidelity/samples',
      description: 'resolved fidelity sample URLs per tenant (?tenant=contoso for one)',
      handler: (q, res) => {
        const out: Record<string, unknown>[] = [];
        for (const t of q.query.tenant ? [this.controlTenant(q.query.tenant)] : this.world.tenants()) {
          for (const s of this.samples) {
            const url = s.url(t);
            if (url) out.push({ tenant: t.name, tenantId: t.id, name: s.name, module: s.module, entityType: s.entityType, collection: s.collection, url, headers: s.headers ?? {} });
          }
        }
        res.json({ value: out });
      },
    });
    this.control({
      method: 'GET',
      path: '/routes',
      description: 'Graph routes (name, methods, pattern, roles)',
      handler: (_q, res) =>
        res.json({ value: this.routes.map((r) => ({ name: r.spec.name, module: r.module, methods: [...r.methods], pattern: r.pattern.re.source, roles: r.spec.roles ?? [] })) }),
    });
  }
}

export type { SimConfig };

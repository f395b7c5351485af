/**
 * The contract between the simulator framework and its modules (directory, exchange, files, teams).
 * Read apps/m365-sim/FRAMEWORK.md first; every type here is explained there with examples.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Permission } from './permissions';
import type { World, TenantState } from './world';
import type { DeltaApi } from './delta';
import type { ODataApi, ODataQuery } from './odata';
import type { FaultApi } from './faults';
import type { ContentApi } from './content';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

/** Which family of Graph answers a route belongs to: decides the 403 body and default throttling. */
export type GraphService = 'directory' | 'outlook' | 'sharepoint' | 'teams' | 'generic';

/** What a request counts against. A route may return several scopes (all are checked). */
export type ThrottleScope =
  /** Outlook: per application + mailbox: 10,000 req / 10 min, 4 concurrent, 150 MB uploads / 5 min. */
  | { kind: 'outlook'; mailbox: string; uploadBytes?: number }
  /** SharePoint/OneDrive: resource units per application per tenant per minute (+ per user 3,000 / 5 min). */
  | { kind: 'sharepoint'; ru: number; user?: string }
  /** Teams: per application per tenant per second, by bucket; `resource` = team or channel id (4/s). */
  | { kind: 'teams'; bucket: 'message' | 'getAllMessages' | 'other'; resource?: string };

export interface CallerApp {
  appId: string;
  /** Application permissions (role values, e.g. 'Mail.Read') granted in the token. */
  roles: ReadonlySet<string>;
  servicePrincipalId?: string;
}

export interface GraphRequest {
  /** request-id answered in headers and error bodies. */
  readonly requestId: string;
  readonly clientRequestId?: string;
  readonly method: HttpMethod;
  /** Normalised path without /v1.0 and without query, e.g. /users/abc/mailFolders/inbox/messages. */
  readonly path: string;
  /** Path parameters from the route pattern (already URI-decoded). */
  readonly params: Readonly<Record<string, string>>;
  /** Query string, decoded; OData options keep their `$` ($select, $top, ...). Last value wins. */
  readonly query: Readonly<Record<string, string>>;
  /** Parsed OData options (see odata.ts). */
  readonly odata: ODataQuery;
  /** Lower-cased header names. */
  readonly headers: IncomingHttpHeaders;
  /** Parsed Prefer header. */
  readonly prefer: { maxPageSize?: number; immutableId: boolean; values: string[] };
  /** The tenant of the access token (or of the control URL). */
  readonly tenant: TenantState;
  /** The calling application (Graph routes only). */
  readonly app: CallerApp;
  /** Absolute base URL as the client addressed Graph, e.g. https://127.0.0.1:8443/v1.0 (no trailing slash). */
  readonly baseUrl: string;
  /** True inside $batch. */
  readonly inBatch: boolean;
  /** Raw body (cached). */
  body(): Promise<Buffer>;
  /** JSON body; throws GraphHttpError 400 BadRequest on invalid JSON. */
  json<T = any>(): Promise<T>;
  /** The body as a stream (only outside $batch; use for big uploads). */
  stream(): Readable;
}

export interface GraphResponse {
  readonly sent: boolean;
  header(name: string, value: string | number): this;
  /** JSON answer (Content-Type application/json; odata.metadata=minimal...). */
  json(body: unknown, status?: number): void;
  /** Bytes or text with a content type. */
  send(body: Buffer | string, contentType: string, status?: number): void;
  /** Streamed bytes (lazy content). `length` sets Content-Length when known. */
  stream(body: Readable | AsyncIterable<Buffer>, opts: { contentType: string; length?: number; status?: number }): void;
  /** No body (204 by default). */
  empty(status?: number): void;
  redirect(location: string, status?: number): void;
}

export type Handler = (req: GraphRequest, res: GraphResponse) => unknown | Promise<unknown>;

export interface RouteSpec {
  /** Metric kind, dotted, e.g. 'exchange.messages.list'. Unique per module. */
  name: string;
  method: HttpMethod | HttpMethod[];
  /**
   * Pattern without /v1.0: literal segments match case-insensitively, `:name` captures one
   * segment, a final `*name` captures the rest (slashes included). Or a RegExp with named
   * groups matched against the decoded path (for `items/{id}:/a/b.txt:/content` style).
   */
  path: string | RegExp;
  /** Any one of these application permissions is enough. Omit for "any valid token". */
  roles?: readonly Permission[];
  /** Decides the 403 body and default throttling. */
  service: GraphService;
  /** What the request counts against (called before the handler; must be cheap). */
  throttle?: (req: GraphRequest) => ThrottleScope | ThrottleScope[] | undefined;
  handler: Handler;
}

/** Routes on the content host (upload sessions, download URLs): no bearer token allowed. */
export interface ContentRouteSpec {
  name: string;
  method: HttpMethod | HttpMethod[];
  /** Pattern after /_content/, e.g. 'exchange/upload/:token'. */
  path: string;
  /** Who the upload counts against: read it from your signed token (cheap HMAC check). */
  throttle?: (req: ContentRequest) => { tenantId: string; appId: string; scopes: ThrottleScope[] } | undefined;
  handler: (req: ContentRequest, res: GraphResponse) => unknown | Promise<unknown>;
}

export type ContentRequest = Omit<GraphRequest, 'tenant' | 'app' | 'odata' | 'prefer' | 'inBatch' | 'clientRequestId'>;

export interface ControlRequest {
  readonly method: HttpMethod;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  body(): Promise<Buffer>;
  json<T = any>(): Promise<T>;
}

export interface ControlRouteSpec {
  method: HttpMethod | HttpMethod[];
  /** Pattern after /_sim, e.g. '/exchange/mailboxes/:upn'. */
  path: string;
  description: string;
  handler: (req: ControlRequest, res: GraphResponse) => unknown | Promise<unknown>;
}

export interface MutationSpec<P = any> {
  /** Dotted, e.g. 'exchange.newMail', 'files.ransomware'. */
  name: string;
  description: string;
  /** Changes the world as a user would. Must go through world.commit() so it is journaled. */
  run(tenant: TenantState, params: P): unknown | Promise<unknown>;
}

/** A URL the fidelity test fetches and checks against the CSDL. */
export interface FidelitySample {
  name: string;
  /** Qualified CSDL type of the answer (or of each `value` item when collection). */
  entityType: string;
  collection: boolean;
  /** Builds the Graph path (without /v1.0) for a tenant, or undefined to skip for that tenant. */
  url(tenant: TenantState): string | undefined;
  headers?: Record<string, string>;
}

export interface SimCliCommand {
  description: string;
  /** argv after the command name. Return the exit code. `openWorld` loads the state dir offline. */
  run(argv: string[], io: { openSim(stateDir: string): Promise<SimContext> }): Promise<number>;
}

export interface SimModule {
  /** Unique, equals the folder name under src/ (e.g. 'exchange'). */
  name: string;
  /** Modules registered first (default ['directory'] for every module but directory). */
  dependsOn?: string[];
  /** Registers routes, content routes, control routes, mutations, journal appliers, samples. */
  register(ctx: SimContext): void;
  /** Called once per tenant after the directory exists and before the journal replay (keep it lazy!). */
  seedTenant?(ctx: SimContext, tenant: TenantState): void;
  /** Subcommands of main.ts, e.g. { 'import-eml': {...} }. */
  cli?: Record<string, SimCliCommand>;
}

export interface SimContext {
  readonly world: World;
  readonly odata: ODataApi;
  readonly delta: DeltaApi;
  readonly faults: FaultApi;
  readonly content: ContentApi;
  /** Registers a Graph route (v1.0). */
  route(spec: RouteSpec): void;
  /** Registers a route on the content (pre-authenticated) host. */
  contentRoute(spec: ContentRouteSpec): void;
  /** Registers a control route under /_sim. */
  control(spec: ControlRouteSpec): void;
  /** Registers a user-like mutation: POST /_sim/tenants/{tenant}/mutations/{name}. */
  mutation<P>(spec: MutationSpec<P>): void;
  /** Registers a fidelity sample. */
  sample(sample: FidelitySample): void;
  /** Options from the command line (seed, sizes, flags). */
  readonly options: SimOptions;
  /** Structured log to stderr (never stdout: stdout carries the JSON line). */
  log(msg: string, fields?: Record<string, unknown>): void;
}

export interface SimOptions {
  stateDir: string;
  seed: number;
  /** users, messagesPerUser and anything passed with --size key=value. */
  sizes: Readonly<Record<string, number>>;
  throttle: 'off' | 'realistic';
  timeScale: number;
}

export type { Permission, World, TenantState, ODataQuery };

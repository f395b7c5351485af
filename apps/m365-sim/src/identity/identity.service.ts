/**
 * Entra ID (v2.0 endpoints): OIDC discovery, JWKS, token endpoint (client secret, certificate
 * assertion, device code, refresh token) and the device code endpoint, per national cloud host.
 */
import { X509Certificate, constants, createHash, createHmac, randomBytes, randomUUID, verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphHttpError } from '../framework/graph-error';
import { bodyReader } from '../framework/http';
import { GRAPH_APP_ID, ALL_PERMISSIONS, permissionById } from '../framework/permissions';
import type { Sim } from '../framework/sim-server';
import { CLOUDS, type SimApplication, type SimServicePrincipal, type TenantState } from '../framework/world';
import { sha256Hex } from '../directory/directory.seed';

/** First-party public clients that may use the device code flow in every tenant. */
export const PUBLIC_CLIENTS: Record<string, string> = {
  '04b07795-8ddb-461a-bbee-02f9e1bf7b46': 'Microsoft Azure CLI',
  '14d82eec-204b-4c2f-b7e8-296a70dab67e': 'Microsoft Graph Command Line Tools',
  '1950a258-227b-4e31-a9cf-717495945fc2': 'Microsoft Azure PowerShell',
};

interface DeviceCode {
  deviceCode: string;
  userCode: string;
  tenantId: string;
  clientId: string;
  scope: string;
  host: string;
  expiresAt: number;
  state: 'pending' | 'approved' | 'declined' | 'redeemed';
  userId?: string;
  /** Requested on /organizations or /common: the approving user's tenant decides. */
  multi: boolean;
}

const ALIASES = new Set(['organizations', 'common']);
const isAlias = (seg: string) => ALIASES.has(seg.toLowerCase());

class AadError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export class IdentityService {
  private readonly deviceCodes = new Map<string, DeviceCode>();
  private readonly userCodes = new Map<string, DeviceCode>();

  constructor(private readonly sim: Sim) {}

  // ------------------------------------------------------------ hosts and tenants

  /** Tenant addressed by the path, checked against the cloud of the Host header. */
  private tenantFor(key: string, hostName: string): TenantState {
    if (isAlias(key)) {
      // /organizations, /common: a representative tenant of the host's cloud (the user decides later)
      const cloud = Object.values(CLOUDS).find((c) => c.loginHosts.includes(hostName));
      const t = cloud ? this.sim.world.tenants().find((x) => x.cloud === cloud.name) : this.sim.primaryTenant();
      if (t) return t;
    }
    const t = this.sim.world.tenant(key);
    const loginCloud = Object.values(CLOUDS).filter((c) => c.loginHosts.includes(hostName));
    const ok = t && (loginCloud.length === 0 || loginCloud.some((c) => c.name === t.cloud));
    if (!t || !ok) {
      throw new AadError(
        400,
        'invalid_request',
        90002,
        `Tenant '${key}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
      );
    }
    return t;
  }

  private baseFor(req: IncomingMessage): string {
    return `https://${req.headers.host ?? `${this.sim.host}:${this.sim.port}`}`;
  }

  async handle(req: IncomingMessage, res: ServerResponse, rawPath: string, search: string): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const host = this.sim.hostName(req);
    const parts = rawPath.split('/').filter(Boolean).map(decodeURIComponent);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const buf = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      res.writeHead(status, {
        'Content-Type': typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
        'Content-Length': String(buf.length),
        'Cache-Control': 'no-store, no-cache',
        'x-ms-request-id': randomUUID(),
        ...headers,
      });
      res.end(buf);
    };
    let kind = 'identity.other';
    try {
      if (method === 'GET' && parts[0] === 'common' && parts[1] === 'discovery' && parts[2] === 'instance') {
        kind = 'identity.instance';
        const base = this.baseFor(req);
        return send(200, {
          tenant_discovery_endpoint: `${base}/{tenant}/v2.0/.well-known/openid-configuration`,
          'api-version': '1.1',
          metadata: [{ preferred_network: req.headers.host, preferred_cache: req.headers.host, aliases: [req.headers.host] }],
        });
      }
      if (method === 'GET' && parts.length >= 3 && parts.slice(-2).join('/') === '.well-known/openid-configuration') {
        kind = 'identity.openid';
        const t = this.tenantFor(parts[0], host);
        return send(200, this.openidConfig(req, t, parts[1] === 'v2.0', isAlias(parts[0]) ? parts[0].toLowerCase() : undefined));
      }
      if (method === 'GET' && parts[1] === 'discovery' && parts[parts.length - 1] === 'keys') {
        kind = 'identity.keys';
        if (parts[0] !== 'common') this.tenantFor(parts[0], host);
        return send(200, { keys: [this.sim.tokens.jwk] });
      }
      if (method === 'POST' && parts.length === 4 && parts[1] === 'oauth2' && parts[2] === 'v2.0' && parts[3] === 'token') {
        kind = 'identity.token';
        const form = new URLSearchParams((await bodyReader(req).body()).toString('utf8'));
        const t = this.tenantFor(parts[0], host);
        const body = await this.token(req, t, form, parts[0]);
        this.sim.metrics.tokensIssued++;
        return send(200, body);
      }
      if (method === 'POST' && parts.length === 4 && parts[1] === 'oauth2' && parts[2] === 'v2.0' && parts[3] === 'devicecode') {
        kind = 'identity.devicecode';
        const form = new URLSearchParams((await bodyReader(req).body()).toString('utf8'));
        const t = this.tenantFor(parts[0], host);
        return send(200, this.deviceCode(req, t, form, isAlias(parts[0])));
      }
      if (method === 'GET' && parts[0] === 'devicelogin') {
        return send(200, '<html><body><h1>Simulated device login</h1><p>Approve with POST /_sim/device-codes/{user_code}/approve</p></body></html>');
      }
      throw new AadError(404, 'not_found', 90027, `The endpoint ${method} ${rawPath} does not exist in the simulator.`);
    } catch (e) {
      const err = e instanceof AadError ? e : new AadError(500, 'server_error', 90000, String((e as Error).message));
      if (!(e instanceof AadError)) this.sim.log('identity error', { error: String((e as Error).stack) });
      const traceId = randomUUID();
      const correlationId = new URLSearchParams(search).get('client-request-id') ?? (req.headers['client-request-id'] as string) ?? randomUUID();
      const ts = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
      send(err.status, {
        error: err.error,
        error_description: `AADSTS${err.code}: ${err.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${ts}`,
        error_codes: [err.code],
        timestamp: ts,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `${this.baseFor(req)}/error?code=${err.code}`,
      });
    } finally {
      this.sim.metrics.count(kind, res.statusCode);
    }
  }

  private openidConfig(req: IncomingMessage, tenant: TenantState, v2: boolean, alias?: string): Record<string, unknown> {
    const base = this.baseFor(req);
    const host = this.sim.hostName(req);
    const t = alias ? { ...tenant, id: alias } : tenant;
    const issuerId = alias ? '{tenantid}' : t.id;
    return {
      token_endpoint: `${base}/${t.id}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/${t.id}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: v2 ? `${base}/${issuerId}/v2.0` : `https://sts.windows.net/${issuerId}/`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${base}/oidc/userinfo`,
      authorization_endpoint: `${base}/${t.id}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/${t.id}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/${t.id}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      kerberos_endpoint: `${base}/${t.id}/kerberos`,
      tenant_region_scope: t.cloud === 'global' ? 'EU' : t.cloud === 'china' ? 'AS' : 'USGov',
      cloud_instance_name: host,
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: CLOUDS[t.cloud].graphHost,
      rbac_url: 'https://pas.windows.net',
    };
  }

  /** The Graph audience for a `.default` scope, checked against the tenant's cloud. */
  private resourceOf(t: TenantState, scope: string | null, requireDefault: boolean): { audience: string; scopes: string[] } {
    if (!scope) throw new AadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
    const list = scope.split(/\s+/).filter(Boolean);
    const resourceScopes = list.filter((s) => !['openid', 'profile', 'offline_access', 'email'].includes(s));
    if (resourceScopes.length === 0) return { audience: `https://${CLOUDS[t.cloud].graphHost}`, scopes: [] };
    const first = resourceScopes[0];
    const m = /^(https:\/\/[^/]+|00000003-0000-0000-c000-000000000000)\/(.+)$/i.exec(first);
    if (!m) throw new AadError(400, 'invalid_scope', 70011, `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`);
    if (requireDefault && m[2] !== '.default') {
      throw new AadError(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    const resource = m[1].toLowerCase();
    const cloudGraph = `https://${CLOUDS[t.cloud].graphHost}`;
    const loopback = /^https:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(resource);
    if (resource !== cloudGraph && resource !== GRAPH_APP_ID && !loopback) {
      throw new AadError(
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${m[1]} was not found in the tenant named ${t.displayName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
      );
    }
    return { audience: cloudGraph, scopes: resourceScopes.map((s) => s.replace(/^.*\//, '')) };
  }

  /** Application (home tenant) and its service principal in tenant t. */
  private findApp(t: TenantState, clientId: string): { app: SimApplication; sp?: SimServicePrincipal } {
    const spOf = (appId: string) => [...t.servicePrincipals.values()].find((s) => s.appId === appId);
    for (const a of t.applications.values()) if (a.appId === clientId) return { app: a, sp: spOf(clientId) };
    for (const other of this.sim.world.tenants()) {
      if (other === t) continue;
      for (const a of other.applications.values()) {
        if (a.appId === clientId && a.signInAudience !== 'AzureADMyOrg') {
          const sp = spOf(clientId);
          if (sp) return { app: a, sp };
        }
      }
    }
    throw new AadError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${t.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }

  private rolesOf(t: TenantState, sp: SimServicePrincipal): string[] {
    const graphSp = [...t.servicePrincipals.values()].find((s) => s.appId === GRAPH_APP_ID);
    const out: string[] = [];
    for (const a of t.appRoleAssignments.values()) {
      if (a.principalId !== sp.id || a.resourceId !== graphSp?.id) continue;
      const p = permissionById(a.appRoleId);
      if (p && !out.includes(p)) out.push(p);
    }
    return out;
  }

  private async token(req: IncomingMessage, t: TenantState, form: URLSearchParams, tenantSegment: string): Promise<Record<string, unknown>> {
    const grant = form.get('grant_type');
    const clientId = form.get('client_id');
    if (!grant) throw new AadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
    if (!clientId) throw new AadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    if (grant === 'client_credentials') {
      if (isAlias(tenantSegment)) {
        throw new AadError(400, 'invalid_request', 900023, `Specified tenant identifier '${tenantSegment}' is neither a valid DNS name, nor a valid external domain. Use a tenant id or domain for the client credentials flow.`);
      }
      return this.clientCredentials(req, t, form, clientId, tenantSegment);
    }
    if (grant === 'device_code' || grant === 'urn:ietf:params:oauth:grant-type:device_code') return this.redeemDeviceCode(req, t, form, clientId, isAlias(tenantSegment));
    if (grant === 'refresh_token') return this.refresh(req, t, form, clientId, isAlias(tenantSegment));
    throw new AadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`);
  }

  private clientCredentials(req: IncomingMessage, t: TenantState, form: URLSearchParams, clientId: string, tenantSegment: string): Record<string, unknown> {
    const { audience } = this.resourceOf(t, form.get('scope'), true);
    const { app, sp } = this.findApp(t, clientId);
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      const h = sha256Hex(secret);
      const cred = app.passwordCredentials.find((p) => p.secretHash === h);
      if (!cred) {
        throw new AadError(
          401,
          'invalid_client',
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
        );
      }
      if (Date.parse(cred.endDateTime) < Date.now()) throw new AadError(401, 'invalid_client', 7000222, `The provided client secret keys for app '${clientId}' are expired.`);
    } else if (assertion !== null) {
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
        throw new AadError(400, 'invalid_request', 90014, "The request body must contain the following parameter: 'client_assertion_type'.");
      }
      this.checkAssertion(req, t, app, clientId, assertion, tenantSegment);
    } else {
      throw new AadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    if (!sp) throw new AadError(400, 'invalid_client', 7000229, `The client application ${clientId} is missing service principal in the tenant ${t.id}.`);
    const roles = this.rolesOf(t, sp);
    const { token, expiresIn } = this.sim.tokens.issueAccess({
      tenantId: t.id,
      appId: clientId,
      appDisplayName: app.displayName,
      servicePrincipalId: sp.id,
      audience,
      issuerHost: this.sim.hostName(req),
      roles,
    });
    return { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token };
  }

  private checkAssertion(req: IncomingMessage, t: TenantState, app: SimApplication, clientId: string, assertion: string, tenantSegment: string): void {
    const parts = assertion.split('.');
    let header: Record<string, string>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      throw new AadError(400, 'invalid_request', 50027, 'JWT token is invalid or malformed.');
    }
    const s256 = header['x5t#S256'];
    const s1 = header.x5t;
    const thumb = s256 ?? s1 ?? '';
    let match: { cert: X509Certificate; end: string; start: string } | undefined;
    for (const k of app.keyCredentials) {
      const der = Buffer.from(k.key, 'base64');
      const want = s256 ? createHash('sha256').update(der).digest('base64url') : createHash('sha1').update(der).digest('base64url');
      const thumbNorm = thumb.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
      if (want === thumbNorm) {
        match = { cert: new X509Certificate(der), end: k.endDateTime, start: k.startDateTime };
        break;
      }
    }
    const hexThumb = (() => {
      try {
        return Buffer.from(thumb, 'base64url').toString('hex').toUpperCase();
      } catch {
        return thumb;
      }
    })();
    if (!match) {
      throw new AadError(401, 'invalid_client', 700027, `Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '${hexThumb}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${clientId}'.]`);
    }
    const now = Date.now();
    const certEnd = Date.parse(match.cert.validTo);
    const keyEnd = Date.parse(match.end);
    if (certEnd < now || keyEnd < now) {
      throw new AadError(
        401,
        'invalid_client',
        700027,
        `The certificate with identifier used to sign the client assertion is expired on application. [Reason - The key used is expired., Thumbprint of key used by client: '${hexThumb}', Found key 'Start=${new Date(Date.parse(match.start)).toISOString()}, End=${new Date(Math.min(certEnd, keyEnd)).toISOString()}']`,
      );
    }
    const data = Buffer.from(`${parts[0]}.${parts[1]}`);
    const sig = Buffer.from(parts[2], 'base64url');
    let ok = false;
    if (header.alg === 'PS256') ok = verify('sha256', data, { key: match.cert.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig);
    else if (header.alg === 'RS256') ok = verify('sha256', data, match.cert.publicKey, sig);
    if (!ok) throw new AadError(401, 'invalid_client', 700027, `Client assertion failed signature validation. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '${hexThumb}']`);
    if (claims.iss !== clientId || claims.sub !== clientId) {
      throw new AadError(401, 'invalid_client', 700021, "Client assertion application identifier doesn't match 'client_id' parameter.");
    }
    const aud = String(claims.aud ?? '');
    const audOk = (() => {
      try {
        const u = new URL(aud);
        const seg = u.pathname.split('/').filter(Boolean);
        return seg.length === 4 && seg[1] === 'oauth2' && seg[3] === 'token' && [t.id, t.name, t.defaultDomain, tenantSegment].map((x) => x.toLowerCase()).includes(seg[0].toLowerCase());
      } catch {
        return false;
      }
    })();
    if (!audOk) throw new AadError(401, 'invalid_client', 50012, `Client assertion audience claim does not match Realm issuer. Audience: '${aud}'.`);
    const nowS = now / 1000;
    const exp = Number(claims.exp);
    const nbf = Number(claims.nbf ?? claims.iat ?? 0);
    if (!(exp > nowS - 300) || nbf > nowS + 300) {
      throw new AadError(401, 'invalid_client', 700024, `Client assertion is not within its valid time range. Current time: ${new Date(now).toISOString()}, assertion valid from ${new Date(nbf * 1000).toISOString()}, expiry time of assertion ${new Date(exp * 1000).toISOString()}.`);
    }
    void req;
  }

  // ------------------------------------------------------------ device code

  private checkPublicClient(t: TenantState, clientId: string): string {
    if (PUBLIC_CLIENTS[clientId]) return PUBLIC_CLIENTS[clientId];
    const { app } = this.findApp(t, clientId);
    if (!app.isFallbackPublicClient) {
      throw new AadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    return app.displayName;
  }

  private deviceCode(req: IncomingMessage, t: TenantState, form: URLSearchParams, multi: boolean): Record<string, unknown> {
    const clientId = form.get('client_id');
    if (!clientId) throw new AadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    this.checkPublicClient(t, clientId);
    const scope = form.get('scope') ?? '';
    if (!multi) this.resourceOf(t, scope, false);
    const userCode = Array.from(randomBytes(9), (b) => 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'[b % 32]).join('');
    const deviceCode = randomBytes(48).toString('base64url');
    const scale = this.sim.throttle.scale;
    const expiresIn = 900;
    const dc: DeviceCode = { deviceCode, userCode, tenantId: t.id, clientId, scope, host: this.sim.hostName(req), expiresAt: Date.now() + expiresIn * 1000, state: 'pending', multi };
    this.deviceCodes.set(deviceCode, dc);
    this.userCodes.set(userCode, dc);
    const verificationUri = `${this.baseFor(req)}/devicelogin`;
    return {
      user_code: userCode,
      device_code: deviceCode,
      verification_uri: verificationUri,
      expires_in: expiresIn,
      interval: Math.max(0.05, 5 / scale),
      message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
    };
  }

  /** Control API: approve/decline/expire a user code as the tenant admin (or a given user). */
  settleDeviceCode(userCode: string, action: 'approve' | 'decline' | 'expire', user?: string): DeviceCode {
    const dc = this.userCodes.get(userCode.toUpperCase());
    if (!dc) throw new GraphHttpError(404, 'NotFound', `No device code with user code '${userCode}'.`);
    if (action === 'approve') {
      let t = this.sim.world.tenant(dc.tenantId)!;
      if (dc.multi && user) {
        // on /organizations the signed-in user's home tenant (same cloud) decides
        const hosts = CLOUDS[t.cloud].loginHosts;
        const home = this.sim.world.tenants().find((x) => CLOUDS[x.cloud].loginHosts.some((h) => hosts.includes(h)) && this.sim.world.user(x, user));
        if (home) t = home;
      }
      const u = user ? this.sim.world.user(t, user) : t.users.get(t.adminUserId);
      if (!u) throw new GraphHttpError(404, 'NotFound', `No user '${user}' in tenant ${t.name}.`);
      dc.tenantId = t.id;
      dc.userId = u.id;
      dc.state = 'approved';
    } else if (action === 'decline') dc.state = 'declined';
    else dc.expiresAt = Date.now() - 1;
    return dc;
  }

  pendingDeviceCodes(): { userCode: string; tenantId: string; clientId: string; scope: string; state: string; expiresAt: string }[] {
    return [...this.userCodes.values()].map((d) => ({ userCode: d.userCode, tenantId: d.tenantId, clientId: d.clientId, scope: d.scope, state: d.state, expiresAt: new Date(d.expiresAt).toISOString() }));
  }

  private redeemDeviceCode(req: IncomingMessage, pathTenant: TenantState, form: URLSearchParams, clientId: string, alias: boolean): Record<string, unknown> {
    const code = form.get('device_code') ?? '';
    const dc = this.deviceCodes.get(code);
    if (!dc || dc.clientId !== clientId || (alias ? !dc.multi : dc.tenantId !== pathTenant.id)) {
      throw new AadError(400, 'bad_verification_code', 70000, 'Provided grant is invalid or malformed. The device code is not valid.');
    }
    if (dc.expiresAt < Date.now()) throw new AadError(400, 'expired_token', 70019, 'Verification code expired.');
    if (dc.state === 'pending') throw new AadError(400, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.');
    if (dc.state === 'declined') throw new AadError(400, 'authorization_declined', 70000, 'The user declined the authorization request.');
    if (dc.state === 'redeemed') throw new AadError(400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
    dc.state = 'redeemed';
    const t = this.sim.world.tenant(dc.tenantId) ?? pathTenant;
    return this.userTokens(req, t, clientId, dc.scope, dc.userId ?? t.adminUserId);
  }

  private userTokens(req: IncomingMessage, t: TenantState, clientId: string, scope: string, userId: string): Record<string, unknown> {
    const u = t.users.get(userId);
    if (!u) throw new AadError(400, 'invalid_grant', 50034, 'The user account does not exist in the directory.');
    const { audience, scopes } = this.resourceOf(t, scope, false);
    const appName = PUBLIC_CLIENTS[clientId] ?? this.findApp(t, clientId).app.displayName;
    // the admin consented every delegated permission for itself
    const granted = scopes.length === 0 || scopes.includes('.default') ? ALL_PERMISSIONS : scopes.filter((s) => (ALL_PERMISSIONS as string[]).includes(s));
    const user = { id: u.id, upn: u.userPrincipalName, name: u.displayName };
    const { token, expiresIn } = this.sim.tokens.issueAccess({
      tenantId: t.id,
      appId: clientId,
      appDisplayName: appName,
      servicePrincipalId: u.id,
      audience,
      issuerHost: this.sim.hostName(req),
      scp: granted.join(' '),
      user,
    });
    const idToken = this.sim.tokens.issueIdToken({ tenantId: t.id, clientId, issuerHost: this.sim.hostName(req), user });
    const refresh = this.signRefresh({ t: t.id, c: clientId, u: u.id, s: scope });
    return {
      token_type: 'Bearer',
      scope: [...granted.map((g) => `${audience}/${g}`), 'openid', 'profile', 'offline_access'].join(' '),
      expires_in: expiresIn,
      ext_expires_in: expiresIn,
      access_token: token,
      refresh_token: refresh,
      id_token: idToken,
      client_info: Buffer.from(JSON.stringify({ uid: u.id, utid: t.id })).toString('base64url'),
    };
  }

  private signRefresh(p: Record<string, string>): string {
    const body = Buffer.from(JSON.stringify(p)).toString('base64url');
    const mac = createHmac('sha256', Buffer.from(this.sim.config.hmacKey, 'base64')).update(`rt.${body}`).digest('base64url');
    return `0.${body}.${mac}`;
  }

  private refresh(req: IncomingMessage, pathTenant: TenantState, form: URLSearchParams, clientId: string, alias: boolean): Record<string, unknown> {
    const rt = form.get('refresh_token') ?? '';
    const [, body, mac] = rt.split('.');
    const want = body ? createHmac('sha256', Buffer.from(this.sim.config.hmacKey, 'base64')).update(`rt.${body}`).digest('base64url') : '';
    if (!body || mac !== want) throw new AadError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
    const p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { t: string; c: string; u: string; s: string };
    const t = alias ? this.sim.world.tenant(p.t) ?? pathTenant : pathTenant;
    if (p.t !== t.id || p.c !== clientId) throw new AadError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
    return this.userTokens(req, t, clientId, form.get('scope') ?? p.s, p.u);
  }

  registerControl(): void {
    const sim = this.sim;
    sim.control({ method: 'GET', path: '/device-codes', description: 'device codes waiting for approval', handler: (_q, res) => res.json({ value: this.pendingDeviceCodes() }) });
    for (const action of ['approve', 'decline', 'expire'] as const) {
      sim.control({
        method: 'POST',
        path: `/device-codes/:userCode/${action}`,
        description: `${action} a device code (approve signs in the tenant admin, or {"user":"upn"})`,
        handler: async (q, res) => {
          const b = await q.json<{ user?: string }>();
          const dc = this.settleDeviceCode(q.params.userCode, action, b.user);
          res.json({ userCode: dc.userCode, state: dc.state, tenantId: dc.tenantId });
        },
      });
    }
  }
}

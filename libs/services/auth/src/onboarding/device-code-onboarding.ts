import { randomUUID } from 'node:crypto';
import { HoldfastError, type OnboardingStatus, type OnboardingView } from '@holdfast/contracts';
import {
  classifyAuthError,
  createCredential,
  GraphClient,
  isGraphError,
  pageAll,
  resolveCloud,
  type DeviceCodePrompt,
  type ResolvedCloud,
  type TokenProvider,
} from '@holdfast/graph';
import { generateSelfSignedCertificate } from '../certificates/self-signed-certificate';
import type { EnvelopeCipher } from '../crypto/envelope-cipher';
import {
  checkPermissions,
  GRAPH_APP_ROLE_IDS,
  MICROSOFT_GRAPH_APP_ID,
  requiredPermissions,
  requiredResourceAccess,
  type GraphPermission,
} from '../permissions/graph-permissions';
import { tokenClaims, verifyCredential, type CredentialInput } from '../orgs/credential-verifier';
import type { OrganizationRow } from '../orgs/organization.repository';
import { onboardingRef, organizationRef, startDeviceCodeRequest } from '../orgs/organization.requests';
import { credentialContext, type OrganizationService } from '../orgs/organization.service';
import { parseRequest } from '../orgs/parse-request';

/**
 * Public client used for the administrator's device-code sign-in: Microsoft Graph Command
 * Line Tools, which exists in every tenant. An MSP may use its own multi-tenant public app.
 */
export const DEFAULT_ONBOARDING_CLIENT_ID = '14d82eec-204b-4c2f-b7e8-296a70dab67e';

export type { OnboardingStatus, OnboardingView } from '@holdfast/contracts';

interface Session {
  id: string;
  tenantId: string;
  purpose: 'connect' | 'grant';
  status: OnboardingStatus;
  prompt?: DeviceCodePrompt;
  organizationId?: string;
  clientId?: string;
  granted?: string[];
  error?: { code: string; message: string };
  certificate?: OnboardingView['certificate'];
  done: Promise<void>;
}

export interface DeviceCodeOnboardingDeps {
  readonly orgs: OrganizationService;
  readonly cipher: EnvelopeCipher;
  readonly ca?: string;
  readonly clientId?: string;
  /** Tries of the new credential while Entra ID replicates it (default 12, 5 s apart). */
  readonly credentialAttempts?: number;
  readonly credentialRetryMs?: number;
}

const SESSION_RETENTION_MS = 3_600_000;
const SIGN_IN_SCOPES = ['Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All'];

/**
 * Device-code onboarding: the administrator signs in with a code; Holdfast then registers
 * an application with the permissions the chosen services need, gives it a certificate
 * and/or secret, creates its service principal, grants admin consent (appRoleAssignedTo),
 * proves the new credential works, and stores the organization. On any failure the
 * registered application is deleted again, so nothing half-created remains. The same
 * sign-in grants missing permissions of an existing organization.
 *
 * Sessions live in this process (the caller polls the instance that answered `start`).
 */
export class DeviceCodeOnboarding {
  private readonly sessions = new Map<string, Session>();
  private readonly clientId: string;

  constructor(private readonly deps: DeviceCodeOnboardingDeps) {
    this.clientId = deps.clientId ?? DEFAULT_ONBOARDING_CLIENT_ID;
  }

  /** Starts a connection by device code; resolves once the code to show is known. */
  async start(payload: unknown): Promise<OnboardingView> {
    const req = parseRequest(startDeviceCodeRequest, payload);
    const cloud = resolveCloud(req.cloud, { authorityHost: req.authorityHost, graphEndpoint: req.graphEndpoint });
    if (req.m365TenantId !== 'organizations') await this.deps.orgs.refuseDuplicate(req.tenantId, req.m365TenantId);
    return this.begin(req.tenantId, 'connect', cloud, req.m365TenantId, async (session, graph, tid) => {
      await this.deps.orgs.refuseDuplicate(req.tenantId, tid);
      await this.register(session, graph, cloud, tid, req);
    });
  }

  /** Starts granting the missing permissions of an organization's applications by device code. */
  async startGrant(payload: unknown): Promise<OnboardingView> {
    const ref = parseRequest(organizationRef, payload);
    const org = await this.deps.orgs.repo.requireActive(ref.tenantId, ref.organizationId);
    const cloud = this.deps.orgs.cloudOf(org);
    return this.begin(ref.tenantId, 'grant', cloud, org.m365TenantId, async (session, graph, tid) => {
      if (tid.toLowerCase() !== org.m365TenantId.toLowerCase()) {
        throw new HoldfastError('forbidden', `the administrator signed in to tenant ${tid}, not to the organization's tenant ${org.m365TenantId}`);
      }
      session.organizationId = org.id;
      session.granted = await this.grantMissing(graph, org);
    });
  }

  status(payload: unknown): OnboardingView {
    const ref = parseRequest(onboardingRef, payload);
    const s = this.sessions.get(ref.onboardingId);
    if (!s || s.tenantId !== ref.tenantId) throw new HoldfastError('not_found', `no onboarding ${ref.onboardingId} (it may have run on another instance or expired)`);
    const view = this.view(s);
    if (s.certificate) s.certificate = undefined; // downloadable once
    return view;
  }

  /** Resolves when the session has finished (tests, the CLI's in-process mode). */
  async settled(onboardingId: string): Promise<void> {
    await this.sessions.get(onboardingId)?.done;
  }

  private view(s: Session): OnboardingView {
    return {
      onboardingId: s.id,
      purpose: s.purpose,
      status: s.status,
      ...(s.prompt ? { userCode: s.prompt.userCode, verificationUri: s.prompt.verificationUri, message: s.prompt.message } : {}),
      ...(s.organizationId ? { organizationId: s.organizationId } : {}),
      ...(s.clientId ? { clientId: s.clientId } : {}),
      ...(s.granted ? { granted: s.granted } : {}),
      ...(s.error ? { error: s.error } : {}),
      ...(s.certificate ? { certificate: s.certificate } : {}),
    };
  }

  private begin(
    tenantId: string,
    purpose: Session['purpose'],
    cloud: ResolvedCloud,
    signInTenant: string,
    work: (session: Session, graph: GraphClient, tid: string) => Promise<void>,
  ): Promise<OnboardingView> {
    const session = { id: randomUUID(), tenantId, purpose, status: 'waiting_for_sign_in' } as Session;
    this.sessions.set(session.id, session);
    let announce!: () => void;
    const announced = new Promise<void>((resolve) => (announce = resolve));
    const credential = createCredential(
      {
        kind: 'device-code',
        tenantId: signInTenant,
        clientId: this.clientId,
        onDeviceCode: (prompt) => {
          session.prompt = prompt;
          announce();
        },
      },
      { cloud, ca: this.deps.ca },
    );
    const resource = cloud.scope.replace(/\/\.default$/, '');
    session.done = (async () => {
      try {
        const token = await credential.getToken(SIGN_IN_SCOPES.map((s) => `${resource}/${s}`));
        if (!token) throw new HoldfastError('credentials_invalid', 'the sign-in returned no token');
        session.status = 'registering';
        const tid = tokenClaims(token.token).tid ?? signInTenant;
        const provider: TokenProvider = { getToken: async () => ({ token: token.token, expiresOnTimestamp: token.expiresOnTimestamp }) };
        const graph = new GraphClient({ tenantId: tid, cloud, apps: [{ appId: this.clientId, tokenProvider: provider }], ca: this.deps.ca, retry: { maxAttempts: 3 } });
        await work(session, graph, tid);
        session.status = 'completed';
      } catch (e) {
        session.status = 'failed';
        const err = e instanceof HoldfastError ? e : classifyAuthError(e);
        session.error = { code: err.code, message: describeSignInError(err) };
      } finally {
        announce();
        // a finished session stays readable for an hour, then is forgotten
        setTimeout(() => this.sessions.delete(session.id), SESSION_RETENTION_MS).unref();
      }
    })();
    return announced.then(() => this.view(session));
  }

  private async register(
    session: Session,
    graph: GraphClient,
    cloud: ResolvedCloud,
    tid: string,
    req: ReturnType<typeof startDeviceCodeRequest.parse>,
  ): Promise<void> {
    const app = await graph.post<{ id: string; appId: string }>('/applications', {
      displayName: `Holdfast backup - ${req.displayName}`,
      signInAudience: 'AzureADMyOrg',
      requiredResourceAccess: requiredResourceAccess(req.services),
    });
    try {
      let credential: CredentialInput;
      let secondary: CredentialInput | undefined;
      let cert: ReturnType<typeof generateSelfSignedCertificate> | undefined;
      if (req.credential !== 'secret') {
        cert = generateSelfSignedCertificate({ subject: `Holdfast ${req.displayName}`.slice(0, 64) });
        await graph.patch(`/applications/${app.id}`, {
          keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: cert.certificateDerBase64, displayName: `CN=Holdfast ${cert.thumbprint}` }],
        });
        credential = { kind: 'client-certificate', pem: cert.pem };
      }
      if (req.credential !== 'certificate') {
        const password = await graph.post<{ secretText: string; endDateTime?: string }>(`/applications/${app.id}/addPassword`, {
          passwordCredential: { displayName: 'Holdfast' },
        });
        const secret: CredentialInput = { kind: 'client-secret', clientSecret: password.secretText, expiresAt: password.endDateTime ? new Date(password.endDateTime).toISOString() : undefined };
        if (req.credential === 'secret') credential = secret;
        else secondary = secret;
      }
      void secondary; // the certificate is used; the secret (kind 'both') stays registered as a fallback in Entra ID
      const sp = await graph.post<{ id: string }>('/servicePrincipals', { appId: app.appId });
      const graphSp = await this.graphServicePrincipal(graph);
      for (const permission of requiredPermissions(req.services)) {
        await this.assignRole(graph, graphSp, sp.id, permission);
      }
      const verified = await this.verifyWithRetries(tid, app.appId, credential!, cloud);
      const report = checkPermissions(verified.roles, req.services);
      const organizationId = randomUUID();
      const at = new Date().toISOString();
      const ciphertext = await this.deps.cipher.encrypt(req.tenantId, credentialContext(organizationId, app.appId), JSON.stringify(verified.stored));
      const org: OrganizationRow = {
        id: organizationId,
        tenantId: req.tenantId,
        displayName: req.displayName,
        m365TenantId: tid,
        cloud: req.cloud,
        services: req.services,
        authorityHost: req.authorityHost ? cloud.authorityHost : null,
        graphEndpoint: req.graphEndpoint ? cloud.graphEndpoint : null,
        onboarding: 'device-code',
        connectedAt: at,
      };
      await this.deps.orgs.connect(org, {
        clientId: app.appId,
        kind: verified.stored.kind,
        ciphertext,
        expiresAt: verified.credentialExpiresAt,
        thumbprint: verified.certificateThumbprint,
        roles: verified.roles,
        report,
      });
      session.organizationId = organizationId;
      session.clientId = app.appId;
      if (cert) session.certificate = { pfxBase64: cert.pfxBase64, password: cert.password, thumbprint: cert.thumbprint, notAfter: cert.notAfter };
    } catch (e) {
      await graph.delete(`/applications/${app.id}`).catch(() => undefined);
      throw e;
    }
  }

  private async verifyWithRetries(tid: string, clientId: string, credential: CredentialInput, cloud: ResolvedCloud) {
    const attempts = this.deps.credentialAttempts ?? 12;
    for (let i = 1; ; i++) {
      try {
        return await verifyCredential(tid, clientId, credential, { cloud, ca: this.deps.ca });
      } catch (e) {
        // a new application takes a while to reach every Entra ID replica
        if (i >= attempts || !isGraphError(e) || !['client_not_found', 'certificate_invalid', 'secret_invalid'].includes((e as { reason?: string }).reason ?? '')) throw e;
        await new Promise((r) => setTimeout(r, this.deps.credentialRetryMs ?? 5000));
      }
    }
  }

  private async graphServicePrincipal(graph: GraphClient): Promise<string> {
    const found = await pageAll<{ id: string }>(graph, { path: '/servicePrincipals', query: { $filter: `appId eq '${MICROSOFT_GRAPH_APP_ID}'` } });
    if (!found[0]) throw new HoldfastError('not_found', 'Microsoft Graph has no service principal in this tenant');
    return found[0].id;
  }

  private async assignRole(graph: GraphClient, graphSp: string, principalId: string, permission: GraphPermission): Promise<void> {
    try {
      await graph.post(`/servicePrincipals/${graphSp}/appRoleAssignedTo`, { principalId, resourceId: graphSp, appRoleId: GRAPH_APP_ROLE_IDS[permission] });
    } catch (e) {
      // already granted: Entra answers 400/409 "Permission being assigned already exists"
      if (isGraphError(e) && (e.kind === 'conflict' || /already exists/i.test(e.message))) return;
      throw e;
    }
  }

  private async grantMissing(graph: GraphClient, org: OrganizationRow): Promise<string[]> {
    const granted = new Set<string>();
    const graphSp = await this.graphServicePrincipal(graph);
    for (const app of await this.deps.orgs.repo.applications(org.id)) {
      const missing = app.missing.filter((p): p is GraphPermission => p in GRAPH_APP_ROLE_IDS);
      if (missing.length === 0) continue;
      const sps = await pageAll<{ id: string }>(graph, { path: '/servicePrincipals', query: { $filter: `appId eq '${app.clientId}'` } });
      const spId = sps[0]?.id ?? (await graph.post<{ id: string }>('/servicePrincipals', { appId: app.clientId })).id;
      for (const p of missing) {
        await this.assignRole(graph, graphSp, spId, p);
        granted.add(p);
      }
      await this.deps.orgs.recordGrant(org, app.clientId, missing);
    }
    // prove it: fresh tokens carry the new roles, recorded as a permission check
    await this.deps.orgs.check({ tenantId: org.tenantId, organizationId: org.id });
    return [...granted].sort();
  }
}

function describeSignInError(e: HoldfastError): string {
  const reason = (e as { reason?: string }).reason;
  if (reason === 'device_code_declined') return `The administrator declined the sign-in: nothing was registered. ${e.message}`;
  if (reason === 'device_code_expired') return `The code expired before the administrator signed in: start again. ${e.message}`;
  return e.message;
}

import { randomUUID } from 'node:crypto';
import { HoldfastError, type ApplicationView, type OrganizationConnection, type OrganizationView, type PermissionCheckView } from '@holdfast/contracts';
import { CommandHandler, type PostgresEventStore } from '@holdfast/event-store';
import { createTokenProvider, resolveCloud, type ResolvedCloud } from '@holdfast/graph';
import type { Pool } from 'pg';
import type { EnvelopeCipher } from '../crypto/envelope-cipher';
import { checkPermissions, type PermissionReport } from '../permissions/graph-permissions';
import { credentialConfig, tokenClaims, verifyCredential, type CredentialInput, type StoredCredential } from './credential-verifier';
import { organizationDecider, type OrganizationCommand } from './organization.decider';
import { OrganizationRepository, type ApplicationRow, type OrganizationRow } from './organization.repository';
import {
  addApplicationRequest,
  addOrganizationRequest,
  listRequest,
  organizationRef,
  rotateCredentialRequest,
  type CredentialRequest,
} from './organization.requests';
import { parseRequest } from './parse-request';

/** Days before expiry from which a secret or certificate is reported as expiring. */
export const EXPIRY_WARNING_DAYS = 30;

export type { ApplicationView, OrganizationConnection, OrganizationView, PermissionCheckView } from '@holdfast/contracts';

export interface OrganizationServiceDeps {
  readonly pool: Pool;
  readonly store: PostgresEventStore;
  readonly cipher: EnvelopeCipher;
  /** Extra CA (PEM) trusted for Entra ID and Graph (a TLS-inspecting proxy, the simulator). */
  readonly ca?: string;
  readonly now?: () => Date;
}

export const credentialContext = (organizationId: string, clientId: string) => `app:${organizationId}:${clientId}`;

export function toCredentialInput(c: CredentialRequest): CredentialInput {
  if (c.kind === 'client-secret') return { kind: 'client-secret', clientSecret: c.clientSecret, expiresAt: c.expiresAt };
  if (c.pem && c.pfxBase64) throw new HoldfastError('validation_failed', 'credential: give the certificate either as PFX or as PEM, not both');
  if (c.pem) return { kind: 'client-certificate', pem: c.pem };
  if (c.pfxBase64) return { kind: 'client-certificate', pfxBase64: c.pfxBase64, password: c.password };
  throw new HoldfastError('validation_failed', 'credential: a certificate (PFX or PEM) is required');
}

/**
 * Connecting, checking and removing customer organizations. Every credential is proven
 * (a Graph token is obtained with it) before anything is stored; the stored rows and the
 * events are written in one transaction, so a refused connection leaves nothing behind.
 */
export class OrganizationService {
  readonly repo: OrganizationRepository;
  private readonly handler: CommandHandler<OrganizationCommand, never, never>;
  private readonly now: () => Date;

  constructor(private readonly deps: OrganizationServiceDeps) {
    this.repo = new OrganizationRepository(deps.pool);
    this.handler = new CommandHandler(deps.store, organizationDecider) as never;
    this.now = deps.now ?? (() => new Date());
  }

  cloudOf(org: Pick<OrganizationRow, 'cloud' | 'authorityHost' | 'graphEndpoint'>): ResolvedCloud {
    return resolveCloud(org.cloud, { authorityHost: org.authorityHost ?? undefined, graphEndpoint: org.graphEndpoint ?? undefined });
  }

  async add(payload: unknown, actor?: string): Promise<OrganizationView> {
    const req = parseRequest(addOrganizationRequest, payload);
    const cloud = resolveCloud(req.cloud, { authorityHost: req.authorityHost, graphEndpoint: req.graphEndpoint });
    await this.refuseDuplicate(req.tenantId, req.m365TenantId);
    const verified = await verifyCredential(req.m365TenantId, req.clientId, toCredentialInput(req.credential), {
      cloud,
      ca: this.deps.ca,
      now: this.now().getTime(),
    });
    const m365TenantId = verified.tenantGuid;
    if (m365TenantId !== req.m365TenantId) await this.refuseDuplicate(req.tenantId, m365TenantId);
    const report = checkPermissions(verified.roles, req.services);
    if (report.servicesReady.length === 0 && !req.allowMissingPermissions) {
      throw new HoldfastError(
        'permissions_missing',
        `application ${req.clientId} lacks permissions for every chosen service; missing: ${report.missing.join(', ')}. ` +
          'Grant them in Entra ID (admin consent) and try again, or connect with allowMissingPermissions and run "holdfast org grant".',
        { missing: report.missing },
      );
    }
    const organizationId = randomUUID();
    const at = this.now().toISOString();
    const ciphertext = await this.deps.cipher.encrypt(req.tenantId, credentialContext(organizationId, req.clientId), JSON.stringify(verified.stored));
    const org: OrganizationRow = {
      id: organizationId,
      tenantId: req.tenantId,
      displayName: req.displayName,
      m365TenantId,
      cloud: req.cloud,
      services: req.services,
      authorityHost: req.authorityHost ? cloud.authorityHost : null,
      graphEndpoint: req.graphEndpoint ? cloud.graphEndpoint : null,
      onboarding: 'existing-application',
      connectedAt: at,
    };
    await this.connect(org, {
      clientId: req.clientId,
      kind: verified.stored.kind,
      ciphertext,
      expiresAt: verified.credentialExpiresAt,
      thumbprint: verified.certificateThumbprint,
      roles: verified.roles,
      report,
    }, actor);
    return this.show({ tenantId: req.tenantId, organizationId });
  }

  /** Stores a verified organization and its first application, with the events, in one transaction. */
  async connect(
    org: OrganizationRow,
    app: { clientId: string; kind: StoredCredential['kind']; ciphertext: string; expiresAt?: string; thumbprint?: string; roles: string[]; report: PermissionReport },
    actor?: string,
  ): Promise<void> {
    await this.deps.store.withTransaction(async (tx) => {
      await this.repo.insertOrganization(tx.client, org);
      await this.repo.insertApplication(tx.client, org.tenantId, {
        organizationId: org.id,
        clientId: app.clientId,
        credentialKind: app.kind,
        credentialCiphertext: app.ciphertext,
        credentialExpiresAt: app.expiresAt ?? null,
        certificateThumbprint: app.thumbprint ?? null,
        granted: app.roles,
        missing: app.report.missing,
        checkedAt: org.connectedAt,
        addedAt: org.connectedAt,
      });
      await this.handler.handle({
        tenantId: org.tenantId,
        streamId: `org-${org.id}`,
        command: {
          type: 'ConnectOrganization',
          data: {
            organizationId: org.id,
            displayName: org.displayName,
            m365TenantId: org.m365TenantId,
            cloud: org.cloud,
            services: org.services,
            onboarding: org.onboarding,
            application: { clientId: app.clientId, credentialKind: app.kind, credentialExpiresAt: app.expiresAt, certificateThumbprint: app.thumbprint },
            permissions: {
              missing: app.report.missing,
              servicesReady: app.report.servicesReady,
              servicesMissingPermissions: app.report.servicesMissingPermissions,
            },
            at: org.connectedAt,
          },
        },
        metadata: actor ? { actor } : undefined,
        tx,
      });
    });
  }

  async refuseDuplicate(tenantId: string, m365TenantId: string): Promise<void> {
    const existing = await this.repo.findActiveByM365Tenant(tenantId, m365TenantId);
    if (existing) {
      throw new HoldfastError(
        'already_exists',
        `the Microsoft 365 tenant ${m365TenantId} is already connected as "${existing.displayName}" (${existing.id}); add another application to it instead`,
        { organizationId: existing.id },
      );
    }
  }

  async list(payload: unknown): Promise<OrganizationView[]> {
    const { tenantId } = parseRequest(listRequest, payload);
    const orgs = await this.repo.listActive(tenantId);
    return Promise.all(orgs.map(async (o) => this.view(o, await this.repo.applications(o.id))));
  }

  async show(payload: unknown): Promise<OrganizationView> {
    const ref = parseRequest(organizationRef, payload);
    const org = await this.repo.requireActive(ref.tenantId, ref.organizationId);
    return this.view(org, await this.repo.applications(org.id));
  }

  async connection(payload: unknown): Promise<OrganizationConnection> {
    const ref = parseRequest(organizationRef, payload);
    const org = await this.repo.requireActive(ref.tenantId, ref.organizationId);
    const apps = await this.repo.applications(org.id);
    return {
      organizationId: org.id,
      m365TenantId: org.m365TenantId,
      cloud: org.cloud,
      graphBaseUrl: this.cloudOf(org).graphBaseUrl,
      services: org.services,
      applications: apps.map((a) => a.clientId),
    };
  }

  /** Decrypts an application's stored credential (only for the token broker and grants). */
  async storedCredential(org: OrganizationRow, app: ApplicationRow): Promise<StoredCredential> {
    return JSON.parse(await this.deps.cipher.decryptText(org.tenantId, credentialContext(org.id, app.clientId), app.credentialCiphertext)) as StoredCredential;
  }

  /** Gets a fresh token for every application and records which required permissions each lacks. */
  async check(payload: unknown, actor?: string): Promise<PermissionCheckView> {
    const ref = parseRequest(organizationRef, payload);
    const org = await this.repo.requireActive(ref.tenantId, ref.organizationId);
    const cloud = this.cloudOf(org);
    const results: PermissionCheckView['applications'] = [];
    for (const app of await this.repo.applications(org.id)) {
      try {
        const provider = createTokenProvider(credentialConfig(org.m365TenantId, app.clientId, await this.storedCredential(org, app)), { cloud, ca: this.deps.ca });
        const roles = tokenClaims((await provider.getToken({ forceRefresh: true })).token).roles;
        const report = checkPermissions(roles, org.services);
        await this.recordCheck(org, app.clientId, roles, report, actor);
        results.push({ clientId: app.clientId, missing: report.missing });
      } catch (e) {
        if (!(e instanceof HoldfastError)) throw e;
        results.push({ clientId: app.clientId, missing: app.missing, error: { code: e.code, message: e.message } });
      }
    }
    const view = await this.show(ref);
    return { organizationId: org.id, permissions: view.permissions, applications: results };
  }

  async recordCheck(org: OrganizationRow, clientId: string, roles: string[], report: PermissionReport, actor?: string): Promise<void> {
    const at = this.now().toISOString();
    await this.deps.store.withTransaction(async (tx) => {
      await this.repo.updatePermissions(tx.client, org.id, clientId, roles, report.missing, at);
      await this.handler.handle({
        tenantId: org.tenantId,
        streamId: `org-${org.id}`,
        command: {
          type: 'RecordPermissionCheck',
          data: {
            clientId,
            permissions: { missing: report.missing, servicesReady: report.servicesReady, servicesMissingPermissions: report.servicesMissingPermissions },
            at,
          },
        },
        metadata: actor ? { actor } : undefined,
        tx,
      });
    });
  }

  async recordGrant(org: OrganizationRow, clientId: string, granted: string[], actor?: string): Promise<void> {
    await this.handler.handle({
      tenantId: org.tenantId,
      streamId: `org-${org.id}`,
      command: { type: 'RecordPermissionsGranted', data: { clientId, granted, at: this.now().toISOString() } },
      metadata: actor ? { actor } : undefined,
    });
  }

  /** Adds another application to the organization's pool (the token broker rotates over them). */
  async addApplication(payload: unknown, actor?: string): Promise<OrganizationView> {
    const req = parseRequest(addApplicationRequest, payload);
    const org = await this.repo.requireActive(req.tenantId, req.organizationId);
    const apps = await this.repo.applications(org.id);
    if (apps.some((a) => a.clientId.toLowerCase() === req.clientId.toLowerCase())) {
      throw new HoldfastError('already_exists', `application ${req.clientId} is already in the pool of "${org.displayName}"`);
    }
    const verified = await verifyCredential(org.m365TenantId, req.clientId, toCredentialInput(req.credential), {
      cloud: this.cloudOf(org),
      ca: this.deps.ca,
      now: this.now().getTime(),
    });
    const report = checkPermissions(verified.roles, org.services);
    const at = this.now().toISOString();
    const ciphertext = await this.deps.cipher.encrypt(org.tenantId, credentialContext(org.id, req.clientId), JSON.stringify(verified.stored));
    await this.deps.store.withTransaction(async (tx) => {
      await this.repo.insertApplication(tx.client, org.tenantId, {
        organizationId: org.id,
        clientId: req.clientId,
        credentialKind: verified.stored.kind,
        credentialCiphertext: ciphertext,
        credentialExpiresAt: verified.credentialExpiresAt ?? null,
        certificateThumbprint: verified.certificateThumbprint ?? null,
        granted: verified.roles,
        missing: report.missing,
        checkedAt: at,
        addedAt: at,
      });
      await this.handler.handle({
        tenantId: org.tenantId,
        streamId: `org-${org.id}`,
        command: {
          type: 'AddApplication',
          data: {
            application: {
              clientId: req.clientId,
              credentialKind: verified.stored.kind,
              credentialExpiresAt: verified.credentialExpiresAt,
              certificateThumbprint: verified.certificateThumbprint,
            },
            permissions: { missing: report.missing, servicesReady: report.servicesReady, servicesMissingPermissions: report.servicesMissingPermissions },
            at,
          },
        },
        metadata: actor ? { actor } : undefined,
        tx,
      });
    });
    return this.show(req);
  }

  /** Replaces the secret or certificate of one application after proving the new one works. */
  async rotateCredential(payload: unknown, actor?: string): Promise<OrganizationView> {
    const req = parseRequest(rotateCredentialRequest, payload);
    const org = await this.repo.requireActive(req.tenantId, req.organizationId);
    const app = (await this.repo.applications(org.id)).find((a) => a.clientId.toLowerCase() === req.clientId.toLowerCase());
    if (!app) throw new HoldfastError('not_found', `application ${req.clientId} is not in the pool of "${org.displayName}"`);
    const verified = await verifyCredential(org.m365TenantId, app.clientId, toCredentialInput(req.credential), {
      cloud: this.cloudOf(org),
      ca: this.deps.ca,
      now: this.now().getTime(),
    });
    const at = this.now().toISOString();
    const ciphertext = await this.deps.cipher.encrypt(org.tenantId, credentialContext(org.id, app.clientId), JSON.stringify(verified.stored));
    await this.deps.store.withTransaction(async (tx) => {
      await this.repo.updateCredential(tx.client, org.id, app.clientId, {
        kind: verified.stored.kind,
        ciphertext,
        expiresAt: verified.credentialExpiresAt ?? null,
        thumbprint: verified.certificateThumbprint ?? null,
        at,
      });
      await this.handler.handle({
        tenantId: org.tenantId,
        streamId: `org-${org.id}`,
        command: {
          type: 'RotateCredential',
          data: {
            application: {
              clientId: app.clientId,
              credentialKind: verified.stored.kind,
              credentialExpiresAt: verified.credentialExpiresAt,
              certificateThumbprint: verified.certificateThumbprint,
            },
            at,
          },
        },
        metadata: actor ? { actor } : undefined,
        tx,
      });
    });
    return this.show(req);
  }

  /** Disconnects the organization and destroys its stored credentials (the events remain). */
  async remove(payload: unknown, actor?: string): Promise<{ organizationId: string; removed: true }> {
    const ref = parseRequest(organizationRef, payload);
    const org = await this.repo.requireActive(ref.tenantId, ref.organizationId);
    const at = this.now().toISOString();
    await this.deps.store.withTransaction(async (tx) => {
      await this.repo.remove(tx.client, org.id, at);
      await this.handler.handle({
        tenantId: org.tenantId,
        streamId: `org-${org.id}`,
        command: { type: 'RemoveOrganization', data: { at } },
        metadata: actor ? { actor } : undefined,
        tx,
      });
    });
    return { organizationId: org.id, removed: true };
  }

  /** Secrets and certificates ending within `days` (all tenants), for expiry warnings. */
  async expiring(days = EXPIRY_WARNING_DAYS): Promise<{ tenantId: string; organizationId: string; clientId: string; credentialKind: string; expiresAt: string; expired: boolean }[]> {
    const now = this.now();
    const rows = await this.repo.expiringApplications(new Date(now.getTime() + days * 86_400_000));
    return rows.map((r) => ({
      tenantId: r.tenantId,
      organizationId: r.organizationId,
      clientId: r.clientId,
      credentialKind: r.credentialKind,
      expiresAt: r.credentialExpiresAt!,
      expired: Date.parse(r.credentialExpiresAt!) <= now.getTime(),
    }));
  }

  private view(org: OrganizationRow, apps: ApplicationRow[]): OrganizationView {
    const now = this.now().getTime();
    // a service is ready when every application of the pool has its permissions
    const grantedByAll = apps.length ? intersect(apps.map((a) => a.granted)) : [];
    const permissions = checkPermissions(grantedByAll, org.services);
    return {
      organizationId: org.id,
      tenantId: org.tenantId,
      displayName: org.displayName,
      m365TenantId: org.m365TenantId,
      cloud: org.cloud,
      services: org.services,
      ...(org.authorityHost ? { authorityHost: org.authorityHost } : {}),
      ...(org.graphEndpoint ? { graphEndpoint: org.graphEndpoint } : {}),
      onboarding: org.onboarding,
      connectedAt: org.connectedAt,
      applications: apps.map((a) => ({
        clientId: a.clientId,
        credentialKind: a.credentialKind,
        credentialExpiresAt: a.credentialExpiresAt,
        certificateThumbprint: a.certificateThumbprint,
        expiry: expiryOf(a.credentialExpiresAt, now),
        missingPermissions: a.missing,
        checkedAt: a.checkedAt,
      })),
      permissions,
    };
  }
}

function intersect(lists: string[][]): string[] {
  const [first, ...rest] = lists;
  return first.filter((x) => rest.every((l) => l.includes(x)));
}

export function expiryOf(expiresAt: string | null, now: number): ApplicationView['expiry'] {
  if (!expiresAt) return 'unknown';
  const t = Date.parse(expiresAt);
  if (t <= now) return 'expired';
  if (t - now < EXPIRY_WARNING_DAYS * 86_400_000) return 'expiring';
  return 'ok';
}

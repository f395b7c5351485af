import { bootServices, type RunningServices } from '@holdfast/service-kit';
import { createTestDatabase, mapHostsToLoopback, startSimulator, testNamespace, testNatsUrl, type RunningSimulator, type TestDatabase } from '@holdfast/testing';
import { PostgresEventStore } from '@holdfast/event-store';
import forge from 'node-forge';
import { authService } from './auth-service.module';
import { CredentialExpiryMonitor } from './orgs/credential-expiry.monitor';
import { AUTH_METHODS, AUTH_SLOW_TIMEOUT_MS } from './bus/auth-bus.handlers';
import { generateSelfSignedCertificate } from './certificates/self-signed-certificate';
import type { OrganizationView, PermissionCheckView } from './orgs/organization.service';
import type { BrokeredToken } from './broker/token-broker';
import { registerApp, simulatorAdminClient } from './testing/simulator-apps.int-helper';

jest.setTimeout(90_000);

describe('connecting organizations (auth service, simulator, Postgres, JetStream)', () => {
  let sim: RunningSimulator;
  let db: TestDatabase;
  let running: RunningServices;
  const ask = <T>(method: string, payload: unknown) =>
    running.platform.bus.bus.request<T>('auth', method, payload, { timeoutMs: AUTH_SLOW_TIMEOUT_MS });
  const endpoints = () => ({ authorityHost: sim.authorityHost, graphEndpoint: sim.graphBaseUrl });
  const secretRequest = (over: Record<string, unknown> = {}) => ({
    tenantId: 'msp-a',
    displayName: 'Contoso',
    m365TenantId: sim.tenantId,
    clientId: sim.clientId,
    credential: { kind: 'client-secret', clientSecret: sim.clientSecret },
    ...endpoints(),
    ...over,
  });
  const orgRows = async () => (await running.platform.db.query('SELECT id, tenant_id FROM auth.organizations WHERE removed_at IS NULL')).rows;

  beforeAll(async () => {
    [sim, db] = await Promise.all([startSimulator({ users: 12, timeScale: 20 }), createTestDatabase('hf_auth_e2e')]);
    running = await bootServices({
      services: [authService],
      env: {
        DATABASE_URL: db.url,
        NATS_URL: testNatsUrl(),
        HOLDFAST_BUS: 'jetstream',
        HOLDFAST_NAMESPACE: testNamespace('auth'),
        HOST: '127.0.0.1',
        PORT: '0',
        HOLDFAST_LOG_LEVEL: 'silent',
        HOLDFAST_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
        HOLDFAST_GRAPH_CA_FILE: sim.caCertPath,
      },
    });
  });
  afterAll(async () => {
    await running?.close();
    await Promise.all([sim?.stop(), db?.drop()]);
  });

  it('connects with a client secret, stores it encrypted, and never returns or records it', async () => {
    const org = await ask<OrganizationView>(AUTH_METHODS.addOrganization, secretRequest());
    expect(org).toMatchObject({ displayName: 'Contoso', m365TenantId: sim.tenantId, cloud: 'global', onboarding: 'existing-application' });
    expect(org.permissions.servicesReady).toEqual(['exchange', 'groups', 'onedrive', 'sharepoint', 'teams']);
    expect(org.permissions.missing).toEqual([]);
    expect(org.applications).toEqual([expect.objectContaining({ clientId: sim.clientId, credentialKind: 'client-secret', missingPermissions: [] })]);
    expect(JSON.stringify(org)).not.toContain(sim.clientSecret);

    const stored = await running.platform.db.query('SELECT credential_ciphertext FROM auth.applications');
    expect(stored.rows[0].credential_ciphertext).toMatch(/^v1\./);
    expect(JSON.stringify(stored.rows)).not.toContain(sim.clientSecret);
    const store = new PostgresEventStore({ pool: running.platform.db });
    const events = await store.readStream(`org-${org.organizationId}`);
    expect(events.map((e) => e.type)).toEqual(['OrganizationConnected', 'OrganizationApplicationAdded', 'OrganizationPermissionsChecked']);
    expect(events.every((e) => e.tenantId === 'msp-a')).toBe(true);
    expect(JSON.stringify(events)).not.toContain(sim.clientSecret);

    const list = await ask<OrganizationView[]>(AUTH_METHODS.listOrganizations, { tenantId: 'msp-a' });
    expect(list.map((o) => o.organizationId)).toEqual([org.organizationId]);
    expect(await ask<OrganizationView[]>(AUTH_METHODS.listOrganizations, { tenantId: 'msp-b' })).toEqual([]);
  });

  it('refuses bad input with a message naming the problem and stores nothing', async () => {
    const before = await orgRows();
    await expect(ask(AUTH_METHODS.addOrganization, secretRequest({ tenantId: 'msp-x', m365TenantId: 'not a tenant!' }))).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringMatching(/m365TenantId: expected the Microsoft 365 tenant id/),
    });
    await expect(ask(AUTH_METHODS.addOrganization, secretRequest({ tenantId: 'msp-x', clientId: 'abc' }))).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringMatching(/clientId: expected the application \(client\) id/),
    });
    await expect(
      ask(AUTH_METHODS.addOrganization, secretRequest({ tenantId: 'msp-x', credential: { kind: 'client-secret', clientSecret: 'wrong-secret' } })),
    ).rejects.toMatchObject({ code: 'credentials_invalid', message: expect.stringMatching(/client secret is wrong.*AADSTS7000215/) });
    const refused = await ask(AUTH_METHODS.addOrganization, secretRequest({ tenantId: 'msp-x', credential: { kind: 'client-secret', clientSecret: 'wrong-secret-value' } })).catch((e: Error) => e);
    expect(JSON.stringify({ message: (refused as Error).message, details: (refused as { details?: unknown }).details })).not.toContain('wrong-secret-value');
    await expect(
      ask(AUTH_METHODS.addOrganization, secretRequest({ tenantId: 'msp-x', m365TenantId: '00000000-0000-4000-8000-000000000001' })),
    ).rejects.toMatchObject({ code: 'credentials_invalid', message: expect.stringMatching(/tenant was not found/) });
    await expect(ask(AUTH_METHODS.addOrganization, secretRequest())).rejects.toMatchObject({
      code: 'already_exists',
      message: expect.stringMatching(/already connected as "Contoso"/),
    });
    expect(await orgRows()).toEqual(before);
  });

  it('connects with an imported PFX certificate; a wrong PFX password or an expired certificate is named', async () => {
    const admin = simulatorAdminClient(sim);
    const cert = generateSelfSignedCertificate({ password: 'pfx-password-1' });
    const app = await registerApp(admin, { name: 'cert app', roles: ['Directory.Read.All', 'Organization.Read.All', 'Files.ReadWrite.All', 'Sites.ReadWrite.All'], certificateDerBase64: cert.certificateDerBase64 });
    const request = (credential: Record<string, unknown>) =>
      secretRequest({ tenantId: 'msp-b', displayName: 'Contoso (cert)', clientId: app.appId, services: ['onedrive'], credential });

    await expect(ask(AUTH_METHODS.addOrganization, request({ kind: 'client-certificate', pfxBase64: cert.pfxBase64, password: 'nope' }))).rejects.toMatchObject({
      code: 'credentials_invalid',
      message: expect.stringMatching(/PFX password is wrong/),
    });
    await expect(ask(AUTH_METHODS.addOrganization, request({ kind: 'client-certificate', pem: expiredCertificatePem() }))).rejects.toMatchObject({
      code: 'credentials_invalid',
      message: expect.stringMatching(/expired on/),
    });
    expect((await ask<OrganizationView[]>(AUTH_METHODS.listOrganizations, { tenantId: 'msp-b' })).length).toBe(0);

    const org = await ask<OrganizationView>(AUTH_METHODS.addOrganization, request({ kind: 'client-certificate', pfxBase64: cert.pfxBase64, password: 'pfx-password-1' }));
    expect(org.applications[0]).toMatchObject({ clientId: app.appId, credentialKind: 'client-certificate', certificateThumbprint: cert.thumbprint, expiry: 'ok' });
    expect(org.permissions.servicesReady).toEqual(['onedrive']);
    const token = await ask<BrokeredToken>(AUTH_METHODS.token, { tenantId: 'msp-b', organizationId: org.organizationId });
    expect(token.appId).toBe(app.appId);
    expect(claims(token.accessToken)).toMatchObject({ appid: app.appId, tid: sim.tenantId });

    // rotation to a certificate that ends in 10 days: proven first, then reported as expiring
    const next = generateSelfSignedCertificate({ validDays: 10 });
    await admin.patch(`/applications/${app.objectId}`, { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: next.certificateDerBase64, displayName: 'CN=next' }] });
    await expect(
      ask(AUTH_METHODS.rotateCredential, { tenantId: 'msp-b', organizationId: org.organizationId, clientId: app.appId, credential: { kind: 'client-certificate', pem: cert.pem } }),
    ).rejects.toMatchObject({ code: 'credentials_invalid', message: expect.stringMatching(/AADSTS700027/) });
    const rotated = await ask<OrganizationView>(AUTH_METHODS.rotateCredential, {
      tenantId: 'msp-b',
      organizationId: org.organizationId,
      clientId: app.appId,
      credential: { kind: 'client-certificate', pfxBase64: next.pfxBase64, password: next.password },
    });
    expect(rotated.applications[0]).toMatchObject({ certificateThumbprint: next.thumbprint, expiry: 'expiring' });
    const expiring = await ask<{ organizationId: string; clientId: string; expired: boolean }[]>(AUTH_METHODS.expiringCredentials, { tenantId: 'msp-b' });
    expect(expiring).toEqual([expect.objectContaining({ organizationId: org.organizationId, clientId: app.appId, expired: false })]);
    expect(await running.app.get(CredentialExpiryMonitor).check()).toBeGreaterThanOrEqual(1);
    const after = await ask<BrokeredToken>(AUTH_METHODS.token, { tenantId: 'msp-b', organizationId: org.organizationId });
    expect(after.accessToken).not.toBe(token.accessToken); // the cached token of the old credential is not reused
    const types = (await new PostgresEventStore({ pool: running.platform.db }).readStream(`org-${org.organizationId}`)).map((e) => e.type);
    expect(types).toContain('OrganizationCredentialRotated');
  });

  it('reports services whose permissions are missing, refuses an application with none, and rechecks', async () => {
    const admin = simulatorAdminClient(sim);
    const partial = await registerApp(admin, { name: 'partial', secret: true, roles: ['User.Read.All', 'Group.Read.All', 'Organization.Read.All', 'Mail.ReadWrite', 'MailboxSettings.Read', 'Calendars.ReadWrite', 'Contacts.ReadWrite'] });
    const none = await registerApp(admin, { name: 'none', secret: true, roles: [] });
    const base = { tenantId: 'msp-c', displayName: 'Contoso (partial)', services: ['exchange', 'sharepoint'] };
    await expect(
      ask(AUTH_METHODS.addOrganization, secretRequest({ ...base, clientId: none.appId, credential: { kind: 'client-secret', clientSecret: none.secret } })),
    ).rejects.toMatchObject({ code: 'permissions_missing', message: expect.stringMatching(/lacks permissions for every chosen service; missing: .*User\.Read\.All/) });
    expect(await ask<OrganizationView[]>(AUTH_METHODS.listOrganizations, { tenantId: 'msp-c' })).toEqual([]);

    const org = await ask<OrganizationView>(
      AUTH_METHODS.addOrganization,
      secretRequest({ ...base, clientId: partial.appId, credential: { kind: 'client-secret', clientSecret: partial.secret } }),
    );
    expect(org.permissions.servicesReady).toEqual(['exchange']);
    expect(org.permissions.servicesMissingPermissions).toEqual(['sharepoint']);
    expect(org.permissions.byService.sharepoint).toEqual(['Files.ReadWrite.All', 'Sites.FullControl.All', 'Sites.ReadWrite.All']);

    const check = await ask<PermissionCheckView>(AUTH_METHODS.checkOrganization, { tenantId: 'msp-c', organizationId: org.organizationId });
    expect(check.applications).toEqual([{ clientId: partial.appId, missing: ['Files.ReadWrite.All', 'Sites.FullControl.All', 'Sites.ReadWrite.All'] }]);

    // granted by device code: the administrator signs in, Holdfast assigns the missing app roles
    const started = await ask<{ onboardingId: string; userCode: string; verificationUri: string }>(AUTH_METHODS.startGrant, { tenantId: 'msp-c', organizationId: org.organizationId });
    expect(started.userCode).toMatch(/^[A-Z0-9]{6,12}$/);
    await sim.control('POST', `/device-codes/${started.userCode}/approve`, {});
    const done = await waitForOnboarding('msp-c', started.onboardingId);
    expect(done).toMatchObject({ status: 'completed', granted: ['Files.ReadWrite.All', 'Sites.FullControl.All', 'Sites.ReadWrite.All'] });
    const after = await ask<OrganizationView>(AUTH_METHODS.showOrganization, { tenantId: 'msp-c', organizationId: org.organizationId });
    expect(after.permissions.servicesReady).toEqual(['exchange', 'sharepoint']);
    expect(after.applications[0].missingPermissions).toEqual([]);
    const types = (await new PostgresEventStore({ pool: running.platform.db }).readStream(`org-${org.organizationId}`)).map((e) => e.type);
    expect(types).toContain('OrganizationPermissionsGranted');
  });

  it('registers a new application by device code (certificate, consent), stores it, and offers the PFX once', async () => {
    const started = await ask<{ onboardingId: string; userCode: string; verificationUri: string; status: string }>(AUTH_METHODS.startDeviceCode, {
      tenantId: 'msp-d',
      displayName: 'Contoso by device code',
      m365TenantId: sim.tenantId,
      services: ['exchange', 'onedrive'],
      ...endpoints(),
    });
    expect(started).toMatchObject({ status: 'waiting_for_sign_in', verificationUri: expect.stringMatching(/^https:\/\//) });
    await sim.control('POST', `/device-codes/${started.userCode}/approve`, {});
    const done = await waitForOnboarding('msp-d', started.onboardingId);
    expect(done).toMatchObject({ status: 'completed', organizationId: expect.any(String), certificate: { pfxBase64: expect.any(String), password: expect.any(String) } });
    const again = await ask<{ certificate?: unknown }>(AUTH_METHODS.onboardingStatus, { tenantId: 'msp-d', onboardingId: started.onboardingId });
    expect(again.certificate).toBeUndefined();
    const org = await ask<OrganizationView>(AUTH_METHODS.showOrganization, { tenantId: 'msp-d', organizationId: done.organizationId });
    expect(org).toMatchObject({ onboarding: 'device-code', m365TenantId: sim.tenantId });
    expect(org.applications[0]).toMatchObject({ credentialKind: 'client-certificate', missingPermissions: [] });
    expect(org.permissions.servicesReady).toEqual(['exchange', 'onedrive']);
  });

  it('connects a US Government (GCC High) tenant through its own cloud endpoints, and names the wrong cloud', async () => {
    const restore = mapHostsToLoopback();
    try {
      const gov = sim.tenant('fabrikamgov');
      const request = (cloud: string, authorityHost: string) => ({
        tenantId: 'msp-gov',
        displayName: 'Fabrikam Gov',
        m365TenantId: gov.tenantId,
        clientId: gov.clientId,
        credential: { kind: 'client-secret', clientSecret: gov.clientSecret },
        cloud,
        authorityHost,
        graphEndpoint: gov.cloudGraphBaseUrl,
      });
      const wrongCloud = gov.cloudAuthorityHost.replace('login.microsoftonline.us', 'login.microsoftonline.com');
      await expect(ask(AUTH_METHODS.addOrganization, request('global', wrongCloud))).rejects.toMatchObject({
        code: 'credentials_invalid',
        message: expect.stringMatching(/tenant was not found.*cloud/),
      });
      const org = await ask<OrganizationView>(AUTH_METHODS.addOrganization, request('usgov', gov.cloudAuthorityHost));
      expect(org).toMatchObject({ cloud: 'usgov', m365TenantId: gov.tenantId });
      const token = await ask<BrokeredToken>(AUTH_METHODS.token, { tenantId: 'msp-gov', organizationId: org.organizationId });
      expect(claims(token.accessToken)).toMatchObject({ aud: 'https://graph.microsoft.us', tid: gov.tenantId });
    } finally {
      restore();
    }
  });

  it('reports a declined or expired device code and registers nothing', async () => {
    for (const [action, pattern] of [['decline', /declined/], ['expire', /expired/]] as const) {
      const started = await ask<{ onboardingId: string; userCode: string }>(AUTH_METHODS.startDeviceCode, {
        tenantId: 'msp-e',
        displayName: 'Declined',
        m365TenantId: sim.tenantId,
        ...endpoints(),
      });
      await sim.control('POST', `/device-codes/${started.userCode}/${action}`, {});
      const done = await waitForOnboarding('msp-e', started.onboardingId);
      expect(done.status).toBe('failed');
      expect(done.error?.message).toMatch(pattern);
    }
    expect(await ask<OrganizationView[]>(AUTH_METHODS.listOrganizations, { tenantId: 'msp-e' })).toEqual([]);
  });

  it('rotates tokens over the application pool, caches them, and removes an organization with its credentials', async () => {
    const [org] = await ask<OrganizationView[]>(AUTH_METHODS.listOrganizations, { tenantId: 'msp-a' });
    const admin = simulatorAdminClient(sim);
    const second = await registerApp(admin, { name: 'second', secret: true, roles: ['Directory.Read.All', 'Organization.Read.All'] });
    const withTwo = await ask<OrganizationView>(AUTH_METHODS.addApplication, {
      tenantId: 'msp-a',
      organizationId: org.organizationId,
      clientId: second.appId,
      credential: { kind: 'client-secret', clientSecret: second.secret },
    });
    expect(withTwo.applications.map((a) => a.clientId)).toEqual([sim.clientId, second.appId]);
    const tokens = [];
    for (let i = 0; i < 4; i++) tokens.push(await ask<BrokeredToken>(AUTH_METHODS.token, { tenantId: 'msp-a', organizationId: org.organizationId }));
    expect(tokens.map((t) => t.appId)).toEqual([sim.clientId, second.appId, sim.clientId, second.appId]);
    expect(tokens[2].accessToken).toBe(tokens[0].accessToken); // cached per application
    const pinned = await ask<BrokeredToken>(AUTH_METHODS.token, { tenantId: 'msp-a', organizationId: org.organizationId, appId: second.appId, forceRefresh: true });
    expect(pinned.appId).toBe(second.appId);
    await expect(ask(AUTH_METHODS.token, { tenantId: 'msp-b', organizationId: org.organizationId })).rejects.toMatchObject({ code: 'not_found' });

    // an application deleted in Entra ID is skipped by the rotation; asked for by id, its failure is named
    const doomed = await registerApp(admin, { name: 'doomed', secret: true, roles: ['Directory.Read.All'] });
    await ask(AUTH_METHODS.addApplication, { tenantId: 'msp-a', organizationId: org.organizationId, clientId: doomed.appId, credential: { kind: 'client-secret', clientSecret: doomed.secret } });
    await admin.delete(`/applications/${doomed.objectId}`);
    const rotated = [];
    for (let i = 0; i < 3; i++) rotated.push((await ask<BrokeredToken>(AUTH_METHODS.token, { tenantId: 'msp-a', organizationId: org.organizationId })).appId);
    expect(rotated).not.toContain(doomed.appId);
    expect(new Set(rotated)).toEqual(new Set([sim.clientId, second.appId]));
    await expect(ask(AUTH_METHODS.token, { tenantId: 'msp-a', organizationId: org.organizationId, appId: doomed.appId })).rejects.toMatchObject({ code: 'credentials_invalid' });

    await ask(AUTH_METHODS.removeOrganization, { tenantId: 'msp-a', organizationId: org.organizationId });
    expect((await running.platform.db.query('SELECT count(*)::int AS n FROM auth.applications WHERE organization_id = $1', [org.organizationId])).rows[0].n).toBe(0);
    await expect(ask(AUTH_METHODS.token, { tenantId: 'msp-a', organizationId: org.organizationId })).rejects.toMatchObject({ code: 'not_found' });
    // the tenant can be connected again after removal
    const back = await ask<OrganizationView>(AUTH_METHODS.addOrganization, secretRequest());
    expect(back.organizationId).not.toBe(org.organizationId);
  });

  async function waitForOnboarding(tenantId: string, onboardingId: string) {
    for (;;) {
      const s = await ask<{ status: string; organizationId: string; granted?: string[]; error?: { message: string }; certificate?: unknown }>(AUTH_METHODS.onboardingStatus, { tenantId, onboardingId });
      if (s.status === 'completed' || s.status === 'failed') return s;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

function expiredCertificatePem(): string {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 1024 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '02';
  cert.validity.notBefore = new Date('2020-01-01T00:00:00Z');
  cert.validity.notAfter = new Date('2021-01-01T00:00:00Z');
  cert.setSubject([{ name: 'commonName', value: 'expired' }]);
  cert.setIssuer([{ name: 'commonName', value: 'expired' }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return forge.pki.privateKeyToPem(keys.privateKey) + forge.pki.certificateToPem(cert);
}

import { ClientCertificateCredential, ClientSecretCredential, DeviceCodeCredential } from '@azure/identity';
import { createPublicKey, generateKeyPairSync, randomUUID, verify } from 'node:crypto';
import forge from 'node-forge';
import {
  mapHostsToLoopback,
  simRequest,
  simulatorCredential,
  simulatorGraphClient,
  simulatorIdentityOptions,
  startSimulator,
  type RunningSimulator,
} from '@holdfast/testing';

const GRAPH = 'https://graph.microsoft.com/.default';
const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

function makeCert(days: number, startDaysAgo = 1): { certPem: string; keyPem: string; derB64: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01' + randomUUID().replace(/-/g, '').slice(0, 14);
  cert.validity.notBefore = new Date(Date.now() - startDaysAgo * 86400_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86400_000);
  const name = [{ name: 'commonName', value: 'holdfast-test' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  const derB64 = forge.util.encode64(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes());
  return { certPem, keyPem, derB64 };
}

function claimsOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

describe('identity (Entra ID simulator) with the official libraries', () => {
  let sim: RunningSimulator;
  let unmap: () => void;
  beforeAll(async () => {
    // time scale shortens the device-code polling interval (5 s / 100)
    sim = await startSimulator({ users: 5, modules: [], timeScale: 100 });
    unmap = mapHostsToLoopback();
  }, 60_000);
  afterAll(async () => {
    unmap?.();
    await sim?.stop();
  });

  describe('client secret', () => {
    it('issues an RS256 token with tid, appid, roles and a Graph audience that Graph accepts', async () => {
      const tok = await simulatorCredential(sim).getToken(GRAPH);
      const header = JSON.parse(Buffer.from(tok!.token.split('.')[0], 'base64url').toString());
      expect(header.alg).toBe('RS256');
      const c = claimsOf(tok!.token);
      expect(c).toMatchObject({ tid: sim.tenantId, appid: sim.clientId, aud: 'https://graph.microsoft.com' });
      expect(c.roles).toEqual(expect.arrayContaining(['Mail.Read', 'Files.Read.All', 'User.Read.All']));
      expect(c.exp - c.iat).toBe(3599);
      const users = await simulatorGraphClient(sim).api('/users').get();
      expect(users.value).toHaveLength(5);
    });

    it('publishes OIDC discovery and a JWKS that verifies the token', async () => {
      const cfg = (await simRequest(`${sim.authorityHost}/${sim.tenantId}/v2.0/.well-known/openid-configuration`, sim.caPem)).json();
      expect(cfg.token_endpoint).toBe(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`);
      const jwks = (await simRequest(cfg.jwks_uri, sim.caPem)).json();
      const tok = await simulatorCredential(sim).getToken(GRAPH);
      const [h, p, sig] = tok!.token.split('.');
      const key = createPublicKey({ key: jwks.keys[0], format: 'jwk' });
      expect(JSON.parse(Buffer.from(h, 'base64url').toString()).kid).toBe(jwks.keys[0].kid);
      expect(verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(sig, 'base64url'))).toBe(true);
      expect(verify('sha256', Buffer.from(`${h}.${p}x`), key, Buffer.from(sig, 'base64url'))).toBe(false);
    });

    it('rejects a wrong secret (AADSTS7000215), an unknown client (AADSTS700016), a wrong tenant (AADSTS90002)', async () => {
      const opts = simulatorIdentityOptions(sim);
      await expect(new ClientSecretCredential(sim.tenantId, sim.clientId, 'wrong', opts).getToken(GRAPH)).rejects.toThrow(/AADSTS7000215/);
      await expect(new ClientSecretCredential(sim.tenantId, randomUUID(), sim.clientSecret, opts).getToken(GRAPH)).rejects.toThrow(/AADSTS700016/);
      const r = await simRequest(`${sim.authorityHost}/${randomUUID()}/oauth2/v2.0/token`, sim.caPem, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: sim.clientId, client_secret: sim.clientSecret, grant_type: 'client_credentials', scope: GRAPH }).toString(),
      });
      expect(r.status).toBe(400);
      const body = r.json();
      expect(body.error).toBe('invalid_request');
      expect(body.error_codes).toEqual([90002]);
      expect(body.error_description).toMatch(/^AADSTS90002: /);
      expect(body).toHaveProperty('trace_id');
      expect(body).toHaveProperty('correlation_id');
      await expect(new ClientSecretCredential(randomUUID(), sim.clientId, sim.clientSecret, opts).getToken(GRAPH)).rejects.toThrow();
    });

    it('refuses a scope without /.default for client credentials (AADSTS1002012)', async () => {
      const r = await simRequest(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`, sim.caPem, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: sim.clientId, client_secret: sim.clientSecret, grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/Mail.Read' }).toString(),
      });
      expect(r.status).toBe(400);
      expect(r.json().error_codes).toEqual([1002012]);
    });
  });

  describe('certificate', () => {
    let appObjectId: string;
    beforeAll(async () => {
      const client = simulatorGraphClient(sim);
      const apps = await client.api('/applications').filter(`appId eq '${sim.clientId}'`).get();
      appObjectId = apps.value[0].id;
    });

    it('accepts a certificate registered through keyCredentials (PS256 + x5t#S256 from msal-node)', async () => {
      const { certPem, keyPem, derB64 } = makeCert(30);
      const client = simulatorGraphClient(sim);
      const res = await client.api(`/applications/${appObjectId}`).patch({
        keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: derB64, displayName: 'CN=holdfast-test' }],
      });
      expect(res).toBeUndefined(); // 204
      const cred = new ClientCertificateCredential(sim.tenantId, sim.clientId, { certificate: `${certPem}\n${keyPem}` }, simulatorIdentityOptions(sim));
      const tok = await cred.getToken(GRAPH);
      expect(claimsOf(tok!.token).appid).toBe(sim.clientId);
      const app = await client.api(`/applications/${appObjectId}`).get();
      expect(app.keyCredentials).toHaveLength(1);
      expect(app.keyCredentials[0].key).toBeNull();
    });

    it('rejects an expired certificate (AADSTS700027) and an unregistered one', async () => {
      const expired = makeCert(-1, 30);
      const client = simulatorGraphClient(sim);
      await client.api(`/applications/${appObjectId}`).patch({
        keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: expired.derB64 }],
      });
      const cred = new ClientCertificateCredential(sim.tenantId, sim.clientId, { certificate: `${expired.certPem}\n${expired.keyPem}` }, simulatorIdentityOptions(sim));
      await expect(cred.getToken(GRAPH)).rejects.toThrow(/AADSTS700027.*expired/s);
      const other = makeCert(30);
      const cred2 = new ClientCertificateCredential(sim.tenantId, sim.clientId, { certificate: `${other.certPem}\n${other.keyPem}` }, simulatorIdentityOptions(sim));
      await expect(cred2.getToken(GRAPH)).rejects.toThrow(/AADSTS700027.*key was not found/s);
    });
  });

  describe('device code', () => {
    const deviceCred = (onCode: (code: string) => Promise<void>) =>
      new DeviceCodeCredential({
        tenantId: sim.tenantId,
        clientId: AZURE_CLI,
        userPromptCallback: (info: { userCode: string }) => {
          void onCode(info.userCode);
        },
        ...simulatorIdentityOptions(sim),
      } as never);

    it('signs in the admin once the code is approved (id_token + client_info accepted by MSAL)', async () => {
      let seen = '';
      const cred = deviceCred(async (code) => {
        seen = code;
        const pending = await sim.control('GET', '/device-codes');
        expect(pending.value.map((d: { userCode: string }) => d.userCode)).toContain(code);
        await sim.control('POST', `/device-codes/${code}/approve`, {});
      });
      const tok = await cred.getToken('https://graph.microsoft.com/.default');
      expect(seen).toMatch(/^[A-Z0-9]{9}$/);
      const c = claimsOf(tok!.token);
      expect(c.upn).toMatch(/^admin@/);
      expect(c.scp).toContain('Application.ReadWrite.All');
      const client = simulatorGraphClient(sim, { credential: cred });
      const org = await client.api('/organization').get();
      expect(org.value[0].id).toBe(sim.tenantId);
      // the delegated admin token can register an application (device-code onboarding)
      const app = await client.api('/applications').post({ displayName: 'Onboarded by device code' });
      expect(app.appId).toBeTruthy();
    });

    it('on /organizations the approving user decides the tenant (US Gov DoD admin on login.microsoftonline.us)', async () => {
      const dod = sim.tenant('northwinddod');
      const cred = new DeviceCodeCredential({
        tenantId: 'organizations',
        clientId: AZURE_CLI,
        userPromptCallback: (info: { userCode: string }) => {
          void sim.control('POST', `/device-codes/${info.userCode}/approve`, { user: dod.adminUserPrincipalName });
        },
        ...simulatorIdentityOptions(sim, { tenant: 'northwinddod', useCloudHosts: true }),
      } as never);
      const tok = await cred.getToken('https://dod-graph.microsoft.us/.default');
      const c = claimsOf(tok!.token);
      expect(c.tid).toBe(dod.tenantId);
      expect(c.aud).toBe('https://dod-graph.microsoft.us');
      expect(c.upn).toBe(dod.adminUserPrincipalName);
    });

    it('fails with authorization_declined when declined', async () => {
      const cred = deviceCred((code) => sim.control('POST', `/device-codes/${code}/decline`, {}));
      await expect(cred.getToken('https://graph.microsoft.com/.default')).rejects.toThrow(/authorization_declined/);
    });

    it('fails with expired_token when the code expires', async () => {
      const cred = deviceCred((code) => sim.control('POST', `/device-codes/${code}/expire`, {}));
      await expect(cred.getToken('https://graph.microsoft.com/.default')).rejects.toThrow(/expired/i);
    });

    it('answers bad_verification_code for an unknown device code', async () => {
      const r = await simRequest(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`, sim.caPem, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: AZURE_CLI, grant_type: 'device_code', device_code: 'nope' }).toString(),
      });
      expect(r.status).toBe(400);
      expect(r.json().error).toBe('bad_verification_code');
    });
  });

  describe('national clouds (Host header decides)', () => {
    const cases = [
      ['fabrikamgov', 'login.microsoftonline.us', 'graph.microsoft.us'],
      ['northwinddod', 'login.microsoftonline.us', 'dod-graph.microsoft.us'],
      ['woodgrovecn', 'login.chinacloudapi.cn', 'microsoftgraph.chinacloudapi.cn'],
      ['contoso', 'login.microsoftonline.com', 'graph.microsoft.com'],
    ] as const;
    it.each(cases)('%s authenticates on %s and reads Graph on %s', async (tenant, login, graph) => {
      const t = sim.tenant(tenant);
      expect(t.cloudAuthorityHost).toBe(`https://${login}:${sim.port}`);
      expect(t.cloudGraphBaseUrl).toBe(`https://${graph}:${sim.port}/v1.0`);
      const cred = new ClientSecretCredential(t.tenantId, t.clientId, t.clientSecret, simulatorIdentityOptions(sim, { tenant, useCloudHosts: true }));
      const tok = await cred.getToken(`https://${graph}/.default`);
      expect(claimsOf(tok!.token).aud).toBe(`https://${graph}`);
      const client = simulatorGraphClient(sim, { tenant, useCloudHosts: true, credential: cred });
      const org = await client.api('/organization').get();
      expect(org.value[0].id).toBe(t.tenantId);
    });

    it('does not find a US Gov tenant on the global authority (AADSTS90002)', async () => {
      const t = sim.tenant('fabrikamgov');
      const r = await simRequest(`https://login.microsoftonline.com:${sim.port}/${t.tenantId}/oauth2/v2.0/token`, sim.caPem, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: t.clientId, client_secret: t.clientSecret, grant_type: 'client_credentials', scope: 'https://graph.microsoft.us/.default' }).toString(),
      });
      expect(r.json().error_codes).toEqual([90002]);
    });

    it('refuses a global Graph scope in a US Gov tenant (AADSTS500011) and a global token on the US Gov Graph host', async () => {
      const t = sim.tenant('fabrikamgov');
      const cred = new ClientSecretCredential(t.tenantId, t.clientId, t.clientSecret, simulatorIdentityOptions(sim, { tenant: 'fabrikamgov', useCloudHosts: true }));
      await expect(cred.getToken('https://graph.microsoft.com/.default')).rejects.toThrow(/AADSTS500011/);
      const globalTok = await simulatorCredential(sim).getToken(GRAPH);
      const r = await simRequest(`https://graph.microsoft.us:${sim.port}/v1.0/organization`, sim.caPem, { headers: { Authorization: `Bearer ${globalTok!.token}` } });
      expect(r.status).toBe(401);
      expect(r.json().error.code).toBe('InvalidAuthenticationToken');
    });
  });
});

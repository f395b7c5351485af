import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { RunningSimulator, mapHostsToLoopback, startSimulator } from '@holdfast/testing';
import { GraphAuthError } from '../errors/graph-errors';
import { GraphClient } from '../http/graph-client';
import { simulatorClient } from '../testing/simulator-client.int-helper';
import { resolveCloud } from './clouds';
import { CredentialConfig, createTokenProvider } from './credential.factory';

/** Microsoft's public client for Graph command-line sign-in (device code needs a public client). */
const GRAPH_CLI_TOOLS = '14d82eec-204b-4c2f-b7e8-296a70dab67e';

function selfSigned(days: number): { pem: string; pfx: Buffer; derBase64: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = '0' + Date.now().toString(16);
  cert.validity.notBefore = new Date(Date.now() - 3_600_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: 'Holdfast backup' }]);
  cert.setIssuer([{ name: 'commonName', value: 'Holdfast backup' }]);
  cert.sign(key, forge.md.sha256.create());
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes();
  const p12 = forge.pkcs12.toPkcs12Asn1(key, [cert], 'pfx-secret', { algorithm: '3des' });
  return {
    pem: privateKey + forge.pki.certificateToPem(cert),
    pfx: Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'),
    derBase64: Buffer.from(der, 'binary').toString('base64'),
  };
}

describe('credentials against the simulator’s identity platform', () => {
  let sim: RunningSimulator;
  let cert: ReturnType<typeof selfSigned>;
  beforeAll(async () => {
    sim = await startSimulator({ users: 2, throttle: 'off', modules: ['directory'] });
    cert = selfSigned(30);
    // Register the certificate on the application, as certificate onboarding does.
    const { client } = simulatorClient(sim);
    const apps = await client.get<{ value: Array<{ id: string }> }>('/applications', { query: { $filter: `appId eq '${sim.clientId}'` } });
    await client.patch(`/applications/${apps.value[0].id}`, { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: cert.derBase64, displayName: 'CN=Holdfast backup' }] });
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
  });

  const clientWith = (config: CredentialConfig) => {
    const cloud = resolveCloud('global', { authorityHost: sim.authorityHost, graphEndpoint: sim.graphBaseUrl });
    return new GraphClient({ tenantId: sim.tenantId, cloud, apps: [{ appId: sim.clientId, tokenProvider: createTokenProvider(config, { cloud, ca: sim.caPem }) }], ca: sim.caPem });
  };

  it('signs in with a client certificate given as PEM', async () => {
    const client = clientWith({ kind: 'client-certificate', tenantId: sim.tenantId, clientId: sim.clientId, certificate: { pem: cert.pem } });
    const org = await client.get<{ value: Array<{ id: string }> }>('/organization');
    expect(org.value[0].id).toBe(sim.tenantId);
  });

  it('signs in with a client certificate given as a password-protected PFX', async () => {
    const client = clientWith({ kind: 'client-certificate', tenantId: sim.tenantId, clientId: sim.clientId, certificate: { pfx: cert.pfx, password: 'pfx-secret' } });
    const org = await client.get<{ value: Array<{ id: string }> }>('/organization');
    expect(org.value[0].id).toBe(sim.tenantId);
  });

  it('says clearly when the certificate is not registered on the application', async () => {
    const other = selfSigned(30);
    const client = clientWith({ kind: 'client-certificate', tenantId: sim.tenantId, clientId: sim.clientId, certificate: { pem: other.pem } });
    const err = (await client.get('/organization').catch((e: unknown) => e)) as GraphAuthError;
    expect(err).toBeInstanceOf(GraphAuthError);
    expect(err.reason).toBe('certificate_invalid');
    expect(err.aadsts).toBe('700027');
  });

  it('says clearly when the tenant or the client id is wrong', async () => {
    const wrongTenant = clientWith({ kind: 'client-secret', tenantId: '00000000-0000-0000-0000-000000000001', clientId: sim.clientId, clientSecret: sim.clientSecret });
    await expect(wrongTenant.get('/users')).rejects.toMatchObject({ reason: 'tenant_not_found' });
    const wrongClient = clientWith({ kind: 'client-secret', tenantId: sim.tenantId, clientId: '00000000-0000-0000-0000-000000000002', clientSecret: sim.clientSecret });
    await expect(wrongClient.get('/users')).rejects.toMatchObject({ reason: 'client_not_found' });
  });

  it('signs in to a US Government tenant through its own cloud endpoints, and not through the global ones', async () => {
    const restore = mapHostsToLoopback();
    try {
      const gov = sim.tenant('fabrikamgov');
      expect(gov.cloud).toBe('usgov');
      const cloud = resolveCloud('usgov', { authorityHost: gov.cloudAuthorityHost, graphEndpoint: gov.cloudGraphBaseUrl });
      expect(new URL(cloud.authorityHost).hostname).toBe('login.microsoftonline.us');
      const config: CredentialConfig = { kind: 'client-secret', tenantId: gov.tenantId, clientId: gov.clientId, clientSecret: gov.clientSecret };
      const client = new GraphClient({ tenantId: gov.tenantId, cloud, apps: [{ appId: gov.clientId, tokenProvider: createTokenProvider(config, { cloud, ca: sim.caPem }) }], ca: sim.caPem });
      const org = await client.get<{ value: Array<{ id: string }> }>('/organization');
      expect(org.value[0].id).toBe(gov.tenantId);

      const globalCloud = resolveCloud('global', { authorityHost: sim.authorityHost, graphEndpoint: sim.graphBaseUrl });
      const wrongCloud = createTokenProvider(config, { cloud: { ...globalCloud, authorityHost: gov.cloudAuthorityHost.replace('login.microsoftonline.us', 'login.microsoftonline.com') }, ca: sim.caPem });
      await expect(wrongCloud.getToken()).rejects.toMatchObject({ reason: 'tenant_not_found' });
    } finally {
      restore();
    }
  });

  it('runs device-code onboarding through the callback that shows the code', async () => {
    const shown: string[] = [];
    const client = clientWith({
      kind: 'device-code',
      tenantId: sim.tenantId,
      clientId: GRAPH_CLI_TOOLS,
      onDeviceCode: (prompt) => {
        shown.push(prompt.userCode);
        void sim.control('POST', `/device-codes/${prompt.userCode}/approve`, {});
      },
    });
    const org = await client.get<{ value: Array<{ id: string }> }>('/organization');
    expect(org.value[0].id).toBe(sim.tenantId);
    expect(shown).toHaveLength(1);
  });
});

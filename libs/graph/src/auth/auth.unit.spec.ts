import { ClientCertificateCredential, ClientSecretCredential, DeviceCodeCredential } from '@azure/identity';
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { HoldfastError } from '@holdfast/contracts';
import { ManualClock } from '../clock';
import { GraphAuthError } from '../errors/graph-errors';
import { inspectCertificatePem, pfxToPem } from './certificate';
import { CLOUDS, resolveCloud } from './clouds';
import { createCredential } from './credential.factory';
import { CachingTokenProvider, brokerTokenProvider } from './token-provider';

function makeCert(notBefore: Date, notAfter: Date) {
  // Node generates the key (fast, native); forge builds the certificate.
  const { privateKey: pem } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const privateKey = forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  const keys = { privateKey, publicKey: forge.pki.setRsaPublicKey(privateKey.n, privateKey.e) };
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const attrs = [{ name: 'commonName', value: 'holdfast-test' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { keys, cert, pem: forge.pki.privateKeyToPem(keys.privateKey) + forge.pki.certificateToPem(cert) };
}

const YEAR = 365 * 24 * 3600_000;
const valid = makeCert(new Date(Date.now() - YEAR), new Date(Date.now() + YEAR));

describe('clouds', () => {
  it('knows the national clouds', () => {
    expect(CLOUDS.usgov).toMatchObject({ authorityHost: 'https://login.microsoftonline.us', graphEndpoint: 'https://graph.microsoft.us' });
    expect(CLOUDS.usgovdod.graphEndpoint).toBe('https://dod-graph.microsoft.us');
    expect(CLOUDS.china).toMatchObject({ authorityHost: 'https://login.chinacloudapi.cn', graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn' });
  });

  it('derives the scope and base URL from the cloud’s Graph endpoint', () => {
    const c = resolveCloud('usgovdod');
    expect(c.scope).toBe('https://dod-graph.microsoft.us/.default');
    expect(c.graphBaseUrl).toBe('https://dod-graph.microsoft.us/v1.0');
    expect(c.overridden).toBe(false);
  });

  it('applies overrides for a simulator or compatible endpoint', () => {
    const c = resolveCloud('global', { authorityHost: 'https://127.0.0.1:8443/', graphEndpoint: 'https://127.0.0.1:8444/v1.0' });
    expect(c).toMatchObject({ authorityHost: 'https://127.0.0.1:8443', graphEndpoint: 'https://127.0.0.1:8444', scope: 'https://127.0.0.1:8444/.default', overridden: true });
  });

  it('keeps the canonical scope for the cloud’s own host on another port, or takes an explicit one', () => {
    expect(resolveCloud('usgov', { graphEndpoint: 'https://graph.microsoft.us:8443' }).scope).toBe('https://graph.microsoft.us/.default');
    expect(resolveCloud('global', { graphEndpoint: 'https://proxy.example', scope: 'https://graph.microsoft.com/.default' }).scope).toBe('https://graph.microsoft.com/.default');
  });

  it('refuses unknown clouds and non-https overrides with a clear message', () => {
    expect(() => resolveCloud('mars')).toThrow(/unknown cloud "mars"/);
    expect(() => resolveCloud('global', { authorityHost: 'http://127.0.0.1:1' })).toThrow(/https/);
  });
});

describe('certificates', () => {
  it('converts a password-protected PFX to a PEM bundle identity accepts', () => {
    const p12 = forge.pkcs12.toPkcs12Asn1(valid.keys.privateKey, [valid.cert], 'pfx-pass', { algorithm: '3des' });
    const der = Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
    const pem = pfxToPem(der, 'pfx-pass');
    expect(pem).toMatch(/BEGIN RSA PRIVATE KEY/);
    expect(pem).toMatch(/BEGIN CERTIFICATE/);
    expect(inspectCertificatePem(pem).thumbprintSha1).toMatch(/^[0-9A-F]{40}$/);
    expect(pfxToPem(der.toString('base64'), 'pfx-pass')).toBe(pem);
  });

  it('says the PFX password is wrong without echoing it', () => {
    const p12 = forge.pkcs12.toPkcs12Asn1(valid.keys.privateKey, [valid.cert], 'right', { algorithm: '3des' });
    const der = Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary');
    try {
      pfxToPem(der, 'wrong-secret');
      throw new Error('expected failure');
    } catch (e) {
      expect(e).toBeInstanceOf(HoldfastError);
      expect((e as HoldfastError).code).toBe('credentials_invalid');
      expect((e as Error).message).toMatch(/password is wrong/);
      expect((e as Error).message).not.toContain('wrong-secret');
    }
  });

  it('rejects an expired certificate before any sign-in', () => {
    const expired = makeCert(new Date(Date.now() - 2 * YEAR), new Date(Date.now() - YEAR));
    expect(() => inspectCertificatePem(expired.pem)).toThrow(GraphAuthError);
    try {
      inspectCertificatePem(expired.pem);
    } catch (e) {
      expect((e as GraphAuthError).reason).toBe('certificate_expired');
    }
  });

  it('rejects a PEM without its private key', () => {
    expect(() => inspectCertificatePem(forge.pki.certificateToPem(valid.cert))).toThrow(/no private key/);
  });
});

describe('createCredential', () => {
  const cloud = resolveCloud('global', { authorityHost: 'https://127.0.0.1:9', graphEndpoint: 'https://127.0.0.1:10' });

  it('builds the credential of each kind', () => {
    expect(createCredential({ kind: 'client-secret', tenantId: 't', clientId: 'c', clientSecret: 's' }, { cloud })).toBeInstanceOf(ClientSecretCredential);
    expect(createCredential({ kind: 'client-certificate', tenantId: 't', clientId: 'c', certificate: { pem: valid.pem } }, { cloud })).toBeInstanceOf(ClientCertificateCredential);
    expect(createCredential({ kind: 'device-code', tenantId: 't', clientId: 'c', onDeviceCode: () => undefined }, { cloud })).toBeInstanceOf(DeviceCodeCredential);
  });

  it('names a missing field', () => {
    expect(() => createCredential({ kind: 'client-secret', tenantId: 't', clientId: '', clientSecret: 's' }, { cloud })).toThrow(/clientId is required/);
  });
});

describe('token providers', () => {
  it('caches a token until shortly before expiry and shares one renewal', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const provider = new CachingTokenProvider(async () => ({ token: `t${++calls}`, expiresOnTimestamp: clock.now() + 3_600_000 }), clock);
    const [a, b] = await Promise.all([provider.getToken(), provider.getToken()]);
    expect([a.token, b.token, calls]).toEqual(['t1', 't1', 1]);
    await clock.advance(50 * 60_000);
    expect((await provider.getToken()).token).toBe('t1');
    await clock.advance(6 * 60_000); // inside the 5-minute margin
    expect((await provider.getToken()).token).toBe('t2');
    expect((await provider.getToken({ forceRefresh: true })).token).toBe('t3');
  });

  it('asks the token broker with the tenant, app and scope', async () => {
    const asked: unknown[] = [];
    const provider = brokerTokenProvider(async (req) => {
      asked.push(req);
      return { accessToken: 'brokered', expiresOn: new Date(Date.now() + 3_600_000).toISOString() };
    }, { tenantId: 'contoso', appId: 'app-a', scope: 'https://graph.microsoft.com/.default' });
    expect((await provider.getToken()).token).toBe('brokered');
    expect(asked).toEqual([{ tenantId: 'contoso', appId: 'app-a', scope: 'https://graph.microsoft.com/.default', forceRefresh: false }]);
  });

  it('turns identity failures into typed auth errors', async () => {
    const provider = new CachingTokenProvider(async () => {
      throw Object.assign(new Error('AADSTS7000215: Invalid client secret provided.'), { errorResponse: { error: 'invalid_client', errorDescription: 'AADSTS7000215: Invalid client secret provided.' } });
    });
    await expect(provider.getToken()).rejects.toMatchObject({ reason: 'secret_invalid', code: 'credentials_invalid' });
  });
});

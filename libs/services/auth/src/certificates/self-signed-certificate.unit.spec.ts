import { X509Certificate } from 'node:crypto';
import { inspectCertificatePem, pfxToPem } from '@holdfast/graph';
import { normalizeCredential } from '../orgs/credential-verifier';
import { generateSelfSignedCertificate } from './self-signed-certificate';

describe('self-signed certificates', () => {
  const cert = generateSelfSignedCertificate({ subject: 'Holdfast test', validDays: 30, password: 'correct horse' });

  it('generates a certificate with key, a PFX that opens with its password, and the SHA-1 thumbprint', () => {
    const x = new X509Certificate(cert.certificatePem);
    expect(x.subject).toContain('CN=Holdfast test');
    expect(x.fingerprint.replace(/:/g, '')).toBe(cert.thumbprint);
    expect(Date.parse(cert.notAfter) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const pem = pfxToPem(Buffer.from(cert.pfxBase64, 'base64'), 'correct horse');
    expect(inspectCertificatePem(pem).thumbprintSha1).toBe(cert.thumbprint);
  });

  it('imports the PFX as a credential, and names a wrong PFX password or an expired certificate', () => {
    const ok = normalizeCredential({ kind: 'client-certificate', pfxBase64: cert.pfxBase64, password: 'correct horse' });
    expect(ok.thumbprint).toBe(cert.thumbprint);
    expect(ok.stored.kind).toBe('client-certificate');
    expect(() => normalizeCredential({ kind: 'client-certificate', pfxBase64: cert.pfxBase64, password: 'wrong' })).toThrow(/PFX password is wrong/);
    const later = Date.parse(cert.notAfter) + 86_400_000;
    expect(() => normalizeCredential({ kind: 'client-certificate', pem: cert.pem }, later)).toThrow(/expired on/);
  });

  it('refuses a too short PFX password, naming the field', () => {
    expect(() => generateSelfSignedCertificate({ password: 'short' })).toThrow(/password/);
  });
});

import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { parseRequest } from '../orgs/parse-request';
import { generateCertificateRequest } from '../orgs/organization.requests';

export interface GeneratedCertificate {
  /** Private key + certificate, for Holdfast's own store (never returned by the API). */
  readonly pem: string;
  /** The public certificate only: what is uploaded to the application in Entra ID. */
  readonly certificatePem: string;
  /** Base64 DER of the certificate (`keyCredentials[].key`). */
  readonly certificateDerBase64: string;
  /** PKCS#12 with key and certificate, protected by `password`: the one-time download. */
  readonly pfxBase64: string;
  readonly password: string;
  readonly thumbprint: string;
  readonly notAfter: string;
}

/** A new RSA-2048 self-signed certificate for client-certificate authentication. */
export function generateSelfSignedCertificate(payload: unknown = {}): GeneratedCertificate {
  const req = parseRequest(generateCertificateRequest, payload);
  // node's native key generation (forge's pure-JS one takes seconds)
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const keys = { privateKey: forge.pki.privateKeyFromPem(pair.privateKey), publicKey: forge.pki.publicKeyFromPem(pair.publicKey) };
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000);
  cert.validity.notAfter = new Date(now.getTime() + req.validDays * 86_400_000);
  const attrs = [{ name: 'commonName', value: req.subject }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  const certificatePem = forge.pki.certificateToPem(cert);
  const password = req.password ?? randomBytes(18).toString('base64url');
  const p12 = forge.pkcs12.toPkcs12Asn1(keys.privateKey, [cert], password, { algorithm: '3des' });
  return {
    pem: forge.pki.privateKeyToPem(keys.privateKey) + certificatePem,
    certificatePem,
    certificateDerBase64: der.toString('base64'),
    pfxBase64: Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary').toString('base64'),
    password,
    thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(),
    notAfter: cert.validity.notAfter.toISOString(),
  };
}

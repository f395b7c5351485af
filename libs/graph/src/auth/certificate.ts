import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { HoldfastError } from '@holdfast/contracts';
import { GraphAuthError } from '../errors/graph-errors';

/** A certificate with its private key, as one PEM text (what @azure/identity wants). */
export interface CertificatePem {
  readonly pem: string;
  readonly thumbprintSha1: string;
  readonly notAfter: string;
}

/**
 * Turns a PKCS#12 (.pfx/.p12) file into PEM (private key + certificate chain). A wrong
 * password is reported as such; the password is never part of any message.
 */
export function pfxToPem(pfx: Buffer | string, password = ''): string {
  const der = Buffer.isBuffer(pfx) ? pfx.toString('binary') : Buffer.from(pfx, 'base64').toString('binary');
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der), password);
  } catch (err) {
    const msg = String((err as Error)?.message ?? err);
    if (/MAC could not be verified|Invalid password|password/i.test(msg)) {
      throw new HoldfastError('credentials_invalid', 'The PFX password is wrong (the PFX integrity check failed).');
    }
    throw new HoldfastError('validation_failed', 'The certificate file is not a readable PFX/PKCS#12 file.');
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
  const key = keyBags.find((b) => b.key)?.key;
  if (!key) throw new HoldfastError('validation_failed', 'The PFX file holds no private key.');
  const certs = certBags.filter((b) => b.cert).map((b) => forge.pki.certificateToPem(b.cert as forge.pki.Certificate));
  if (certs.length === 0) throw new HoldfastError('validation_failed', 'The PFX file holds no certificate.');
  return `${forge.pki.privateKeyToPem(key)}${certs.join('')}`;
}

/**
 * Checks a PEM bundle before it is used: it must hold a private key and a certificate, and
 * the certificate must be valid now (an expired one would only fail later as AADSTS700027).
 */
export function inspectCertificatePem(pem: string, now: number = Date.now()): CertificatePem {
  if (!/-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.test(pem)) {
    throw new HoldfastError('validation_failed', 'The certificate PEM holds no private key; include the key with the certificate.');
  }
  const certMatch = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  if (!certMatch) throw new HoldfastError('validation_failed', 'The certificate PEM holds no certificate.');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certMatch[0]);
  } catch {
    throw new HoldfastError('validation_failed', 'The certificate in the PEM cannot be read.');
  }
  const notAfter = Date.parse(cert.validTo);
  const notBefore = Date.parse(cert.validFrom);
  const thumbprintSha1 = cert.fingerprint.replace(/:/g, '');
  if (!Number.isNaN(notAfter) && notAfter < now) {
    throw new GraphAuthError(
      `The certificate ${thumbprintSha1} expired on ${new Date(notAfter).toISOString()}: register a new certificate on the application.`,
      'certificate_expired',
    );
  }
  if (!Number.isNaN(notBefore) && notBefore > now) {
    throw new GraphAuthError(`The certificate ${thumbprintSha1} is not valid before ${new Date(notBefore).toISOString()}.`, 'certificate_invalid');
  }
  return { pem, thumbprintSha1, notAfter: new Date(notAfter).toISOString() };
}

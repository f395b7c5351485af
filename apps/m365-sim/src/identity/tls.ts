/**
 * A local CA and server certificate, stable per state dir (state-dir/tls). The server cert has
 * SANs for loopback, localhost and every national cloud host name. ca-bundle.pem = system CAs +
 * our CA, for NODE_EXTRA_CA_CERTS of child processes.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, generateKeyPair, generateKeyPairSync, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { rootCertificates } from 'node:tls';
import path from 'node:path';
import forge from 'node-forge';
import { ALL_CLOUD_HOSTS } from '../framework/world';

export interface TlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
  caPath: string;
  bundlePath: string;
}

const EXTRA_HOSTS = ['localhost', 'login.windows.net', 'sts.windows.net', 'graph.windows.net'];

/** Generates the missing RSA keys of a state dir in parallel (startup of a fresh dir). */
export async function pregenerateKeys(stateDir: string): Promise<void> {
  const gen = promisify(generateKeyPair);
  const wanted = [path.join(stateDir, 'tls', 'ca-key.pem'), path.join(stateDir, 'tls', 'server-key.pem'), path.join(stateDir, 'keys', 'signing-key.pem')];
  await Promise.all(
    wanted
      .filter((p) => !existsSync(p))
      .map(async (p) => {
        const { privateKey } = await gen('rsa', { modulusLength: 2048 });
        mkdirSync(path.dirname(p), { recursive: true });
        writeFileSync(p, privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), { mode: 0o600 });
      }),
  );
}

/** The RSA key at keyPath (generated when missing). */
function rsaPair(keyPath: string): { pub: forge.pki.rsa.PublicKey; priv: forge.pki.rsa.PrivateKey; privPem: string } {
  let privPem: string;
  if (existsSync(keyPath)) privPem = readFileSync(keyPath, 'utf8');
  else privPem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const pubPem = createPublicKey(createPrivateKey(privPem)).export({ type: 'spki', format: 'pem' }).toString();
  return { pub: forge.pki.publicKeyFromPem(pubPem), priv: forge.pki.privateKeyFromPem(privPem), privPem };
}

function serial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f;
  return b.toString('hex');
}

export function ensureTls(stateDir: string): TlsMaterial {
  const dir = path.join(stateDir, 'tls');
  mkdirSync(dir, { recursive: true });
  const caPath = path.join(dir, 'ca.pem');
  const certPath = path.join(dir, 'server.pem');
  const keyPath = path.join(dir, 'server-key.pem');
  const bundlePath = path.join(dir, 'ca-bundle.pem');
  if (!(existsSync(caPath) && existsSync(certPath) && existsSync(keyPath))) {
    const now = new Date();
    const ca = rsaPair(path.join(dir, 'ca-key.pem'));
    const caCert = forge.pki.createCertificate();
    caCert.publicKey = ca.pub;
    caCert.serialNumber = serial();
    caCert.validity.notBefore = new Date(now.getTime() - 24 * 3600_000);
    caCert.validity.notAfter = new Date(now.getTime() + 10 * 365 * 24 * 3600_000);
    const caName = [{ name: 'commonName', value: `Holdfast M365 Simulator CA ${randomBytes(4).toString('hex')}` }];
    caCert.setSubject(caName);
    caCert.setIssuer(caName);
    caCert.setExtensions([
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ]);
    caCert.sign(ca.priv, forge.md.sha256.create());

    const srv = rsaPair(keyPath);
    const cert = forge.pki.createCertificate();
    cert.publicKey = srv.pub;
    cert.serialNumber = serial();
    cert.validity.notBefore = new Date(now.getTime() - 24 * 3600_000);
    cert.validity.notAfter = new Date(now.getTime() + 800 * 24 * 3600_000);
    cert.setSubject([{ name: 'commonName', value: 'graph.microsoft.com' }]);
    cert.setIssuer(caName);
    const altNames: { type: number; value?: string; ip?: string }[] = [
      { type: 7, ip: '127.0.0.1' },
      { type: 7, ip: '127.0.0.2' },
      { type: 7, ip: '::1' },
      ...[...ALL_CLOUD_HOSTS, ...EXTRA_HOSTS].map((h) => ({ type: 2, value: h })),
    ];
    cert.setExtensions([
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ]);
    cert.sign(ca.priv, forge.md.sha256.create());
    writeFileSync(path.join(dir, 'ca-key.pem'), ca.privPem, { mode: 0o600 });
    writeFileSync(caPath, forge.pki.certificateToPem(caCert));
    writeFileSync(keyPath, srv.privPem, { mode: 0o600 });
    writeFileSync(certPath, forge.pki.certificateToPem(cert));
  }
  const caPem = readFileSync(caPath, 'utf8');
  // system CAs (the machine's NODE_EXTRA_CA_CERTS bundle if any, else Node's roots) + ours
  let system = '';
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  if (extra && existsSync(extra) && path.resolve(extra) !== path.resolve(bundlePath)) system = readFileSync(extra, 'utf8');
  else if (existsSync('/etc/ssl/certs/ca-certificates.crt')) system = readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8');
  else system = rootCertificates.join('\n');
  const bundle = system.includes(caPem.trim()) ? system : `${system.trim()}\n${caPem}`;
  if (!existsSync(bundlePath) || readFileSync(bundlePath, 'utf8') !== bundle) writeFileSync(bundlePath, bundle);
  return { caPem, certPem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8'), caPath, bundlePath };
}

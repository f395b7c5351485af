/**
 * Access/id tokens: RS256 JWTs signed with a key stable per state dir (tokens survive restarts),
 * published in the JWKS. Verification is cached per token string.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

export interface AccessClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  tid: string;
  appid: string;
  app_displayname?: string;
  idtyp?: string;
  oid: string;
  sub: string;
  roles?: string[];
  scp?: string;
  upn?: string;
  ver: string;
  uti: string;
  [k: string]: unknown;
}

const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export class TokenService {
  private readonly key: KeyObject;
  private readonly pub: KeyObject;
  readonly kid: string;
  readonly certDerB64: string;
  readonly jwk: Record<string, unknown>;
  private readonly cache = new Map<string, AccessClaims>();
  /** Token lifetime in seconds (3599 like Entra ID). */
  lifetime = 3599;

  constructor(stateDir: string) {
    const dir = path.join(stateDir, 'keys');
    mkdirSync(dir, { recursive: true });
    const keyPath = path.join(dir, 'signing-key.pem');
    const certPath = path.join(dir, 'signing-cert.pem');
    if (!existsSync(keyPath) || !existsSync(certPath)) {
      const privateKey = existsSync(keyPath) ? createPrivateKey(readFileSync(keyPath)) : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const publicKey = createPublicKey(privateKey);
      const privPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
      const cert = forge.pki.createCertificate();
      cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
      cert.serialNumber = randomBytes(8).toString('hex').replace(/^[89a-f]/, '1');
      cert.validity.notBefore = new Date(Date.now() - 86400_000);
      cert.validity.notAfter = new Date(Date.now() + 5 * 365 * 86400_000);
      const name = [{ name: 'commonName', value: 'accounts.accesscontrol.windows.net' }];
      cert.setSubject(name);
      cert.setIssuer(name);
      cert.sign(forge.pki.privateKeyFromPem(privPem), forge.md.sha256.create());
      writeFileSync(keyPath, privPem, { mode: 0o600 });
      writeFileSync(certPath, forge.pki.certificateToPem(cert));
    }
    this.key = createPrivateKey(readFileSync(keyPath));
    this.pub = createPublicKey(this.key);
    const certPem = readFileSync(certPath, 'utf8');
    this.certDerB64 = certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    this.kid = b64u(createHash('sha1').update(Buffer.from(this.certDerB64, 'base64')).digest());
    const j = this.pub.export({ format: 'jwk' }) as { n: string; e: string };
    this.jwk = { kty: 'RSA', use: 'sig', kid: this.kid, x5t: this.kid, n: j.n, e: j.e, x5c: [this.certDerB64], issuer: undefined };
  }

  signJwt(claims: Record<string, unknown>): string {
    const header = { typ: 'JWT', alg: 'RS256', x5t: this.kid, kid: this.kid };
    const data = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
    return `${data}.${b64u(sign('sha256', Buffer.from(data), this.key))}`;
  }

  /** An application (or delegated, when `user` is given) access token for a Graph audience. */
  issueAccess(o: {
    tenantId: string;
    appId: string;
    appDisplayName: string;
    servicePrincipalId: string;
    audience: string;
    issuerHost: string;
    roles?: string[];
    scp?: string;
    user?: { id: string; upn: string; name: string };
  }): { token: string; expiresIn: number } {
    const now = Math.floor(Date.now() / 1000);
    const claims: AccessClaims = {
      aud: o.audience,
      iss: `https://sts.windows.net/${o.tenantId}/`,
      iat: now,
      nbf: now,
      exp: now + this.lifetime,
      aio: b64u(randomBytes(24)),
      app_displayname: o.appDisplayName,
      appid: o.appId,
      appidacr: '1',
      idp: `https://sts.windows.net/${o.tenantId}/`,
      idtyp: o.user ? 'user' : 'app',
      oid: o.user ? o.user.id : o.servicePrincipalId,
      rh: '0.' + b64u(randomBytes(12)),
      sub: o.user ? o.user.id : o.servicePrincipalId,
      tid: o.tenantId,
      uti: b64u(randomBytes(16)),
      ver: '1.0',
      xms_tcdt: now - 86400 * 365,
    };
    if (o.roles && o.roles.length) claims.roles = o.roles;
    if (o.scp) claims.scp = o.scp;
    if (o.user) {
      claims.upn = o.user.upn;
      claims.unique_name = o.user.upn;
      claims.name = o.user.name;
    }
    return { token: this.signJwt(claims), expiresIn: this.lifetime };
  }

  /** An id token (v2) for device code sign-in. */
  issueIdToken(o: { tenantId: string; clientId: string; issuerHost: string; user: { id: string; upn: string; name: string } }): string {
    const now = Math.floor(Date.now() / 1000);
    return this.signJwt({
      aud: o.clientId,
      iss: `https://${o.issuerHost}/${o.tenantId}/v2.0`,
      iat: now,
      nbf: now,
      exp: now + 3600,
      name: o.user.name,
      oid: o.user.id,
      preferred_username: o.user.upn,
      rh: '0.' + b64u(randomBytes(12)),
      sub: b64u(createHash('sha256').update(o.user.id + o.clientId).digest()).slice(0, 43),
      tid: o.tenantId,
      uti: b64u(randomBytes(16)),
      ver: '2.0',
    });
  }

  /** Claims, or a message saying why the token is refused. Signature checks are cached. */
  verifyAccess(token: string): AccessClaims | string {
    let claims = this.cache.get(token);
    if (!claims) {
      const parts = token.split('.');
      if (parts.length !== 3) return 'IDX14100: JWT is not well formed, there are no dots (.).';
      let header: { alg?: string; kid?: string };
      try {
        header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
        claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as AccessClaims;
      } catch {
        return 'Access token validation failure. Invalid token.';
      }
      if (header.alg !== 'RS256' || header.kid !== this.kid) return 'Access token validation failure. Invalid signature.';
      const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), this.pub, Buffer.from(parts[2], 'base64url'));
      if (!ok) return 'Access token validation failure. Invalid signature.';
      if (this.cache.size > 20_000) this.cache.clear();
      this.cache.set(token, claims);
    }
    const now = Date.now() / 1000;
    if (claims.exp < now) return 'Lifetime validation failed, the token is expired.';
    if (claims.nbf > now + 300) return 'Lifetime validation failed, the token is not yet valid.';
    const aud = String(claims.aud).replace(/\/$/, '');
    if (!(aud === '00000003-0000-0000-c000-000000000000' || /^https:\/\/(graph\.microsoft\.com|graph\.microsoft\.us|dod-graph\.microsoft\.us|microsoftgraph\.chinacloudapi\.cn)$/.test(aud) || aud.startsWith('https://127.0.0.1') || aud.startsWith('https://localhost')))
      return 'Access token validation failure. Invalid audience.';
    return claims;
  }

  newCorrelation(): string {
    return randomUUID();
  }
}

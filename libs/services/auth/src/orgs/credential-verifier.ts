import { HoldfastError } from '@holdfast/contracts';
import {
  createTokenProvider,
  inspectCertificatePem,
  pfxToPem,
  type CredentialConfig,
  type GraphAccessToken,
  type ResolvedCloud,
} from '@holdfast/graph';

/** A credential as given by the user (secrets in clear, only in memory). */
export type CredentialInput =
  | { readonly kind: 'client-secret'; readonly clientSecret: string; readonly expiresAt?: string }
  | { readonly kind: 'client-certificate'; readonly pfxBase64: string; readonly password?: string }
  | { readonly kind: 'client-certificate'; readonly pem: string };

/** What is stored (encrypted) for an application: enough to build its credential again. */
export type StoredCredential =
  | { readonly kind: 'client-secret'; readonly clientSecret: string }
  | { readonly kind: 'client-certificate'; readonly pem: string };

export interface VerifiedCredential {
  readonly stored: StoredCredential;
  /** Application roles granted (the access token's `roles` claim). */
  readonly roles: string[];
  /** The tenant id (GUID) the token was issued for. */
  readonly tenantGuid: string;
  readonly credentialExpiresAt?: string;
  readonly certificateThumbprint?: string;
}

export interface VerifyOptions {
  readonly cloud: ResolvedCloud;
  readonly ca?: string;
  readonly now?: number;
}

/** Turns the user's input into what is stored: a PFX becomes PEM (wrong password named), certificates are checked. */
export function normalizeCredential(input: CredentialInput, now = Date.now()): { stored: StoredCredential; expiresAt?: string; thumbprint?: string } {
  if (input.kind === 'client-secret') {
    if (!input.clientSecret || !input.clientSecret.trim()) throw new HoldfastError('validation_failed', 'client secret is empty');
    return { stored: { kind: 'client-secret', clientSecret: input.clientSecret.trim() }, expiresAt: input.expiresAt };
  }
  const pem = 'pem' in input ? input.pem : pfxToPem(Buffer.from(input.pfxBase64, 'base64'), input.password ?? '');
  const inspected = inspectCertificatePem(pem, now);
  return { stored: { kind: 'client-certificate', pem }, expiresAt: inspected.notAfter, thumbprint: inspected.thumbprintSha1.toUpperCase() };
}

export function credentialConfig(tenantId: string, clientId: string, stored: StoredCredential): CredentialConfig {
  return stored.kind === 'client-secret'
    ? { kind: 'client-secret', tenantId, clientId, clientSecret: stored.clientSecret }
    : { kind: 'client-certificate', tenantId, clientId, certificate: { pem: stored.pem } };
}

/** The claims of an access token (no signature check: we just received it from the authority over TLS). */
export function tokenClaims(token: string): { roles: string[]; tid?: string; appid?: string } {
  const part = token.split('.')[1];
  if (!part) return { roles: [] };
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { roles?: unknown; tid?: string; appid?: string; azp?: string };
    return { roles: Array.isArray(claims.roles) ? claims.roles.map(String) : [], tid: claims.tid, appid: claims.appid ?? claims.azp };
  } catch {
    return { roles: [] };
  }
}

/**
 * Proves a credential works by getting a Graph token with it (client credentials), and
 * reads the granted application permissions from the token. Failures are typed errors with
 * a message naming the problem (wrong tenant, unknown client, wrong secret, expired or
 * unregistered certificate, wrong PFX password); the secret itself never appears.
 */
export async function verifyCredential(
  tenantId: string,
  clientId: string,
  input: CredentialInput,
  options: VerifyOptions,
): Promise<VerifiedCredential & { token: GraphAccessToken }> {
  const { stored, expiresAt, thumbprint } = normalizeCredential(input, options.now);
  const provider = createTokenProvider(credentialConfig(tenantId, clientId, stored), { cloud: options.cloud, ca: options.ca });
  const token = await provider.getToken();
  const claims = tokenClaims(token.token);
  return {
    stored,
    roles: claims.roles,
    tenantGuid: claims.tid ?? tenantId,
    credentialExpiresAt: expiresAt,
    certificateThumbprint: thumbprint,
    token,
  };
}

import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '../rbac/roles';

/** Roles an API token can carry: every role (rbac/roles.ts). */
export type ApiTokenRole = Role;

/** Who called: attached to the request by ApiTokenGuard. */
export interface ApiPrincipal {
  readonly tokenId: string;
  readonly name: string;
  readonly role: ApiTokenRole;
  readonly tenantId: string | null;
}

/** A new random token: `hf_` and 32 random bytes, base64url. */
export function generateApiToken(): string {
  return `hf_${randomBytes(32).toString('base64url')}`;
}

/** What is stored and looked up: the token's SHA-256 (tokens are random, so no salt is needed). */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

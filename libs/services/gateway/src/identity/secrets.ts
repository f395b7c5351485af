import { createHash, randomBytes } from 'node:crypto';

/** SHA-256 hex of a random secret (session id, recovery code): what is stored and looked up. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export function generateSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/** The CSRF token of a session: derived from the (HttpOnly) session id, so it needs no storage. */
export function csrfTokenOf(sessionId: string): string {
  return createHash('sha256').update(`holdfast-csrf:${sessionId}`, 'utf8').digest('base64url');
}

/** Ten one-time recovery codes like `k7qp-2m9x-wd4c`. */
export function generateRecoveryCodes(count = 10): string[] {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz023456789' // 32 symbols: no modulo bias;
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(12);
    const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
  });
}

export function normalizeRecoveryCode(code: string): string {
  return code.trim().toLowerCase().replace(/\s+/g, '');
}

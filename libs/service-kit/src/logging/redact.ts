/** Key names whose values never reach a log line (case-insensitive, also as part of a name). */
const SECRET_PARTS = ['secret', 'password', 'passwd', 'token', 'authorization', 'cookie', 'credential'];
export const REDACTED = '[redacted]';

/** True for field names that hold secrets: clientSecret, password, accessToken, authorization, key, apiKey... */
export function isSecretKey(name: string): boolean {
  const n = name.toLowerCase();
  if (SECRET_PARTS.some((p) => n.includes(p))) return true;
  // `key`, `apiKey`, `masterKey`, `private_key`, but not `keyId` or `keys` listings
  return n === 'key' || n.endsWith('key') || n.endsWith('_key') || n.endsWith('-key');
}

/**
 * A copy of a log object with secret-named fields replaced, at any depth. Errors keep
 * their message and stack; cycles and depth are bounded so a bad object cannot hang logging.
 */
export function redactSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[depth]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) {
    return { type: value.name, message: value.message, stack: value.stack, ...(redactSecrets({ ...value }, depth + 1, seen) as object) };
  }
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1, seen));
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null ? REDACTED : redactSecrets(v, depth + 1, seen);
  }
  return out;
}

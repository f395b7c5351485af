/**
 * Scrubs anything that could be a credential from text bound for logs, errors or events:
 * bearer tokens, JWTs, secret form fields and JSON fields, and the query of pre-authenticated
 * URLs (upload and download URLs carry their own short-lived token).
 */
const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/Bearer\s+[A-Za-z0-9\-._~+/]+=*/gi, 'Bearer [redacted]'],
  [/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[redacted-jwt]'],
  [
    /\b(client_secret|client_assertion|access_token|refresh_token|id_token|password|device_code|code|tempauth|sig|token)=([^&\s"']+)/gi,
    '$1=[redacted]',
  ],
  [
    /"(access_token|refresh_token|id_token|client_secret|clientSecret|secretText|password|device_code|client_assertion|certificatePassword)"\s*:\s*"[^"]*"/gi,
    '"$1":"[redacted]"',
  ],
];

export function redact(text: string): string {
  let out = text;
  for (const [re, repl] of PATTERNS) out = out.replace(re, repl);
  return out;
}

/**
 * A URL safe to log: Graph URLs keep their path and query (paging tokens are not secrets
 * but the query is still scrubbed), other hosts (pre-authenticated upload/download URLs)
 * lose their query entirely.
 */
export function safeUrl(url: string, trustedOrigin?: string): string {
  try {
    const u = new URL(url);
    if (trustedOrigin && u.origin === trustedOrigin) return redact(`${u.origin}${u.pathname}${u.search}`);
    // Pre-authenticated URLs may carry their token in the path as well as in the query.
    const path = u.pathname
      .split('/')
      .map((seg) => (seg.length > 40 ? '[redacted]' : seg))
      .join('/');
    return `${u.origin}${path}${u.search ? '?[redacted]' : ''}`;
  } catch {
    return redact(url);
  }
}

/** Reads a header from a plain record, case-insensitively. */
export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

export function headerValue(headers: HeaderBag | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === wanted) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

/**
 * Parses a `Retry-After` value into milliseconds from `now`: delta-seconds (decimals such as
 * `2.128` allowed, rounded up to the next millisecond) or an HTTP date. Returns undefined when
 * the value is missing or unreadable; a date in the past yields 0.
 */
export function parseRetryAfter(value: string | undefined | null, now: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  if (/^-/.test(text)) return 0;
  // HTTP dates always carry letters (day/month names); plain garbage must not parse as a date.
  if (!/[A-Za-z]/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Retry-After from a response's headers, with the millisecond variants some services send. */
export function retryAfterFromHeaders(headers: HeaderBag | undefined, now: number): number | undefined {
  const standard = parseRetryAfter(headerValue(headers, 'retry-after'), now);
  if (standard !== undefined) return standard;
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const v = headerValue(headers, name);
    if (v !== undefined && /^\d+(\.\d+)?$/.test(v.trim())) return Math.ceil(Number(v));
  }
  return undefined;
}

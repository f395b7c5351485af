/**
 * A cheap sanity check of a message as served by `$value`: RFC 5322 wants header fields,
 * then an empty line, then the body. Returns what is wrong, or undefined when it looks like
 * a message. Content is never logged or returned.
 */
export function checkMime(mime: Buffer): string | undefined {
  if (mime.length === 0) return 'empty';
  const head = mime.subarray(0, Math.min(mime.length, 256 * 1024)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const headers = end === -1 ? (mime.length <= head.length ? head : '') : head.slice(0, end);
  if (!headers) return 'no end of the header section';
  const lines = headers.split(/\r?\n/);
  if (!/^[!-9;-~]+:/.test(lines[0])) return 'does not start with a header field';
  for (const line of lines) {
    if (line.length === 0) continue;
    if (/^[ \t]/.test(line)) continue; // folded continuation
    if (!/^[!-9;-~]+:/.test(line)) return 'malformed header line';
  }
  if (!lines.some((l) => /^(from|date|message-id|subject|content-type|mime-version):/i.test(l))) return 'no message header fields';
  return undefined;
}

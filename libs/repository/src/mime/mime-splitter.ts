/**
 * Splits a MIME message into literal bytes and large leaf bodies that can be stored as their own
 * content (deduplicated across mailboxes). Every split is verified at write time: a base64 body
 * is only replaced by its decoded bytes when re-encoding them with the recorded layout (line
 * length, line ending) reproduces the original bytes exactly; otherwise the body is kept as raw
 * bytes (still stored separately when it is an attachment) or left in the literal skeleton.
 * Whitespace after the last base64 line stays literal. Concatenating the segments always gives
 * back the input byte for byte.
 */
export type MimeSegment =
  | { readonly type: 'literal'; readonly start: number; readonly end: number }
  | { readonly type: 'base64'; readonly start: number; readonly end: number; readonly lineLength: number; readonly crlf: boolean; readonly decoded: Buffer }
  | { readonly type: 'raw'; readonly start: number; readonly end: number }
  /** A body the caller has seen before (same exact bytes): `known` is what `seen` returned. */
  | { readonly type: 'known'; readonly start: number; readonly end: number; readonly known: unknown };

export interface SplitOptions {
  /** Leaf bodies shorter than this stay in the skeleton. */
  readonly minPartBytes: number;
  /** Nesting depth limit (hostile input). */
  readonly maxDepth?: number;
  /**
   * Looks up a body region (exact bytes) the caller already stored, to skip decoding and
   * verifying the same attachment again; returns undefined when unknown.
   */
  readonly seen?: (msg: Buffer, start: number, end: number) => unknown;
}

type Special = Exclude<MimeSegment, { type: 'literal' }>;

export function splitMime(msg: Buffer, options: SplitOptions): MimeSegment[] {
  const s = msg.toString('latin1');
  const specials: Special[] = [];
  parseEntity(s, 0, s.length, options, specials, 0, msg);
  specials.sort((a, b) => a.start - b.start);
  const out: MimeSegment[] = [];
  let pos = 0;
  for (const sp of specials) {
    if (sp.start < pos) continue; // defensive: never overlap
    if (sp.start > pos) out.push({ type: 'literal', start: pos, end: sp.start });
    out.push(sp);
    pos = sp.end;
  }
  if (pos < s.length) out.push({ type: 'literal', start: pos, end: s.length });
  return out;
}

function headerEnd(s: string, start: number, end: number): { headersEnd: number; bodyStart: number } | undefined {
  if (s.startsWith('\r\n', start)) return { headersEnd: start, bodyStart: start + 2 };
  if (s.startsWith('\n', start)) return { headersEnd: start, bodyStart: start + 1 };
  let i = start;
  while (i < end) {
    const nl = s.indexOf('\n', i);
    if (nl < 0 || nl >= end) return undefined;
    if (s.startsWith('\r\n', nl + 1) && nl + 3 <= end) return { headersEnd: nl + 1, bodyStart: nl + 3 };
    if (s[nl + 1] === '\n' && nl + 2 <= end) return { headersEnd: nl + 1, bodyStart: nl + 2 };
    i = nl + 1;
  }
  return undefined;
}

function headerValue(headers: string, name: string): string | undefined {
  const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}[ \\t]*:[ \\t]*(.*?)[ \\t\\r]*$`, 'im').exec(unfolded);
  return m?.[1];
}

function param(value: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^\\s;]+))`, 'i').exec(value);
  return m ? (m[1] ?? m[2]) : undefined;
}

function parseEntity(s: string, start: number, end: number, o: SplitOptions, out: Special[], depth: number, msg: Buffer): void {
  if (depth > (o.maxDepth ?? 20)) return;
  const he = headerEnd(s, start, end);
  if (!he) return;
  const headers = s.slice(start, he.headersEnd);
  const ctype = headerValue(headers, 'content-type') ?? 'text/plain';
  const bodyStart = he.bodyStart;
  if (/^\s*multipart\//i.test(ctype)) {
    const boundary = param(ctype, 'boundary');
    if (boundary) splitMultipart(s, bodyStart, end, boundary, o, out, depth, msg);
    return;
  }
  if (/^\s*message\/rfc822/i.test(ctype)) {
    const cte = (headerValue(headers, 'content-transfer-encoding') ?? '7bit').trim().toLowerCase();
    if (cte === '7bit' || cte === '8bit' || cte === 'binary') {
      parseEntity(s, bodyStart, end, o, out, depth + 1, msg);
      return;
    }
  }
  if (end - bodyStart < o.minPartBytes) return;
  const cte = (headerValue(headers, 'content-transfer-encoding') ?? '').trim().toLowerCase();
  if (cte === 'base64') {
    let coreEnd = end;
    while (coreEnd > bodyStart && ' \t\r\n'.includes(s[coreEnd - 1])) coreEnd--;
    const known = o.seen?.(msg, bodyStart, coreEnd);
    if (known !== undefined) {
      out.push({ type: 'known', start: bodyStart, end: coreEnd, known });
      return;
    }
    const seg = analyzeBase64(s, bodyStart, end);
    if (seg) {
      out.push(seg);
      return;
    }
  }
  const disposition = headerValue(headers, 'content-disposition') ?? '';
  const isAttachment = /^\s*attachment/i.test(disposition) || !!param(disposition, 'filename') || !!param(ctype, 'name') || cte === 'base64';
  if (isAttachment) {
    const known = o.seen?.(msg, bodyStart, end);
    out.push(known !== undefined ? { type: 'known', start: bodyStart, end, known } : { type: 'raw', start: bodyStart, end });
  }
}

function splitMultipart(s: string, bodyStart: number, end: number, boundary: string, o: SplitOptions, out: Special[], depth: number, msg: Buffer): void {
  const delim = `--${boundary}`;
  // Positions of delimiter lines: "--boundary" at a line start.
  const lines: Array<{ at: number; lineEnd: number; close: boolean }> = [];
  let i = bodyStart;
  while (i < end) {
    const at = s.indexOf(delim, i);
    if (at < 0 || at + delim.length > end) break;
    if (at === bodyStart || s[at - 1] === '\n') {
      const after = at + delim.length;
      const close = s.startsWith('--', after);
      const nl = s.indexOf('\n', after);
      const lineEnd = nl < 0 || nl >= end ? end : nl + 1;
      const rest = s.slice(after + (close ? 2 : 0), lineEnd);
      if (/^[ \t]*\r?\n?$/.test(rest)) {
        lines.push({ at, lineEnd, close });
        if (close) break;
      }
    }
    i = at + delim.length;
  }
  for (let k = 0; k < lines.length; k++) {
    if (lines[k].close) break;
    const partStart = lines[k].lineEnd;
    let partEnd: number;
    if (k + 1 < lines.length) {
      const next = lines[k + 1].at;
      // The line break before a delimiter belongs to the delimiter.
      partEnd = s[next - 1] === '\n' ? (s[next - 2] === '\r' ? next - 2 : next - 1) : next;
    } else {
      partEnd = end; // no closing delimiter: the part runs to the end
    }
    if (partEnd > partStart) parseEntity(s, partStart, partEnd, o, out, depth + 1, msg);
  }
}

const B64_LINE = /^[A-Za-z0-9+/=]*$/;

function analyzeBase64(s: string, start: number, end: number): Special | undefined {
  let coreEnd = end;
  while (coreEnd > start && ' \t\r\n'.includes(s[coreEnd - 1])) coreEnd--;
  if (coreEnd <= start) return undefined;
  const core = s.slice(start, coreEnd);
  const nl = core.indexOf('\n');
  const crlf = nl > 0 && core[nl - 1] === '\r';
  const lineLength = nl < 0 ? 0 : crlf ? nl - 1 : nl;
  if (nl >= 0 && lineLength <= 0) return undefined;
  const compact = nl < 0 ? core : core.split(crlf ? '\r\n' : '\n').join('');
  if (!B64_LINE.test(compact)) return undefined;
  const decoded = Buffer.from(compact, 'base64');
  if (encodeBase64Lines(decoded, lineLength, crlf) !== core) return undefined;
  return { type: 'base64', start, end: coreEnd, lineLength, crlf, decoded };
}

/** Base64 with the given line layout and no line break after the last line. */
export function encodeBase64Lines(data: Buffer, lineLength: number, crlf: boolean): string {
  const b64 = data.toString('base64');
  if (lineLength === 0 || b64.length <= lineLength) return b64;
  const eol = crlf ? '\r\n' : '\n';
  const parts: string[] = [];
  for (let i = 0; i < b64.length; i += lineLength) parts.push(b64.slice(i, i + lineLength));
  return parts.join(eol);
}

/**
 * Streaming base64 encoder with a fixed line layout, for restores of large attachments with
 * flat memory. Produces exactly `encodeBase64Lines(concat(inputs))`.
 */
export class Base64LineEncoder {
  private carry = Buffer.alloc(0);
  private column = 0;
  private readonly eol: string;
  constructor(private readonly lineLength: number, crlf: boolean) {
    this.eol = crlf ? '\r\n' : '\n';
  }

  push(data: Buffer): Buffer {
    const all = this.carry.length ? Buffer.concat([this.carry, data]) : data;
    const usable = all.length - (all.length % 3);
    this.carry = Buffer.from(all.subarray(usable));
    return this.lines(all.subarray(0, usable).toString('base64'));
  }

  end(): Buffer {
    const tail = this.carry.length ? this.carry.toString('base64') : '';
    this.carry = Buffer.alloc(0);
    return this.lines(tail);
  }

  private lines(b64: string): Buffer {
    if (!b64) return Buffer.alloc(0);
    const src = Buffer.from(b64, 'latin1');
    if (this.lineLength === 0) return src;
    const eol = this.eol.length;
    // At most one line break per line started in this piece (plus one pending from the last).
    const out = Buffer.allocUnsafe(src.length + (Math.ceil(src.length / this.lineLength) + 1) * eol);
    let o = 0;
    let i = 0;
    while (i < src.length) {
      if (this.column === this.lineLength) {
        o += out.write(this.eol, o, 'latin1');
        this.column = 0;
      }
      const take = Math.min(this.lineLength - this.column, src.length - i);
      src.copy(out, o, i, i + take);
      o += take;
      this.column += take;
      i += take;
    }
    return out.subarray(0, o);
  }
}

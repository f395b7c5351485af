/** Small RFC 2045/2047/5322 encoders used by the MIME generator. */

const CRLF = '\r\n';

/** RFC 2047 "B" encoded words (UTF-8), each at most 75 characters, split on character boundaries. */
export function encodeHeaderWords(text: string): string {
  // printable ASCII needs no encoding
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  const words: string[] = [];
  let chunk = '';
  const maxBytes = 45; // 45 bytes -> 60 base64 chars + 12 of framing = 72 <= 75
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch, 'utf8') > maxBytes) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(CRLF + ' ');
}

export interface MailAddress {
  readonly name: string;
  readonly address: string;
}

export function formatAddress(a: MailAddress): string {
  if (!a.name) return `<${a.address}>`;
  if (/^[\x20-\x7e]*$/.test(a.name)) {
    const plain = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]*$/.test(a.name);
    return `${plain ? a.name : `"${a.name.replace(/(["\\])/g, '\\$1')}"`} <${a.address}>`;
  }
  return `${encodeHeaderWords(a.name)} <${a.address}>`;
}

export function formatAddressList(list: readonly MailAddress[]): string {
  return list.map(formatAddress).join(',' + CRLF + ' ');
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 date-time in UTC ("Tue, 02 Jan 2024 10:00:00 +0000"). */
export function formatRfc5322Date(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

const QP_TOKENS: string[] = Array.from({ length: 256 }, (_, b) =>
  (b >= 33 && b <= 126 && b !== 61) || b === 32 || b === 9 ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`,
);

/** Quoted-printable (RFC 2045 6.7) of UTF-8 text; hard line breaks become CRLF, lines soft-wrapped at 76. */
export function encodeQuotedPrintable(text: string): string {
  const out: string[] = [];
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    const bytes = Buffer.from(line, 'utf8');
    let current = '';
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      // whitespace at the end of a line must be encoded
      const token = (b === 32 || b === 9) && i === bytes.length - 1 ? (b === 32 ? '=20' : '=09') : QP_TOKENS[b];
      if (current.length + token.length > 75) {
        out.push(current + '=');
        current = '';
      }
      current += token;
    }
    out.push(current);
  }
  return out.join(CRLF);
}

/** Length of base64 wrapped at 76 characters with CRLF after every line (including the last). */
export function base64WrappedLength(byteLength: number): number {
  const chars = Math.ceil(byteLength / 3) * 4;
  const lines = Math.ceil(chars / 76);
  return chars + lines * 2;
}

/** Base64 of a buffer whose length is a multiple of 57 (or the final piece), wrapped at 76 with CRLF. */
export function base64Wrapped(bytes: Buffer): string {
  const b64 = bytes.toString('base64');
  let out = '';
  for (let i = 0; i < b64.length; i += 76) out += b64.slice(i, i + 76) + CRLF;
  return out;
}

import { seededBytes } from './seeded-bytes';

/** Deterministic, realistic-looking mail: text/html bodies, attachments from a shared pool. */
export interface MailSetOptions {
  readonly mailboxes: number;
  readonly messagesPerMailbox: number;
  /** Distinct attachments shared across mailboxes. */
  readonly poolSize: number;
  readonly seed?: string;
}

const WORDS = (
  'the quarterly budget review meeting is scheduled for next week please find attached the updated ' +
  'forecast and let me know if you have any questions regarding the project timeline customer invoice ' +
  'contract renewal marketing campaign results team offsite agenda security update onboarding policy'
).split(' ');

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function sentence(r: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(r() * WORDS.length)]);
  return out.join(' ');
}

function wrapBase64(b64: string, width: number, eol: string): string {
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += width) lines.push(b64.slice(i, i + width));
  return lines.join(eol);
}

export interface Attachment {
  readonly name: string;
  readonly type: string;
  readonly data: Buffer;
}

export function attachmentPool(count: number, seed = 'pool'): Attachment[] {
  const r = prng(0x5eed);
  const out: Attachment[] = [];
  for (let i = 0; i < count; i++) {
    const size = 20_000 + Math.floor(r() * 400_000);
    const kind = i % 3;
    if (kind === 0) out.push({ name: `report-${i}.pdf`, type: 'application/pdf', data: seededBytes(`${seed}-${i}`, size) });
    else if (kind === 1) out.push({ name: `photo-${i}.jpg`, type: 'image/jpeg', data: seededBytes(`${seed}-${i}`, size) });
    else {
      // compressible document (e.g. a .docx's XML text)
      const rr = prng(i + 1);
      let text = '';
      while (text.length < size) text += sentence(rr, 12) + '.\n';
      out.push({ name: `notes-${i}.txt`, type: 'application/octet-stream', data: Buffer.from(text.slice(0, size)) });
    }
  }
  return out;
}

/** One message; `variant` changes line layout so odd-but-valid encodings appear too. */
export function buildMessage(mailbox: number, n: number, pool: Attachment[], r: () => number): Buffer {
  const eol = '\r\n';
  const boundary = `----=_Part_${mailbox}_${n}_${Math.floor(r() * 1e9)}`;
  const alt = `alt-${boundary}`;
  const body = Array.from({ length: 3 + Math.floor(r() * 20) }, () => sentence(r, 8 + Math.floor(r() * 10)) + '.').join(eol);
  const date = new Date(Date.UTC(2025, 0, 1) + (mailbox * 1000 + n) * 3_600_000).toUTCString();
  const headers = [
    `Received: from mx${mailbox % 7}.example.net (mx.example.net [10.0.${mailbox % 255}.${n % 255}]) by mail.contoso.com; ${date}`,
    `Message-ID: <${mailbox}.${n}.${Math.floor(r() * 1e12)}@contoso.com>`,
    `Date: ${date}`,
    `From: "User ${n % 37}" <user${n % 37}@contoso.com>`,
    `To: "Mailbox ${mailbox}" <mailbox${mailbox}@contoso.com>`,
    `Subject: ${sentence(r, 5)}`,
    'MIME-Version: 1.0',
  ];
  const attCount = r() < 0.45 ? 1 + Math.floor(r() * 2) : 0;
  const html = `<html><body><p>${body.replace(/\r\n/g, '</p><p>')}</p></body></html>`;
  const altPart = [
    `Content-Type: multipart/alternative; boundary="${alt}"`,
    '',
    `--${alt}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 7bit',
    '',
    body,
    `--${alt}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    html,
    `--${alt}--`,
    '',
  ].join(eol);
  if (attCount === 0) return Buffer.from([...headers, altPart].join(eol));
  const parts = [...headers, `Content-Type: multipart/mixed;${eol}\tboundary="${boundary}"`, '', 'This is a multi-part message in MIME format.', `--${boundary}`, altPart];
  for (let a = 0; a < attCount; a++) {
    const att = pool[Math.floor(r() * pool.length)];
    const width = r() < 0.8 ? 76 : 72; // most clients use 76; some 72
    parts.push(
      `--${boundary}`,
      `Content-Type: ${att.type}; name="${att.name}"`,
      `Content-Disposition: attachment; filename="${att.name}"`,
      'Content-Transfer-Encoding: base64',
      '',
      wrapBase64(att.data.toString('base64'), width, eol),
      '',
    );
  }
  parts.push(`--${boundary}--`, '');
  return Buffer.from(parts.join(eol));
}

/** Yields [mailbox, messageIndex, bytes] for the whole set, deterministically. */
export function* mailSet(o: MailSetOptions): Generator<[number, number, Buffer]> {
  const pool = attachmentPool(o.poolSize, o.seed ?? 'pool');
  for (let m = 0; m < o.mailboxes; m++) {
    const r = prng(1000 + m);
    for (let n = 0; n < o.messagesPerMailbox; n++) yield [m, n, buildMessage(m, n, pool, r)];
  }
}

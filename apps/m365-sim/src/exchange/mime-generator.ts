import { ATTACHMENT_POOL_SIZE, PoolAttachment, poolAttachment, poolAttachmentBytes } from './attachment-pool';
import {
  MailAddress,
  base64Wrapped,
  base64WrappedLength,
  encodeHeaderWords,
  encodeQuotedPrintable,
  formatAddressList,
  formatRfc5322Date,
} from './mime-encoding';
import { SeededRandom, hash32 } from './seeded-random';

/**
 * Deterministic, lazy RFC 5322 messages: everything about message N of a mailbox is recomputed from
 * (seed, mailbox, N) when asked, so a mailbox of any size costs no memory until a message is read, and
 * the bytes are identical on every run.
 */
export interface GeneratorMailbox {
  readonly address: string;
  readonly displayName: string;
}

export interface GenerateMessageOptions {
  /** Sent by the mailbox owner (Sent Items) rather than received. */
  readonly sent?: boolean;
  /** Start of the mailbox's history (ISO); message N arrives about N * spacing later. */
  readonly epoch?: string;
  /** Position in time (defaults to the index), for index spaces that are not chronological. */
  readonly position?: number;
  /** Average time between messages in milliseconds (default 3 hours). */
  readonly spacingMs?: number;
  /** No attachments at all (used for embedded messages). */
  readonly plain?: boolean;
  /** Always attach a (small) file or a forwarded message, so even tiny worlds show both shapes. */
  readonly force?: 'file' | 'item';
}

export interface GeneratedMessage {
  readonly seed: string;
  readonly mailbox: GeneratorMailbox;
  readonly index: number;
  readonly sent: boolean;
  readonly internetMessageId: string;
  readonly inReplyTo?: string;
  readonly references: readonly string[];
  /** Message-ID of the thread's first message (the conversation). */
  readonly threadRootId: string;
  readonly subject: string;
  readonly from: MailAddress;
  readonly to: readonly MailAddress[];
  readonly cc: readonly MailAddress[];
  readonly sentDateTime: string;
  readonly receivedDateTime: string;
  readonly importance: 'low' | 'normal' | 'high';
  readonly isRead: boolean;
  readonly attachments: readonly PoolAttachment[];
  /** A forwarded message attached as message/rfc822 (an itemAttachment in Graph). */
  readonly embedded?: GeneratedMessage;
  /** Approximate length of the plain text body in characters. */
  readonly textLength: number;
}

export const DEFAULT_EPOCH = '2024-01-02T07:30:00Z';
const THREAD_BLOCK = 5;

const PEOPLE: readonly string[] = [
  'Jürgen Müller', 'Zoë Ångström', '山田 太郎', 'Анна Петрова', 'José García', "Siobhán O'Brien", 'Nguyễn Văn An',
  'Fatima Al-Zahra', 'Ólafur Þórsson', 'Chloé Dubois', 'Παναγιώτης Κωνσταντίνου', 'Priya Raman', 'Lars Øvergaard',
  'Mei Chen', 'Kwame Mensah', 'Björk Guðmundsdóttir', 'Łukasz Wiśniewski', 'Ana Sofía Pérez', 'David Cohen',
  'Emma Smith',
];
const EXTERNAL_DOMAINS = ['fabrikam.example', 'northwind.example', 'adatum.example', 'tailspin.example'];

const TOPICS: readonly string[] = [
  'Quarterly review', 'Angebot für das Projekt', 'Réunion de lancement', 'Budget approval', '会議の議事録',
  'Отчёт за месяц', 'Invoice overdue', 'Lunch on Friday? 🍕', 'Server migration plan', 'Vertragsverlängerung',
  'Candidate feedback', 'Release 4.2 notes', 'Offsite agenda ✈️', 'Überprüfung der Kosten', 'Customer escalation',
  'Προσφορά', 'Travel expenses', 'Security incident follow-up', 'Weekly status', 'Café meeting',
];

const WORDS: readonly string[] = (
  'the project team will review the numbers before next week and we should agree on a plan for the ' +
  'migration customer contract budget deadline meeting schedule report draft update approval ' +
  'bitte prüfen Sie die Unterlagen bis Freitag danke für Ihre Rückmeldung ' +
  'merci pour votre réponse nous avons reçu le document ' +
  '会議 資料 確認 お願いします ' +
  'спасибо отчёт проект ' +
  'café naïve façade déjà vu smörgåsbord jalapeño 😀 ✅'
).split(' ');

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(8, '0');
}

function personAddress(name: string, domain: string): MailAddress {
  const local = name
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .toLowerCase()
    .replace(/[^a-z ]/g, '')
    .trim()
    .replace(/\s+/g, '.');
  return { name, address: `${local || 'user' + (hash32(name) % 1000)}@${domain}` };
}

function messageIdFor(seed: string, mailbox: string, index: number): string {
  return `<${hex(hash32(seed, mailbox, index, 'a'))}${hex(hash32(seed, mailbox, index, 'b'))}@PR3P195MB${hex(hash32(seed, mailbox)).slice(0, 4)}.EURP195.PROD.OUTLOOK.COM>`;
}

/** Thread layout: blocks of 5 messages; the first `len` of a block form a thread, the rest stand alone. */
function threadPosition(seed: string, mailbox: string, index: number): { root: number; position: number } {
  const block = Math.floor(index / THREAD_BLOCK);
  const position = index % THREAD_BLOCK;
  const len = 1 + (hash32(seed, mailbox, 'thread', block) % THREAD_BLOCK);
  return position < len ? { root: block * THREAD_BLOCK, position } : { root: index, position: 0 };
}

/** Dates of message N without generating it (own random stream, so listings and sorting stay cheap). */
export function generatedDates(seed: string, mailbox: string, index: number, options: GenerateMessageOptions = {}): { receivedDateTime: string; sentDateTime: string } {
  const rnd = new SeededRandom(seed, mailbox, index, 'dates');
  const epoch = Date.parse(options.epoch ?? DEFAULT_EPOCH);
  const spacing = options.spacingMs ?? 3 * 3600_000;
  // jitter stays below the spacing, so messages of one index space are in index order
  const received = epoch + (options.position ?? index) * spacing + Math.floor((rnd.next() * spacing * 0.6) / 1000) * 1000;
  const sentAt = received - rnd.int(2, 120) * 1000;
  const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
  return { receivedDateTime: iso(received), sentDateTime: iso(sentAt) };
}

/** Initial read state of message N without generating it. */
export function generatedIsRead(seed: string, mailbox: string, index: number, sent: boolean): boolean {
  return sent || new SeededRandom(seed, mailbox, index, 'read').chance(0.8);
}

export function generateMessage(seed: string, mailbox: GeneratorMailbox, index: number, options: GenerateMessageOptions = {}): GeneratedMessage {
  const sent = !!options.sent;
  const rnd = new SeededRandom(seed, mailbox.address, index, 'message');
  const ownDomain = mailbox.address.slice(mailbox.address.indexOf('@') + 1);
  const owner: MailAddress = { name: mailbox.displayName, address: mailbox.address };

  const { root, position } = threadPosition(seed, mailbox.address, index);
  const rootRnd = new SeededRandom(seed, mailbox.address, root, 'thread-root');
  const topic = rootRnd.pick(TOPICS);
  const counterpart = personAddress(rootRnd.pick(PEOPLE), rootRnd.chance(0.5) ? ownDomain : rootRnd.pick(EXTERNAL_DOMAINS));
  const references: string[] = [];
  for (let i = root; i < index; i++) references.push(messageIdFor(seed, mailbox.address, i));
  const subject = position === 0 ? topic : `${rnd.chance(0.8) ? 'RE' : 'AW'}: ${topic}`;

  const ccCount = rnd.chance(0.3) ? rnd.int(1, 3) : 0;
  const cc: MailAddress[] = [];
  for (let i = 0; i < ccCount; i++) cc.push(personAddress(rnd.pick(PEOPLE), rnd.pick([ownDomain, ...EXTERNAL_DOMAINS])));

  const { receivedDateTime, sentDateTime } = generatedDates(seed, mailbox.address, index, options);
  const r = rnd.next();
  const importance = r < 0.05 ? 'high' : r < 0.08 ? 'low' : 'normal';

  // size: text + html bodies of roughly 2.5x the text length; mostly 5-80 KB in all, some with attachments
  const s = rnd.next();
  const textLength = Math.round(1200 + s * s * 17000);
  const attachments: PoolAttachment[] = [];
  let embedded: GeneratedMessage | undefined;
  const extras = rnd.next();
  if (options.plain) {
    // no attachments
  } else if (options.force === 'file') {
    let k = index;
    while (poolAttachment(seed, k).size > 400 * 1024) k++;
    attachments.push(poolAttachment(seed, k));
  } else if (extras < 0.03 || options.force === 'item') {
    embedded = generateMessage(seed, mailbox, index + 1_000_000_000, { epoch: options.epoch, position: (options.position ?? index) - 1, spacingMs: options.spacingMs, plain: true });
  } else if (extras < 0.15) {
    const n = rnd.int(1, 2);
    for (let i = 0; i < n; i++) {
      const att = poolAttachment(seed, rnd.int(0, ATTACHMENT_POOL_SIZE - 1));
      if (!attachments.some((a) => a.poolIndex === att.poolIndex)) attachments.push(att);
    }
  }

  return {
    seed,
    mailbox,
    index,
    sent,
    internetMessageId: messageIdFor(seed, mailbox.address, index),
    inReplyTo: references.length ? references[references.length - 1] : undefined,
    references,
    threadRootId: messageIdFor(seed, mailbox.address, root),
    subject,
    from: sent ? owner : counterpart,
    to: sent ? [counterpart] : [owner],
    cc,
    sentDateTime,
    receivedDateTime,
    importance,
    isRead: generatedIsRead(seed, mailbox.address, index, sent),
    attachments,
    embedded,
    textLength: embedded ? Math.min(textLength, 3000) : textLength,
  };
}

/** The plain text body (deterministic). */
export function generatedText(msg: GeneratedMessage): string {
  const rnd = new SeededRandom(msg.seed, msg.mailbox.address, msg.index, 'body');
  const greeting = rnd.pick(['Hi', 'Hallo', 'Bonjour', 'こんにちは', 'Привет', 'Hello']);
  const paragraphs: string[] = [`${greeting} ${msg.to[0]?.name.split(' ')[0] ?? ''},`];
  let length = paragraphs[0].length;
  while (length < msg.textLength) {
    const sentences: string[] = [];
    const n = rnd.int(2, 6);
    for (let i = 0; i < n; i++) {
      const words: string[] = [];
      const wc = rnd.int(6, 18);
      for (let w = 0; w < wc; w++) words.push(rnd.pick(WORDS));
      const sentence = words.join(' ');
      sentences.push(sentence.charAt(0).toUpperCase() + sentence.slice(1) + '.');
    }
    const p = sentences.join(' ');
    paragraphs.push(p);
    length += p.length + 2;
  }
  paragraphs.push(`${rnd.pick(['Best regards', 'Viele Grüße', 'Cordialement', 'よろしくお願いします'])},\n${msg.from.name}`);
  return paragraphs.join('\n\n');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function generatedHtml(msg: GeneratedMessage, text = generatedText(msg)): string {
  const body = text
    .split('\n\n')
    .map((p) => `<p class="MsoNormal" style="margin:0cm;font-family:Aptos,sans-serif;font-size:11pt">${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');
  return `<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n<title>${escapeHtml(msg.subject)}</title>\n</head>\n<body lang="EN-US">\n<div class="WordSection1">\n${body}\n</div>\n</body>\n</html>`;
}

/** A piece of the rendered message: literal bytes, or an attachment's base64 rendered on demand. */
export type MimePiece = { readonly kind: 'bytes'; readonly bytes: Buffer } | { readonly kind: 'attachment'; readonly attachment: PoolAttachment };

function boundary(msg: GeneratedMessage, n: number): string {
  return `_00${n}_${hex(hash32(msg.seed, msg.mailbox.address, msg.index, 'boundary', n))}${hex(hash32(msg.internetMessageId, n))}_`;
}

function headerLine(name: string, value: string): string {
  return `${name}: ${value}\r\n`;
}

function mimeParameter(name: string): string {
  // RFC 2231 for non-ASCII file names, plain quoted otherwise
  if (/^[\x20-\x7e]*$/.test(name)) return `="${name.replace(/(["\\])/g, '\\$1')}"`;
  return `*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())}`;
}

export function mimePieces(msg: GeneratedMessage): MimePiece[] {
  const text = generatedText(msg);
  const html = generatedHtml(msg, text);
  const alt = boundary(msg, 1);
  const mixed = boundary(msg, 2);
  const ownDomain = msg.mailbox.address.slice(msg.mailbox.address.indexOf('@') + 1);
  let h = '';
  if (!msg.sent) {
    h += headerLine('Received', `from EUR05-DB8-obe.outbound.protection.outlook.example (2603:10a6:10:1::${(msg.index % 65535).toString(16)})\r\n by PR3P195MB0001.EURP195.PROD.OUTLOOK.COM with HTTPS; ${formatRfc5322Date(msg.receivedDateTime)}`);
  }
  h += headerLine('From', formatAddressList([msg.from]));
  h += headerLine('To', formatAddressList(msg.to));
  if (msg.cc.length) h += headerLine('CC', formatAddressList(msg.cc));
  h += headerLine('Subject', encodeHeaderWords(msg.subject));
  h += headerLine('Thread-Topic', encodeHeaderWords(msg.subject.replace(/^(RE|AW): /, '')));
  h += headerLine('Date', formatRfc5322Date(msg.sentDateTime));
  h += headerLine('Message-ID', msg.internetMessageId);
  if (msg.inReplyTo) h += headerLine('In-Reply-To', msg.inReplyTo);
  if (msg.references.length) h += headerLine('References', msg.references.join('\r\n '));
  if (msg.importance !== 'normal') {
    h += headerLine('Importance', msg.importance);
    h += headerLine('X-Priority', msg.importance === 'high' ? '1' : '5');
  }
  h += headerLine('Content-Language', 'en-US');
  h += headerLine('X-MS-Has-Attach', msg.attachments.length || msg.embedded ? 'yes' : '');
  h += headerLine('X-MS-Exchange-Organization-AuthAs', msg.from.address.endsWith('@' + ownDomain) ? 'Internal' : 'Anonymous');
  h += headerLine('MIME-Version', '1.0');

  const alternative =
    `--${alt}\r\n` +
    'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n' +
    encodeQuotedPrintable(text) +
    `\r\n\r\n--${alt}\r\n` +
    'Content-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n' +
    encodeQuotedPrintable(html) +
    `\r\n\r\n--${alt}--\r\n`;

  if (!msg.attachments.length && !msg.embedded) {
    h += headerLine('Content-Type', `multipart/alternative;\r\n\tboundary="${alt}"`);
    return [{ kind: 'bytes', bytes: Buffer.from(h + '\r\n' + alternative, 'utf8') }];
  }
  h += headerLine('Content-Type', `multipart/mixed;\r\n\tboundary="${mixed}"`);
  const pieces: MimePiece[] = [
    { kind: 'bytes', bytes: Buffer.from(`${h}\r\n--${mixed}\r\nContent-Type: multipart/alternative;\r\n\tboundary="${alt}"\r\n\r\n${alternative}\r\n`, 'utf8') },
  ];
  for (const att of msg.attachments) {
    const head =
      `--${mixed}\r\n` +
      `Content-Type: ${att.contentType}; name${mimeParameter(att.name)}\r\n` +
      `Content-Description: ${encodeHeaderWords(att.name)}\r\n` +
      `Content-Disposition: attachment; filename${mimeParameter(att.name)}; size=${att.size}\r\n` +
      'Content-Transfer-Encoding: base64\r\n\r\n';
    pieces.push({ kind: 'bytes', bytes: Buffer.from(head, 'utf8') });
    pieces.push({ kind: 'attachment', attachment: att });
    pieces.push({ kind: 'bytes', bytes: Buffer.from('\r\n', 'utf8') });
  }
  if (msg.embedded) {
    const inner = renderMime(msg.embedded);
    const head =
      `--${mixed}\r\n` +
      `Content-Type: message/rfc822\r\n` +
      `Content-Description: ${encodeHeaderWords(msg.embedded.subject)}\r\n` +
      `Content-Disposition: attachment; size=${inner.length}\r\n\r\n`;
    pieces.push({ kind: 'bytes', bytes: Buffer.concat([Buffer.from(head, 'utf8'), inner, Buffer.from('\r\n', 'utf8')]) });
  }
  pieces.push({ kind: 'bytes', bytes: Buffer.from(`--${mixed}--\r\n`, 'utf8') });
  return pieces;
}

/** Size in bytes of the MIME rendering, computed without producing attachment bytes. */
export function mimeSize(msg: GeneratedMessage): number {
  let n = 0;
  for (const p of mimePieces(msg)) n += p.kind === 'bytes' ? p.bytes.length : base64WrappedLength(p.attachment.size);
  return n;
}

const CHUNK = 57 * 1024; // a multiple of 57 bytes = whole 76-character base64 lines

/** The MIME bytes as a sequence of chunks (attachments encoded piece by piece). */
export function* mimeChunks(msg: GeneratedMessage): Generator<Buffer> {
  for (const p of mimePieces(msg)) {
    if (p.kind === 'bytes') {
      yield p.bytes;
      continue;
    }
    for (let off = 0; off < p.attachment.size; off += CHUNK) {
      yield Buffer.from(base64Wrapped(poolAttachmentBytes(p.attachment, off, CHUNK)), 'ascii');
    }
  }
}

export function renderMime(msg: GeneratedMessage): Buffer {
  return Buffer.concat([...mimeChunks(msg)]);
}

/** Graph's bodyPreview: the first 255 characters of the text, whitespace collapsed. */
export function previewOf(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 255);
}

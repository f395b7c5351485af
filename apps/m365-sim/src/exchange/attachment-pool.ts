import { SeededRandom, seededBytes } from './seeded-random';

/**
 * A shared, seeded pool of attachment files. Messages in every mailbox draw from the same pool, so the
 * same bytes appear in many mailboxes (what de-duplicating backup storage must notice). Bytes are
 * produced on request from (seed, pool index); nothing is kept in memory.
 */
export interface PoolAttachment {
  readonly poolIndex: number;
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  /** Stable key of the byte stream: equal keys mean equal bytes. */
  readonly key: string;
}

export const ATTACHMENT_POOL_SIZE = 64;

interface Kind {
  ext: string;
  contentType: string;
  magic: Buffer;
  text: boolean;
}

const KINDS: readonly Kind[] = [
  { ext: 'pdf', contentType: 'application/pdf', magic: Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), text: false },
  { ext: 'docx', contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', magic: Buffer.from('PK\x03\x04\x14\x00\x06\x00', 'latin1'), text: false },
  { ext: 'xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', magic: Buffer.from('PK\x03\x04\x14\x00\x06\x00', 'latin1'), text: false },
  { ext: 'png', contentType: 'image/png', magic: Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), text: false },
  { ext: 'jpg', contentType: 'image/jpeg', magic: Buffer.from('\xff\xd8\xff\xe0\x00\x10JFIF\x00', 'latin1'), text: false },
  { ext: 'zip', contentType: 'application/zip', magic: Buffer.from('PK\x03\x04\x0a\x00\x00\x00', 'latin1'), text: false },
  { ext: 'txt', contentType: 'text/plain', magic: Buffer.alloc(0), text: true },
  { ext: 'csv', contentType: 'text/csv', magic: Buffer.alloc(0), text: true },
];

const NAMES = [
  'Quarterly report', 'Angebot', 'Rechnung', 'Budget 2025', 'Présentation', 'Vertrag', 'Photo', 'Scan', 'Minutes',
  'Projektplan', '見積書', 'Отчёт', 'Inventory', 'Invoice', 'Roadmap', 'Zeitplan', 'Résumé', 'Diagram',
];

export function poolAttachment(seed: string, poolIndex: number): PoolAttachment {
  const index = ((poolIndex % ATTACHMENT_POOL_SIZE) + ATTACHMENT_POOL_SIZE) % ATTACHMENT_POOL_SIZE;
  const rnd = new SeededRandom(seed, 'attachment-pool', index);
  const kind = rnd.pick(KINDS);
  const r = rnd.next();
  // mostly small, some medium, a few over the 3 MB simple-upload limit
  const size = r < 0.7 ? rnd.int(8 * 1024, 300 * 1024) : r < 0.95 ? rnd.int(300 * 1024, 2500 * 1024) : rnd.int(3 * 1024 * 1024, 12 * 1024 * 1024);
  const name = `${rnd.pick(NAMES)} ${index + 1}.${kind.ext}`;
  return { poolIndex: index, name, contentType: kind.contentType, size, key: `${seed}/attachment-pool/${index}` };
}

function kindOf(att: PoolAttachment): Kind {
  const ext = att.name.slice(att.name.lastIndexOf('.') + 1);
  return KINDS.find((k) => k.ext === ext) ?? KINDS[0];
}

const TEXT_LINE = 64;

function textLine(key: string, n: number): string {
  const rnd = new SeededRandom(key, 'line', n);
  const cols = [String(n + 1), rnd.pick(['alpha', 'beta', 'gamma', 'delta', 'omega']), String(rnd.int(0, 999999)), rnd.pick(['ok', 'open', 'closed'])];
  return cols.join(';').padEnd(TEXT_LINE - 1, ' ').slice(0, TEXT_LINE - 1) + '\n';
}

/** Bytes [offset, offset+length) of a pool attachment; random access, so huge files cost nothing until read. */
export function poolAttachmentBytes(att: PoolAttachment, offset = 0, length = att.size - offset): Buffer {
  const end = Math.min(att.size, offset + length);
  if (end <= offset) return Buffer.alloc(0);
  const kind = kindOf(att);
  if (kind.text) {
    const first = Math.floor(offset / TEXT_LINE);
    const last = Math.floor((end - 1) / TEXT_LINE);
    const lines: string[] = [];
    for (let n = first; n <= last; n++) lines.push(textLine(att.key, n));
    const buf = Buffer.from(lines.join(''), 'ascii');
    return buf.subarray(offset - first * TEXT_LINE, end - first * TEXT_LINE);
  }
  const out = seededBytes(att.key, offset, end - offset);
  // the file starts with its format's magic number
  if (offset < kind.magic.length) kind.magic.copy(out, 0, offset, Math.min(kind.magic.length, end));
  return out;
}

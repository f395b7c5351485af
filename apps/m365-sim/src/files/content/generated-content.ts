import { createCipheriv, createHash } from 'node:crypto';
import { mixHash, Rng } from '../generation/seeded-random';
import { QUICK_XOR_PERIOD, QuickXorHash, quickXorFold } from './quick-xor-hash';

/**
 * File content that is never stored: any byte range is computed from (seed, size, flavour),
 * so a 20 GB file costs nothing until someone reads it, and reading its last byte does not
 * generate the bytes before it.
 *
 * text / binary: the file is cut into 160 KiB blocks (a multiple of QuickXorHash's
 * 160-byte period). Each block is a 16-byte header unique to (seed, block) followed by the
 * body of one page from a shared pool. Low entropy like real documents, unique per block,
 * and the QuickXorHash of a huge file is computed from per-page folds without generating it.
 * random: AES-CTR keystream, high entropy (what ransomware leaves behind).
 */
export type ContentFlavor = 'text' | 'binary' | 'random';

export interface GeneratedContent {
  readonly kind: 'generated';
  readonly seed: string;
  readonly size: number;
  readonly flavor: ContentFlavor;
  /** Bytes that replace the start of the content (file-type magic numbers). */
  readonly prefix?: string; // base64
}

export const CONTENT_BLOCK = 163_840; // 1024 x 160
const HEADER = 16;
const PAGES = 32;

const WORDS = [
  'quarterly', 'budget', 'review', 'meeting', 'notes', 'project', 'timeline', 'customer', 'invoice',
  'contract', 'draft', 'final', 'approval', 'the', 'and', 'of', 'to', 'for', 'with', 'Zürich', 'Ångström',
  'naïve', 'café', 'résumé', 'straße', 'Kraków', 'Łódź', 'São', 'Paulo', 'København', '東京', '会議', '報告書',
  'данные', 'отчёт', 'προϋπολογισμός', 'مشروع', 'פגישה', '😀', '📎', 'revenue', 'forecast', 'risk', 'plan',
  'sprint', 'backlog', 'release', 'incident', 'policy', 'compliance', 'audit', 'summary', 'appendix',
];

interface PagePool {
  pages: Buffer[];
  folds: Uint8Array[];
  cumulative: Uint8Array[];
}
const pagePools = new Map<ContentFlavor, PagePool>();

function pool(flavor: 'text' | 'binary'): PagePool {
  let p = pagePools.get(flavor);
  if (!p) {
    const pages: Buffer[] = [];
    const words = WORDS.map((w) => Buffer.from(w, 'utf8'));
    const space = Buffer.from(' ');
    const stop = Buffer.from('.\n');
    for (let n = 0; n < PAGES; n++) {
      const page = Buffer.alloc(CONTENT_BLOCK);
      if (flavor === 'text') {
        const r = new Rng('page', flavor, n);
        let at = 0;
        let sentence = 0;
        while (at < CONTENT_BLOCK) {
          const w = words[r.uint32() % words.length];
          at += w.copy(page, at);
          if (at < CONTENT_BLOCK) at += (++sentence % 12 === 0 ? stop : space).copy(page, at);
        }
      } else {
        // skewed bytes (lots of zeros and small values, like structured binary formats) from a native keystream
        const iv = Buffer.alloc(16);
        iv.writeUInt32BE(n, 0);
        const raw = createCipheriv('aes-128-ctr', aesKey(`page:${flavor}`), iv).update(Buffer.alloc(CONTENT_BLOCK));
        for (let i = 0; i < CONTENT_BLOCK; i++) {
          const v = raw[i];
          page[i] = (v & 3) === 0 ? 0 : (v & 4) === 0 ? v >> 4 : v;
        }
      }
      pages.push(page);
    }
    // folds of the body only (bytes HEADER..end); headers are folded per block
    const folds = pages.map((page) => {
      const body = Buffer.from(page);
      body.fill(0, 0, HEADER);
      return quickXorFold(body);
    });
    // cumulative folds of each body at every 160-byte boundary, for partial last blocks
    const cumulative = pages.map((page) => {
      const steps = CONTENT_BLOCK / QUICK_XOR_PERIOD;
      const out = new Uint8Array((steps + 1) * QUICK_XOR_PERIOD);
      const acc = new Uint8Array(QUICK_XOR_PERIOD);
      for (let k = 0; k < steps; k++) {
        out.set(acc, k * QUICK_XOR_PERIOD);
        for (let i = Math.max(HEADER, k * QUICK_XOR_PERIOD); i < (k + 1) * QUICK_XOR_PERIOD; i++) acc[i % QUICK_XOR_PERIOD] ^= page[i];
      }
      out.set(acc, steps * QUICK_XOR_PERIOD);
      return out;
    });
    p = { pages, folds, cumulative };
    pagePools.set(flavor, p);
  }
  return p;
}

const seedNumbers = new Map<string, number>();
function seedNumber(seed: string): number {
  let n = seedNumbers.get(seed);
  if (n === undefined) {
    n = mixHash('content', seed);
    if (seedNumbers.size > 10000) seedNumbers.clear();
    seedNumbers.set(seed, n);
  }
  return n;
}

/** Integer-only mixing of (seed, block, salt): this runs once per block of a 20 GB file. */
function blockMix(seed: number, block: number, salt: number): number {
  let h = (seed ^ Math.imul(block + 1, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

const HEX = '0123456789abcdef';
function writeHeader(c: GeneratedContent, block: number, into: Uint8Array): void {
  const seed = seedNumber(c.seed);
  if (c.flavor === 'text') {
    for (let w = 0; w < 2; w++) {
      const v = blockMix(seed, block, w);
      for (let i = 0; i < 8; i++) into[w * 8 + i] = HEX.charCodeAt((v >>> (i * 4)) & 15);
    }
    return;
  }
  for (let w = 0; w < 4; w++) {
    const v = blockMix(seed, block, w);
    into[w * 4] = v & 0xff;
    into[w * 4 + 1] = (v >>> 8) & 0xff;
    into[w * 4 + 2] = (v >>> 16) & 0xff;
    into[w * 4 + 3] = v >>> 24;
  }
}

function blockHeader(c: GeneratedContent, block: number): Buffer {
  const h = Buffer.alloc(HEADER);
  writeHeader(c, block, h);
  return h;
}

function pageOf(c: GeneratedContent, block: number): number {
  return blockMix(seedNumber(c.seed), block, 7) % PAGES;
}

function aesKey(seed: string): Buffer {
  return createHash('sha256').update(`content:${seed}`).digest().subarray(0, 16);
}

function randomRange(c: GeneratedContent, start: number, end: number): Buffer {
  const first = Math.floor(start / 16);
  const iv = Buffer.alloc(16);
  // counter block = first 16-byte block index (big-endian, low 8 bytes)
  iv.writeBigUInt64BE(BigInt(first), 8);
  const cipher = createCipheriv('aes-128-ctr', aesKey(c.seed), iv);
  const skip = start - first * 16;
  const out = cipher.update(Buffer.alloc(end - start + skip));
  return out.subarray(skip);
}

function prefixBytes(c: GeneratedContent): Buffer | undefined {
  if (!c.prefix) return undefined;
  const p = Buffer.from(c.prefix, 'base64');
  return p.length > c.size ? p.subarray(0, c.size) : p;
}

/** Bytes [start, end) of generated content (end exclusive, clamped to the size). */
export function readGeneratedRange(c: GeneratedContent, start: number, end: number): Buffer {
  end = Math.min(end, c.size);
  if (start >= end) return Buffer.alloc(0);
  let out: Buffer;
  if (c.flavor === 'random') {
    out = randomRange(c, start, end);
  } else {
    const { pages } = pool(c.flavor);
    out = Buffer.allocUnsafe(end - start);
    let at = start;
    while (at < end) {
      const block = Math.floor(at / CONTENT_BLOCK);
      const blockStart = block * CONTENT_BLOCK;
      const from = at - blockStart;
      const to = Math.min(CONTENT_BLOCK, end - blockStart);
      const page = pages[pageOf(c, block)];
      if (from < HEADER) {
        const header = blockHeader(c, block);
        header.copy(out, at - start, from, Math.min(HEADER, to));
        if (to > HEADER) page.copy(out, at - start + (HEADER - from), HEADER, to);
      } else {
        page.copy(out, at - start, from, to);
      }
      at = blockStart + to;
    }
  }
  const prefix = prefixBytes(c);
  if (prefix && start < prefix.length) {
    prefix.copy(out, 0, start, Math.min(prefix.length, end));
  }
  return out;
}

/** Streams the range in pieces of at most `chunk` bytes. */
export function* generatedChunks(c: GeneratedContent, start = 0, end = c.size, chunk = 1 << 20): Generator<Buffer> {
  end = Math.min(end, c.size);
  for (let at = start; at < end; at += chunk) yield readGeneratedRange(c, at, Math.min(end, at + chunk));
}

/** QuickXorHash of the whole content; for text/binary without generating the blocks. */
export function generatedQuickXorHash(c: GeneratedContent): string {
  const h = new QuickXorHash();
  if (c.flavor === 'random') {
    for (const piece of generatedChunks(c)) h.update(piece);
    return h.digestBase64();
  }
  const { folds, cumulative, pages } = pool(c.flavor);
  const fullBlocks = Math.floor(c.size / CONTENT_BLOCK);
  const odd = new Uint8Array(PAGES);
  const headerFold = new Uint8Array(QUICK_XOR_PERIOD);
  const header = new Uint8Array(HEADER);
  const seed = seedNumber(c.seed);
  for (let block = 0; block < fullBlocks; block++) {
    odd[blockMix(seed, block, 7) % PAGES] ^= 1;
    writeHeader(c, block, header);
    for (let i = 0; i < HEADER; i++) headerFold[i] ^= header[i];
  }
  for (let p = 0; p < PAGES; p++) if (odd[p]) h.combineAt(0, folds[p], 0);
  h.combineAt(0, headerFold, 0);
  const tailStart = fullBlocks * CONTENT_BLOCK;
  const tailLength = c.size - tailStart;
  if (tailLength > 0) {
    // header bytes, then the page body up to tailLength from the cumulative folds (no generation)
    const page = blockMix(seed, fullBlocks, 7) % PAGES;
    const steps = Math.floor(tailLength / QUICK_XOR_PERIOD);
    const fold = cumulative[page].slice(steps * QUICK_XOR_PERIOD, (steps + 1) * QUICK_XOR_PERIOD);
    for (let i = Math.max(HEADER, steps * QUICK_XOR_PERIOD); i < tailLength; i++) fold[i % QUICK_XOR_PERIOD] ^= pages[page][i];
    writeHeader(c, fullBlocks, header);
    for (let i = 0; i < Math.min(HEADER, tailLength); i++) fold[i] ^= header[i];
    h.combineAt(tailStart, fold, tailLength);
  }
  const prefix = prefixBytes(c);
  if (prefix) {
    // replace the first bytes: XOR out what was there, XOR in the prefix
    const original = readGeneratedRange({ ...c, prefix: undefined }, 0, prefix.length);
    const diff = Buffer.alloc(prefix.length);
    for (let i = 0; i < prefix.length; i++) diff[i] = original[i] ^ prefix[i];
    h.combineAt(0, quickXorFold(diff), 0);
  }
  return h.setLength(c.size).digestBase64();
}

const MAGIC: Record<string, string> = {
  pdf: Buffer.from('%PDF-1.7\n').toString('base64'),
  docx: Buffer.from([0x50, 0x4b, 0x03, 0x04]).toString('base64'),
  xlsx: Buffer.from([0x50, 0x4b, 0x03, 0x04]).toString('base64'),
  pptx: Buffer.from([0x50, 0x4b, 0x03, 0x04]).toString('base64'),
  zip: Buffer.from([0x50, 0x4b, 0x03, 0x04]).toString('base64'),
  png: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64'),
  jpg: Buffer.from([0xff, 0xd8, 0xff, 0xe0]).toString('base64'),
  mp4: Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70]).toString('base64'),
};

/** Magic numbers so generated files look like their extension to content sniffers. */
export function prefixForExtension(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot >= 0 ? MAGIC[name.slice(dot + 1).toLowerCase()] : undefined;
}

export function flavorForExtension(name: string): ContentFlavor {
  return /\.(txt|md|csv|json|xml|html?|log)$/i.test(name) ? 'text' : /\.(docx|xlsx|pptx)$/i.test(name) ? 'text' : 'binary';
}

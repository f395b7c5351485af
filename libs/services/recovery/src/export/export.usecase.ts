import { createWriteStream } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HoldfastError } from '@holdfast/contracts';
import { loadMailboxPoint, readAllContent, selectItems, type PointItem, type PointMail, type PointSource } from '../mailbox-point.reader';
import { contactToVcard, eventToIcs, mboxRecord } from './formats';
import { ZipWriter } from './zip-writer';
import { makeFolderInside, resolveInside, safeFolderSegments, safeName, UniqueNames } from './safe-names';

export type ExportFormat = 'eml' | 'mbox' | 'vcf' | 'ics' | 'zip';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['eml', 'mbox', 'vcf', 'ics', 'zip'];

/** Where exported files go; names arrive already made safe. */
export interface ExportSink {
  write(folder: string[], name: string, data: Buffer | Readable): Promise<void>;
  close(): Promise<void>;
  /** What was produced (the folder, or the zip file). */
  readonly location: string;
}

/** Writes under a folder; never outside it, never over an existing file. */
export class FolderSink implements ExportSink {
  private constructor(readonly location: string) {}

  static async open(root: string): Promise<FolderSink> {
    await mkdir(root, { recursive: true });
    return new FolderSink(await realpath(root));
  }

  async write(folder: string[], name: string, data: Buffer | Readable): Promise<void> {
    const dir = await makeFolderInside(this.location, folder);
    const file = resolveInside(dir, [name]);
    const out = createWriteStream(file, { flags: 'wx' });
    await pipeline(Buffer.isBuffer(data) ? Readable.from([data]) : data, out);
  }

  async close(): Promise<void> {}
}

/** Streams a zip file: one entry at a time, flat memory. */
export class ZipSink implements ExportSink {
  private readonly zip: ZipWriter;

  constructor(readonly location: string) {
    this.zip = new ZipWriter(createWriteStream(location, { flags: 'wx' }));
  }

  async write(folder: string[], name: string, data: Buffer | Readable): Promise<void> {
    await this.zip.add([...folder, name].join('/'), data);
  }

  async close(): Promise<void> {
    await this.zip.finish();
  }
}

export interface ExportReport {
  format: ExportFormat;
  location: string;
  files: number;
  messages: number;
  contacts: number;
  events: number;
  bytes: number;
  failed: { id: string; error: string }[];
}

export interface ExportRequest {
  source: PointSource;
  pointId: string;
  format: ExportFormat;
  /** A folder (created) for eml/mbox/vcf/ics; for zip, the folder the .zip goes in. */
  out: string;
  /** Zip file name (without folder); defaults to `export.zip`. */
  zipName?: string;
  itemIds?: string[];
  folderPaths?: string[];
  onProgress?: (done: number, total: number) => void;
}

function dateLabel(m: PointMail): string {
  const d = m.receivedDateTime ? new Date(m.receivedDateTime) : undefined;
  if (!d || Number.isNaN(d.getTime())) return '';
  return `${d.toISOString().slice(0, 16).replace('T', ' ').replace(':', '')} `;
}

class CountingStream {
  bytes = 0;
  /** Counts bytes as they are consumed (a lazy generator: nothing flows before the sink reads). */
  wrap(r: Readable): Readable {
    const count = (n: number) => (this.bytes += n);
    return Readable.from(
      (async function* () {
        for await (const c of r) {
          count((c as Buffer).length);
          yield c as Buffer;
        }
      })(),
    );
  }
}

/** Exports (part of) a mailbox recovery point; returns what was written. */
export async function exportMailboxPoint(req: ExportRequest): Promise<ExportReport> {
  if (!EXPORT_FORMATS.includes(req.format)) throw new HoldfastError('validation_failed', `format must be one of ${EXPORT_FORMATS.join(', ')}, not "${req.format}"`);
  const point = await loadMailboxPoint(req.source, req.pointId);
  const items = selectItems(point, { itemIds: req.itemIds, folderPaths: req.folderPaths });
  const wanted = (i: PointItem) =>
    req.format === 'zip' || (req.format === 'eml' || req.format === 'mbox' ? i.kind === 'mail' : req.format === 'vcf' ? i.kind === 'contact' : i.kind === 'event');
  const chosen = items.filter(wanted);
  let sink: ExportSink;
  if (req.format === 'zip') {
    await mkdir(req.out, { recursive: true });
    const dir = await realpath(req.out);
    sink = new ZipSink(resolveInside(dir, [safeName(req.zipName?.replace(/\.zip$/i, '') ?? 'export', '.zip')]));
  } else {
    sink = await FolderSink.open(req.out);
  }
  const report: ExportReport = { format: req.format, location: sink.location, files: 0, messages: 0, contacts: 0, events: 0, bytes: 0, failed: [] };
  const names = new UniqueNames();
  const counter = new CountingStream();
  let done = 0;
  try {
    if (req.format === 'mbox') {
      const byFolder = new Map<string, PointMail[]>();
      for (const m of chosen as PointMail[]) byFolder.set(m.folderPath, [...(byFolder.get(m.folderPath) ?? []), m]);
      for (const [folder, mails] of byFolder) {
        const segs = safeFolderSegments(folder);
        const parent = segs.slice(0, -1);
        const name = names.take(parent.join('/'), segs[segs.length - 1] ?? 'mailbox', '.mbox');
        const source = req.source;
        const records = async function* () {
          for (const m of mails) {
            const mime = await readAllContent(source, m.content);
            const rec = mboxRecord(mime, 'MAILER-DAEMON', m.receivedDateTime ? new Date(m.receivedDateTime) : new Date(0));
            report.bytes += rec.length;
            report.messages++;
            req.onProgress?.(++done, chosen.length);
            yield rec;
          }
        };
        await sink.write(parent, name, Readable.from(records()));
        report.files++;
      }
    } else {
      for (const item of chosen) {
        try {
          const segs = safeFolderSegments(item.folderPath);
          const folderKey = segs.join('/');
          if (item.kind === 'mail') {
            const name = names.take(folderKey, `${dateLabel(item)}${item.subject ?? ''}`.trim() || 'no subject', '.eml');
            await sink.write(segs, name, counter.wrap(req.source.openContent(item.content)));
            report.messages++;
          } else {
            const json = JSON.parse((await readAllContent(req.source, item.content)).toString('utf8')) as Record<string, unknown>;
            const text = item.kind === 'contact' ? contactToVcard(json) : eventToIcs(json);
            const label = item.kind === 'contact' ? String(json.displayName ?? item.displayName ?? 'contact') : String(json.subject ?? item.subject ?? 'event');
            const data = Buffer.from(text, 'utf8');
            await sink.write(segs, names.take(folderKey, label, item.kind === 'contact' ? '.vcf' : '.ics'), data);
            report.bytes += data.length;
            if (item.kind === 'contact') report.contacts++;
            else report.events++;
          }
          report.files++;
        } catch (err) {
          if (err instanceof HoldfastError && err.code === 'validation_failed') throw err;
          report.failed.push({ id: item.id, error: (err as Error).message });
        }
        req.onProgress?.(++done, chosen.length);
      }
    }
  } finally {
    await sink.close();
  }
  report.bytes += counter.bytes;
  return report;
}

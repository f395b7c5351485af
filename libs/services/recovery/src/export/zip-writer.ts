import { crc32, createDeflateRaw } from 'node:zlib';
import type { Writable } from 'node:stream';
import { Readable } from 'node:stream';
import { HoldfastError } from '@holdfast/contracts';

/*
 * A streaming ZIP writer (PKWARE APPNOTE 6.3): each entry is deflated as it streams, with a
 * data descriptor after it, so memory stays flat whatever the entry sizes. Names are UTF-8
 * (general purpose bit 11). Archives are limited to the classic format: 4 GiB per offset
 * and 65,535 entries (no ZIP64); the writer refuses beyond that rather than corrupting.
 */

interface CentralEntry {
  name: Buffer;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
  time: number;
  date: number;
}

const LIMIT = 0xffffffff;

function dosTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getFullYear());
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

export class ZipWriter {
  private offset = 0;
  private readonly entries: CentralEntry[] = [];

  constructor(private readonly out: Writable) {}

  private async put(buf: Buffer): Promise<void> {
    this.offset += buf.length;
    if (!this.out.write(buf)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          this.out.off('error', onError);
          resolve();
        };
        const onError = (e: Error) => {
          this.out.off('drain', onDrain);
          reject(e);
        };
        this.out.once('drain', onDrain);
        this.out.once('error', onError);
      });
    }
  }

  /** Adds one entry, streaming its data through deflate. */
  async add(name: string, data: Buffer | Readable, modified = new Date()): Promise<void> {
    if (this.entries.length >= 0xffff) throw new HoldfastError('validation_failed', 'zip export is limited to 65,535 entries');
    const nameBuf = Buffer.from(name, 'utf8');
    const { time, date } = dosTime(modified);
    const offset = this.offset;
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4); // version needed
    header.writeUInt16LE(0x0808, 6); // data descriptor + UTF-8 names
    header.writeUInt16LE(8, 8); // deflate
    header.writeUInt16LE(time, 10);
    header.writeUInt16LE(date, 12);
    // crc and sizes are zero here: they follow in the data descriptor
    header.writeUInt16LE(nameBuf.length, 26);
    header.writeUInt16LE(0, 28);
    await this.put(Buffer.concat([header, nameBuf]));
    let crc = 0;
    let size = 0;
    let compressed = 0;
    const deflate = createDeflateRaw({ level: 6 });
    const source = Buffer.isBuffer(data) ? Readable.from([data]) : data;
    const feeding = (async () => {
      for await (const chunk of source) {
        const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        crc = crc32(b, crc);
        size += b.length;
        if (!deflate.write(b)) await new Promise<void>((r) => deflate.once('drain', r));
      }
      deflate.end();
    })();
    feeding.catch((e: Error) => deflate.destroy(e));
    for await (const piece of deflate) {
      compressed += (piece as Buffer).length;
      await this.put(piece as Buffer);
    }
    await feeding;
    if (size > LIMIT || compressed > LIMIT || this.offset > LIMIT) throw new HoldfastError('validation_failed', 'zip export is limited to 4 GiB (no ZIP64)');
    const desc = Buffer.alloc(16);
    desc.writeUInt32LE(0x08074b50, 0);
    desc.writeUInt32LE(crc >>> 0, 4);
    desc.writeUInt32LE(compressed, 8);
    desc.writeUInt32LE(size, 12);
    await this.put(desc);
    this.entries.push({ name: nameBuf, crc: crc >>> 0, compressed, size, offset, time, date });
  }

  /** Writes the central directory and ends the output stream. */
  async finish(): Promise<void> {
    const start = this.offset;
    for (const e of this.entries) {
      const c = Buffer.alloc(46);
      c.writeUInt32LE(0x02014b50, 0);
      c.writeUInt16LE(0x0314, 4); // made by: unix, 2.0
      c.writeUInt16LE(20, 6);
      c.writeUInt16LE(0x0808, 8);
      c.writeUInt16LE(8, 10);
      c.writeUInt16LE(e.time, 12);
      c.writeUInt16LE(e.date, 14);
      c.writeUInt32LE(e.crc, 16);
      c.writeUInt32LE(e.compressed, 20);
      c.writeUInt32LE(e.size, 24);
      c.writeUInt16LE(e.name.length, 28);
      c.writeUInt32LE((0o100644 << 16) >>> 0, 38); // regular file, rw-r--r--
      c.writeUInt32LE(e.offset, 42);
      await this.put(Buffer.concat([c, e.name]));
    }
    const size = this.offset - start;
    if (this.offset > LIMIT) throw new HoldfastError('validation_failed', 'zip export is limited to 4 GiB (no ZIP64)');
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(size, 12);
    end.writeUInt32LE(start, 16);
    await this.put(end);
    await new Promise<void>((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
  }
}

import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { HoldfastError } from '@holdfast/contracts';

/**
 * Content to upload, read chunk by chunk so a 250 GB file never sits in memory. `read` may be
 * asked for the same range again (a chunk is re-sent after a failure).
 */
export interface ChunkSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Buffer>;
}

export function bufferSource(buffer: Buffer): ChunkSource {
  return { size: buffer.length, read: async (offset, length) => buffer.subarray(offset, offset + length) };
}

/** A file on disk: random access, so any range can be re-read. */
export function fileSource(path: string, size: number): ChunkSource {
  return {
    size,
    async read(offset, length) {
      const fh = await open(path, 'r');
      try {
        const buf = Buffer.alloc(length);
        const { bytesRead } = await fh.read(buf, 0, length, offset);
        return buf.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    },
  };
}

/**
 * A one-pass stream of known size (from the repository or another download). Only the current
 * chunk is kept, so a failed chunk can be re-sent but earlier ones cannot.
 */
export function streamSource(stream: Readable, size: number): ChunkSource {
  const iterator = stream[Symbol.asyncIterator]();
  let buffered = Buffer.alloc(0);
  let bufferedFrom = 0;
  let ended = false;
  return {
    size,
    async read(offset, length) {
      if (offset < bufferedFrom) throw new HoldfastError('conflict', `cannot rewind a streamed upload to byte ${offset} (kept from ${bufferedFrom})`);
      // Drop what lies before the requested offset.
      if (offset > bufferedFrom) {
        const drop = Math.min(offset - bufferedFrom, buffered.length);
        buffered = buffered.subarray(drop);
        bufferedFrom += drop;
      }
      while (!ended && bufferedFrom + buffered.length < offset + length) {
        const next = await iterator.next();
        if (next.done) {
          ended = true;
          break;
        }
        const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
        buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
        if (offset > bufferedFrom) {
          const drop = Math.min(offset - bufferedFrom, buffered.length);
          buffered = buffered.subarray(drop);
          bufferedFrom += drop;
        }
      }
      return buffered.subarray(offset - bufferedFrom, offset - bufferedFrom + length);
    },
  };
}

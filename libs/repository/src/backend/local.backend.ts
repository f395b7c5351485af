import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HoldfastError } from '@holdfast/contracts';
import type { ObjectInfo, PutOptions, StorageBackend } from './storage-backend.port';

const TMP_MARK = '.tmp-';

/**
 * A repository in a local folder. Writes go to a unique temporary file that is flushed to disk
 * and renamed into place, so a crash leaves either the old state or the whole new object
 * (plus, at worst, a stray temporary file that listings ignore and gc removes).
 */
export class LocalBackend implements StorageBackend {
  readonly location: string;

  constructor(
    private readonly root: string,
    private readonly options: { fsync?: boolean } = {},
  ) {
    this.location = path.resolve(root);
  }

  private file(key: string): string {
    if (!key || key.includes('..') || key.startsWith('/') || key.includes('\\') || key.includes(TMP_MARK)) {
      throw new HoldfastError('validation_failed', `invalid object key "${key}"`);
    }
    return path.join(this.location, ...key.split('/'));
  }

  async put(key: string, data: Buffer | readonly Buffer[], _opts?: PutOptions): Promise<void> {
    const target = this.file(key);
    const tmp = `${target}${TMP_MARK}${randomBytes(6).toString('hex')}`;
    await fs.mkdir(path.dirname(target), { recursive: true });
    const fh = await fs.open(tmp, 'wx');
    try {
      if (Buffer.isBuffer(data)) await fh.writeFile(data);
      else {
        // writev takes at most IOV_MAX (1024) buffers at a time
        for (let i = 0; i < data.length; i += 512) await fh.writev(data.slice(i, i + 512) as Buffer[]);
      }
      if (this.options.fsync !== false) await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await fs.rename(tmp, target);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.file(key));
    } catch (e) {
      throw notFound(e, key);
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(this.file(key), 'r');
    } catch (e) {
      throw notFound(e, key);
    }
    try {
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      if (done < length) throw new HoldfastError('internal', `object ${key} is shorter than expected (wanted ${offset + length} bytes)`);
      return buf;
    } finally {
      await fh.close();
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const st = await fs.stat(this.file(key));
      return { key, size: st.size, mtime: st.mtime };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Walk the deepest folder the prefix names, then filter by the full prefix.
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash >= 0 ? prefix.slice(0, slash) : '';
    const start = dirKey ? path.join(this.location, ...dirKey.split('/')) : this.location;
    const stack: Array<[string, string]> = [[start, dirKey]];
    while (stack.length) {
      const [dir, keyPrefix] = stack.pop()!;
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
        throw e;
      }
      for (const ent of entries) {
        const key = keyPrefix ? `${keyPrefix}/${ent.name}` : ent.name;
        if (ent.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(key + '/')) stack.push([path.join(dir, ent.name), key]);
        } else if (ent.isFile() && key.startsWith(prefix) && !ent.name.includes(TMP_MARK)) {
          try {
            const st = await fs.stat(path.join(dir, ent.name));
            yield { key, size: st.size, mtime: st.mtime };
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
          }
        }
      }
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.file(key), { force: true });
  }

  /** Temporary files left by crashed writers, older than `olderThan` (gc removes them). */
  async removeStaleTemporaryFiles(olderThan: Date): Promise<number> {
    let removed = 0;
    const walk = async (dir: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const ent of entries) {
        const p = path.join(dir, ent.name);
        if (ent.isDirectory()) await walk(p);
        else if (ent.name.includes(TMP_MARK)) {
          const st = await fs.stat(p).catch(() => undefined);
          if (st && st.mtime < olderThan) {
            await fs.rm(p, { force: true });
            removed++;
          }
        }
      }
    };
    await walk(this.location);
    return removed;
  }
}

function notFound(e: unknown, key: string): unknown {
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new HoldfastError('not_found', `object ${key} not found`);
  return e;
}

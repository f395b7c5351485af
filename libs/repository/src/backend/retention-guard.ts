import { HoldfastError } from '@holdfast/contracts';
import type { ObjectInfo, PutOptions, StorageBackend } from './storage-backend.port';

export const RETENTION_PREFIX = 'retention/';

interface RetentionRecord {
  readonly retainUntil: string;
}

/**
 * Immutability enforced by the engine on every driver: an object written or locked with a
 * retain-until time gets a record `retention/<key>`; `delete` (and overwriting `put`) of the
 * object, or of its record, is refused until that time. On S3 with Object Lock enabled the driver
 * applies native retention too (object and record), so the storage itself refuses deletes even to
 * a client that bypasses the engine. Retention only ever extends, never shortens.
 */
export class RetentionGuard implements StorageBackend {
  readonly location: string;

  constructor(
    readonly inner: StorageBackend,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.location = inner.location;
  }

  async retainUntil(key: string): Promise<Date | undefined> {
    const recordKey = key.startsWith(RETENTION_PREFIX) ? key : RETENTION_PREFIX + key;
    let raw: Buffer;
    try {
      raw = await this.inner.get(recordKey);
    } catch (e) {
      if (e instanceof HoldfastError && e.code === 'not_found') return undefined;
      throw e;
    }
    const rec = JSON.parse(raw.toString('utf8')) as RetentionRecord;
    return new Date(rec.retainUntil);
  }

  /** All retention records under a key prefix: key -> retain-until. */
  async listRetention(prefix: string): Promise<Map<string, Date>> {
    const out = new Map<string, Date>();
    for await (const o of this.inner.list(RETENTION_PREFIX + prefix)) {
      const raw = await this.inner.get(o.key).catch(() => undefined);
      if (!raw) continue;
      out.set(o.key.slice(RETENTION_PREFIX.length), new Date((JSON.parse(raw.toString('utf8')) as RetentionRecord).retainUntil));
    }
    return out;
  }

  async isLocked(key: string): Promise<boolean> {
    const until = await this.retainUntil(key);
    return !!until && until.getTime() > this.now().getTime();
  }

  /** Sets or extends retention of an existing object (never shortens it). */
  async extendRetention(key: string, until: Date): Promise<void> {
    const current = await this.retainUntil(key);
    if (current && current.getTime() >= until.getTime()) return;
    await this.writeRecord(key, until);
    await this.inner.extendNativeRetention?.(key, until);
  }

  private async writeRecord(key: string, until: Date): Promise<void> {
    const rec: RetentionRecord = { retainUntil: until.toISOString() };
    await this.inner.put(RETENTION_PREFIX + key, Buffer.from(JSON.stringify(rec)), { retainUntil: until });
  }

  async put(key: string, data: Buffer | readonly Buffer[], opts?: PutOptions): Promise<void> {
    if (key.startsWith(RETENTION_PREFIX)) throw new HoldfastError('forbidden', `retention records are written by the engine only (${key})`);
    if (await this.isLocked(key)) throw new HoldfastError('forbidden', `object ${key} is locked by retention and cannot be overwritten`);
    // Record first: a crash in between leaves a lock on a missing object (harmless), never an
    // unlocked object that should have been locked.
    if (opts?.retainUntil) await this.writeRecord(key, opts.retainUntil);
    await this.inner.put(key, data, opts);
  }

  get(key: string): Promise<Buffer> {
    return this.inner.get(key);
  }
  getRange(key: string, offset: number, length: number): Promise<Buffer> {
    return this.inner.getRange(key, offset, length);
  }
  stat(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.stat(key);
  }
  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix);
  }

  async delete(key: string): Promise<void> {
    const until = await this.retainUntil(key);
    if (until && until.getTime() > this.now().getTime()) {
      throw new HoldfastError('forbidden', `object ${key} is locked until ${until.toISOString()} and cannot be deleted`, {
        key,
        retainUntil: until.toISOString(),
      });
    }
    await this.inner.delete(key);
    if (until && !key.startsWith(RETENTION_PREFIX)) await this.inner.delete(RETENTION_PREFIX + key);
  }

  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}

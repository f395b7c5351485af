/** One stored object as a listing shows it. */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly mtime: Date;
}

export interface PutOptions {
  /**
   * Object retention (immutability): the object cannot be deleted or overwritten before this time.
   * Drivers with native support (S3 Object Lock) apply it natively as well; the engine's
   * RetentionGuard enforces the same rule on every driver.
   */
  readonly retainUntil?: Date;
}

/**
 * The storage driver the engine writes through. Keys are `/`-separated relative paths.
 * Writes are atomic: a reader sees the whole object or nothing (local: temp file + rename,
 * S3: a single PUT).
 */
export interface StorageBackend {
  /** Human readable location, never containing secrets. */
  readonly location: string;
  /** `data` may be given in parts (written in order, without concatenating where the driver can). */
  put(key: string, data: Buffer | readonly Buffer[], opts?: PutOptions): Promise<void>;
  /** Throws HoldfastError('not_found') when missing. */
  get(key: string): Promise<Buffer>;
  /** Bytes [offset, offset+length). */
  getRange(key: string, offset: number, length: number): Promise<Buffer>;
  stat(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with prefix, in no particular order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Extends native retention (S3 Object Lock) when the driver has it; a no-op otherwise. */
  extendNativeRetention?(key: string, until: Date): Promise<void>;
  close?(): Promise<void>;
}

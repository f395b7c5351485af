import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectRetentionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { HoldfastError } from '@holdfast/contracts';
import type { ObjectInfo, PutOptions, StorageBackend } from './storage-backend.port';

export type ObjectLockMode = 'COMPLIANCE' | 'GOVERNANCE';

export interface S3BackendOptions {
  readonly bucket: string;
  /** Key prefix inside the bucket, without leading or trailing slash ('' for the bucket root). */
  readonly prefix: string;
  readonly region: string;
  readonly endpoint?: string;
  /** When set, objects written with a retainUntil carry S3 Object Lock in this mode. The bucket
   *  must have been created with Object Lock enabled (real S3 answers 400 InvalidRequest
   *  "Bucket is missing Object Lock Configuration" otherwise). */
  readonly objectLock?: ObjectLockMode;
  readonly forcePathStyle?: boolean;
  /** Injected client (tests); otherwise built from the options with credentials from the environment. */
  readonly client?: Pick<S3Client, 'send'>;
}

/** The subset of the S3 API the driver uses; every call goes through `client.send`. */
export class S3Backend implements StorageBackend {
  readonly location: string;
  private readonly client: Pick<S3Client, 'send'>;
  private readonly owned?: S3Client;

  constructor(private readonly options: S3BackendOptions) {
    this.location = `s3://${options.bucket}/${options.prefix}${options.endpoint ? ` (${options.endpoint})` : ''}`;
    if (options.client) this.client = options.client;
    else {
      this.owned = new S3Client({
        region: options.region,
        endpoint: options.endpoint,
        forcePathStyle: options.forcePathStyle ?? !!options.endpoint,
        // Checksums only where S3 requires them: S3-compatible servers differ in what they accept.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      this.client = this.owned;
    }
  }

  private key(key: string): string {
    return this.options.prefix ? `${this.options.prefix}/${key}` : key;
  }

  async put(key: string, parts: Buffer | readonly Buffer[], opts?: PutOptions): Promise<void> {
    const data = Buffer.isBuffer(parts) ? parts : Buffer.concat(parts as Buffer[]);
    const lock = opts?.retainUntil && this.options.objectLock;
    await this.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: this.key(key),
        Body: data,
        ContentLength: data.length,
        // S3 requires Content-MD5 (or an x-amz-checksum header) on PUTs that carry Object Lock.
        ...(lock
          ? {
              ContentMD5: createHash('md5').update(data).digest('base64'),
              ObjectLockMode: this.options.objectLock,
              ObjectLockRetainUntilDate: opts!.retainUntil,
            }
          : {}),
      }),
      key,
    );
  }

  async extendNativeRetention(key: string, until: Date): Promise<void> {
    if (!this.options.objectLock) return;
    await this.send(
      new PutObjectRetentionCommand({
        Bucket: this.options.bucket,
        Key: this.key(key),
        Retention: { Mode: this.options.objectLock, RetainUntilDate: until },
      }),
      key,
    );
  }

  async get(key: string): Promise<Buffer> {
    const res = await this.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) }), key);
    return Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    if (length === 0) return Buffer.alloc(0);
    const res = await this.send(
      new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(key), Range: `bytes=${offset}-${offset + length - 1}` }),
      key,
    );
    const buf = Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    if (buf.length !== length) throw new HoldfastError('internal', `object ${key} is shorter than expected (wanted ${offset + length} bytes)`);
    return buf;
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    try {
      const res = await this.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) }), key);
      return { key, size: Number(res.ContentLength ?? 0), mtime: res.LastModified ?? new Date(0) };
    } catch (e) {
      if (e instanceof HoldfastError && e.code === 'not_found') return undefined;
      throw e;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    const base = this.options.prefix ? `${this.options.prefix}/` : '';
    do {
      const res = await this.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: base + prefix, ContinuationToken: token }),
        prefix,
      );
      for (const o of res.Contents ?? []) {
        if (!o.Key) continue;
        yield { key: o.Key.slice(base.length), size: Number(o.Size ?? 0), mtime: o.LastModified ?? new Date(0) };
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    await this.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) }), key);
  }

  async close(): Promise<void> {
    this.owned?.destroy();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private async send(cmd: any, key: string): Promise<any> {
    try {
      return await this.client.send(cmd);
    } catch (e) {
      const err = e as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const status = err.$metadata?.httpStatusCode;
      const name = err.name ?? err.Code ?? 'Error';
      if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) {
        throw new HoldfastError('not_found', `object ${key} not found`);
      }
      if (status === 403 || name === 'AccessDenied') {
        throw new HoldfastError('forbidden', `S3 refused access to ${key}: ${name}`, { s3Error: name });
      }
      throw new HoldfastError('unavailable', `S3 request for ${key} failed: ${name}${status ? ` (HTTP ${status})` : ''}`, {
        s3Error: name,
      });
    }
  }
}

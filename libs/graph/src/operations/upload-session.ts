import { HoldfastError } from '@holdfast/contracts';
import { GraphError, GraphTransientError } from '../errors/graph-errors';
import { GraphClient } from '../http/graph-client';
import { PacingTarget } from '../pacing/pacer';
import { ChunkSource } from './chunk-source';

/** Drive upload chunks must be multiples of 320 KiB. */
export const DRIVE_CHUNK_UNIT = 327_680;
/** ... and below 60 MiB. */
export const DRIVE_CHUNK_MAX = 60 * 1024 * 1024;
/** Outlook attachment chunks: "under 4 MB" advised. */
export const ATTACHMENT_CHUNK_MAX = 4 * 1024 * 1024;
export const ATTACHMENT_CHUNK_DEFAULT = 3 * 1024 * 1024;
export const ATTACHMENT_MAX_SIZE = 150 * 1024 * 1024;

export interface ByteRange {
  /** First byte, inclusive. */
  readonly start: number;
  /** Last byte, inclusive (the Content-Range form). */
  readonly end: number;
}

/** A drive chunk size: the requested one rounded down to a 320 KiB multiple, at least one unit, below 60 MiB. */
export function driveChunkSize(requested = 32 * DRIVE_CHUNK_UNIT): number {
  const units = Math.max(1, Math.floor(Math.min(requested, DRIVE_CHUNK_MAX - 1) / DRIVE_CHUNK_UNIT));
  return units * DRIVE_CHUNK_UNIT;
}

/** An attachment chunk size below 4 MB. */
export function attachmentChunkSize(requested = ATTACHMENT_CHUNK_DEFAULT): number {
  return Math.max(1, Math.min(requested, ATTACHMENT_CHUNK_MAX - 1));
}

/** The ranges to PUT for `size` bytes from `from`, each at most `chunkSize`. */
export function planChunks(size: number, chunkSize: number, from = 0): ByteRange[] {
  if (!(chunkSize > 0)) throw new HoldfastError('validation_failed', 'chunk size must be positive');
  const out: ByteRange[] = [];
  for (let start = from; start < size; start += chunkSize) out.push({ start, end: Math.min(size, start + chunkSize) - 1 });
  return out;
}

export function contentRange(range: ByteRange, total: number): string {
  return `bytes ${range.start}-${range.end}/${total}`;
}

/** The first missing byte from `nextExpectedRanges` (["26-", "40-50"]), or undefined when none is listed. */
export function nextExpectedOffset(ranges: readonly string[] | undefined): number | undefined {
  if (!ranges || ranges.length === 0) return undefined;
  const starts = ranges.map((r) => Number(/^(\d+)/.exec(r)?.[1])).filter((n) => !Number.isNaN(n));
  return starts.length ? Math.min(...starts) : undefined;
}

interface UploadSessionInfo {
  uploadUrl: string;
  expirationDateTime?: string;
  nextExpectedRanges?: string[];
}

export interface UploadResult<T> {
  /** The created item (driveItem, or the attachment answer). */
  readonly item: T;
  /** `Location` of the created attachment, when the service sent one. */
  readonly location?: string;
  readonly uploadedBytes: number;
}

interface SessionUploadOptions {
  readonly uploadUrl: string;
  readonly source: ChunkSource;
  readonly chunkSize: number;
  readonly pacing: PacingTarget;
  readonly countBytesAgainstMailbox: boolean;
  readonly signal?: AbortSignal;
  /** Chunk failures tolerated in a row before giving up. */
  readonly maxChunkFailures?: number;
}

/**
 * PUTs the content to a pre-authenticated upload URL (no Authorization header), chunk by
 * chunk with Content-Range. After a failed chunk or a 416 it asks the session where to
 * continue (`nextExpectedRanges`) and resumes from there.
 */
export async function uploadToSession<T>(client: GraphClient, o: SessionUploadOptions): Promise<UploadResult<T>> {
  const total = o.source.size;
  let offset = 0;
  let failures = 0;
  for (;;) {
    const length = Math.min(o.chunkSize, total - offset);
    const range = { start: offset, end: offset + length - 1 };
    const data = await o.source.read(offset, length);
    if (data.length !== length) throw new HoldfastError('internal', `upload source gave ${data.length} bytes at ${offset}, expected ${length}`);
    try {
      const res = await client.request<Record<string, unknown> & { nextExpectedRanges?: string[] }>({
        method: 'PUT',
        path: o.uploadUrl,
        body: data,
        contentType: 'application/octet-stream',
        headers: { 'content-range': contentRange(range, total) },
        authenticate: false,
        immutableId: false,
        pacing: o.pacing,
        uploadBytes: o.countBytesAgainstMailbox ? length : undefined,
        maxAttempts: 1,
        signal: o.signal,
      });
      failures = 0;
      // In progress: drives answer 202, Outlook answers 200, both with nextExpectedRanges.
      // Done: 201 (or a drive's 200 with the driveItem), without nextExpectedRanges.
      const inProgress = res.status === 202 || (res.status === 200 && Array.isArray(res.body?.nextExpectedRanges));
      if (!inProgress) {
        const location = typeof res.headers.location === 'string' ? res.headers.location : undefined;
        return { item: res.body as T, location, uploadedBytes: total };
      }
      const next = nextExpectedOffset(res.body?.nextExpectedRanges);
      offset = next ?? range.end + 1;
      if (offset >= total) {
        // Every byte is in but the service has not answered with the item: ask for the status.
        const status = await sessionStatus(client, o.uploadUrl, o.pacing, o.signal);
        const resume = nextExpectedOffset(status.nextExpectedRanges);
        if (resume === undefined) throw new GraphTransientError('upload session holds every byte but did not return the item');
        offset = resume;
      }
    } catch (err) {
      const e = err as GraphError;
      const resumable = e instanceof GraphError && (e.retryable || e.status === 416);
      if (!resumable || ++failures > (o.maxChunkFailures ?? 5)) throw err;
      if (e.kind === 'transient') await client.clock.sleep(Math.min(30_000, 500 * 2 ** (failures - 1)), o.signal);
      const status = await sessionStatus(client, o.uploadUrl, o.pacing, o.signal);
      const resume = nextExpectedOffset(status.nextExpectedRanges);
      if (resume !== undefined) offset = resume;
    }
  }
}

async function sessionStatus(client: GraphClient, uploadUrl: string, pacing: PacingTarget, signal?: AbortSignal): Promise<UploadSessionInfo> {
  return client.get<UploadSessionInfo>(uploadUrl, { authenticate: false, immutableId: false, pacing, signal });
}

/** Cancels an upload session (DELETE on its URL); failures are ignored. */
export async function cancelUploadSession(client: GraphClient, uploadUrl: string, pacing: PacingTarget): Promise<void> {
  await client.delete(uploadUrl, { authenticate: false, immutableId: false, pacing, maxAttempts: 1 }).catch(() => undefined);
}

export interface AttachmentUpload {
  readonly mailbox: string;
  /** `/users/{id}/messages/{id}` (or an event). */
  readonly parentPath: string;
  readonly name: string;
  readonly contentType?: string;
  readonly isInline?: boolean;
  readonly contentId?: string;
  readonly source: ChunkSource;
  readonly chunkSize?: number;
  readonly signal?: AbortSignal;
}

/** A large Outlook attachment (3-150 MB) through an upload session, chunks under 4 MB. */
export async function uploadAttachment<T = unknown>(client: GraphClient, u: AttachmentUpload): Promise<UploadResult<T>> {
  const size = u.source.size;
  if (size <= 0) throw new HoldfastError('validation_failed', 'an attachment upload needs content');
  if (size > ATTACHMENT_MAX_SIZE) throw new HoldfastError('validation_failed', `attachment ${u.name} is ${size} bytes; Outlook accepts at most ${ATTACHMENT_MAX_SIZE}`);
  const pacing: PacingTarget = { workload: 'exchange', mailbox: u.mailbox };
  const session = await client.post<UploadSessionInfo>(
    `${u.parentPath}/attachments/createUploadSession`,
    {
      AttachmentItem: {
        attachmentType: 'file',
        name: u.name,
        size,
        ...(u.contentType ? { contentType: u.contentType } : {}),
        ...(u.isInline !== undefined ? { isInline: u.isInline } : {}),
        ...(u.contentId ? { contentId: u.contentId } : {}),
      },
    },
    { pacing, signal: u.signal },
  );
  if (!session?.uploadUrl) throw new GraphError('unexpected', 'createUploadSession answered without an uploadUrl');
  return uploadToSession<T>(client, {
    uploadUrl: session.uploadUrl,
    source: u.source,
    chunkSize: attachmentChunkSize(u.chunkSize),
    pacing,
    countBytesAgainstMailbox: true,
    signal: u.signal,
  });
}

export type ConflictBehavior = 'fail' | 'replace' | 'rename';

export interface DriveUpload {
  readonly driveId: string;
  /** The folder's item id (`root` for the top). */
  readonly parentId: string;
  readonly name: string;
  readonly conflictBehavior?: ConflictBehavior;
  readonly source: ChunkSource;
  /** Rounded down to a 320 KiB multiple below 60 MiB. Default 10 MiB. */
  readonly chunkSize?: number;
  /** The user whose OneDrive it is (the per-user SharePoint limit). */
  readonly user?: string;
  readonly signal?: AbortSignal;
}

/**
 * A OneDrive/SharePoint file through an upload session: 320 KiB-multiple chunks in order,
 * resumed from `nextExpectedRanges`; a name clash under 'fail' is a GraphConflictError
 * (`nameAlreadyExists`).
 */
export async function uploadDriveFile<T = unknown>(client: GraphClient, u: DriveUpload): Promise<UploadResult<T>> {
  const pacingCreate: PacingTarget = { workload: 'sharepoint', kind: 'write', user: u.user };
  const pacingChunk: PacingTarget = { workload: 'sharepoint', kind: 'upload', user: u.user };
  const path = `/drives/${encodeURIComponent(u.driveId)}/items/${encodeURIComponent(u.parentId)}:/${encodeURIComponent(u.name)}:/createUploadSession`;
  const session = await client.post<UploadSessionInfo>(
    path,
    { item: { '@microsoft.graph.conflictBehavior': u.conflictBehavior ?? 'rename', name: u.name } },
    { pacing: pacingCreate, signal: u.signal },
  );
  if (!session?.uploadUrl) throw new GraphError('unexpected', 'createUploadSession answered without an uploadUrl');
  try {
    return await uploadToSession<T>(client, {
      uploadUrl: session.uploadUrl,
      source: u.source,
      chunkSize: driveChunkSize(u.chunkSize),
      pacing: pacingChunk,
      countBytesAgainstMailbox: false,
      signal: u.signal,
    });
  } catch (err) {
    await cancelUploadSession(client, session.uploadUrl, pacingChunk);
    throw err;
  }
}

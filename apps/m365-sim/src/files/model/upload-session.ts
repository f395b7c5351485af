import type { ConflictBehavior } from './drive-store';

/**
 * The upload-session state machine of OneDrive/SharePoint resumable uploads, without I/O:
 * the caller stores the bytes and commits the item when `accept` says the upload is complete.
 *
 * Rules (graph-facts.md): fragments in order, each < 60 MiB and a multiple of 320 KiB
 * (327,680 bytes) except the last; 202 + nextExpectedRanges until the last byte, which
 * creates the item (200/201); a fragment overlapping received bytes answers 416.
 */
export const UPLOAD_FRAGMENT_MULTIPLE = 327_680;
export const UPLOAD_FRAGMENT_MAX = 60 * 1024 * 1024;
export const SIMPLE_UPLOAD_MAX = 250 * 1024 * 1024;
export const UPLOAD_SESSION_LIFETIME_MS = 7 * 24 * 3600 * 1000;

export interface UploadSessionState {
  id: string;
  tenantId: string;
  driveId: string;
  parentId: string;
  name: string;
  conflictBehavior: ConflictBehavior;
  /** Declared by the first fragment's Content-Range (or by item.fileSize at creation). */
  totalSize?: number;
  received: number;
  expiresAt: number;
  createdBy: { id: string; displayName: string };
  description?: string;
  /** Set once the item exists (further PUTs answer 409/404). */
  completedItemId?: string;
}

export interface ContentRange {
  start: number;
  end: number; // inclusive
  total?: number; // undefined for "*"
}

export type FragmentDecision =
  | { kind: 'accepted'; nextExpectedRanges: string[]; complete: false }
  | { kind: 'complete'; total: number }
  | { kind: 'error'; status: number; code: string; message: string };

export function parseContentRange(header: string | undefined): ContentRange | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(header);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end < start) return undefined;
  return { start, end, total: m[3] === '*' ? undefined : Number(m[3]) };
}

export function nextExpectedRanges(s: UploadSessionState): string[] {
  return [s.totalSize !== undefined ? `${s.received}-${s.totalSize - 1}` : `${s.received}-`];
}

/** Decides what a fragment does to the session; mutates `s` only when the fragment is accepted. */
export function acceptFragment(s: UploadSessionState, rangeHeader: string | undefined, bodyLength: number, now: number): FragmentDecision {
  const err = (status: number, code: string, message: string): FragmentDecision => ({ kind: 'error', status, code, message });
  if (now > s.expiresAt) return err(404, 'itemNotFound', 'The upload session was not found or has expired.');
  if (s.completedItemId) return err(409, 'uploadSessionCompleted', 'The upload session has already been completed.');
  const range = parseContentRange(rangeHeader);
  if (!range) return err(400, 'invalidRequest', 'The Content-Range header is missing or malformed (expected "bytes start-end/total").');
  const length = range.end - range.start + 1;
  if (length !== bodyLength) {
    return err(400, 'invalidRequest', `The Content-Range length (${length}) does not match the request body length (${bodyLength}).`);
  }
  if (length >= UPLOAD_FRAGMENT_MAX) return err(413, 'requestTooLarge', 'A fragment must be smaller than 60 MiB.');
  const total = range.total ?? s.totalSize;
  if (total === undefined) return err(400, 'invalidRequest', 'The total size of the file must be given in Content-Range.');
  if (s.totalSize !== undefined && total !== s.totalSize) {
    return err(400, 'invalidRequest', `The declared file size (${total}) differs from the size declared before (${s.totalSize}).`);
  }
  if (range.end >= total) return err(416, 'invalidRange', `The fragment ends past the declared file size (${total}).`);
  if (range.start < s.received) {
    return err(416, 'invalidRange', 'The uploaded fragment overlaps with data that has already been received.');
  }
  if (range.start > s.received) {
    return err(416, 'invalidRange', `Fragments must be uploaded in order; the next expected byte is ${s.received}.`);
  }
  const last = range.end === total - 1;
  if (!last && length % UPLOAD_FRAGMENT_MULTIPLE !== 0) {
    return err(400, 'invalidRequest', `Fragment size ${length} is not a multiple of 320 KiB (327,680 bytes).`);
  }
  s.totalSize = total;
  s.received = range.end + 1;
  if (last) return { kind: 'complete', total };
  return { kind: 'accepted', nextExpectedRanges: nextExpectedRanges(s), complete: false };
}

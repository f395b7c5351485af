/**
 * What a mailbox backup remembers between runs. Committed only after the recovery point's
 * manifest is stored, so a crash before that simply repeats the incremental round.
 */
export interface MailboxSyncState {
  readonly version: 1;
  /** Manifest of the last recovery point: unchanged items are carried over from it. */
  readonly manifestId: string;
  readonly folderDeltaLink?: string;
  /** Per mail folder: its message delta link. */
  readonly folders: Readonly<Record<string, { readonly deltaLink: string }>>;
  readonly contactsDeltaLink?: string;
  /** calendarView delta is bound to a window; a new window starts a full enumeration. */
  readonly calendar?: { readonly deltaLink: string; readonly start: string; readonly end: string };
  /** Messages that could not be read last time (corrupt MIME): fetched again on the next run. */
  readonly retry: readonly { readonly id: string; readonly folderId: string }[];
}

/** An entry of a mailbox recovery point manifest (`kind` + `id` identify it). */
export type MailboxEntry =
  | {
      readonly kind: 'folder';
      readonly id: string;
      readonly parentFolderId?: string;
      readonly displayName: string;
    }
  | {
      readonly kind: 'mail';
      readonly id: string;
      readonly folderId: string;
      /** The message as MIME, byte for byte as Exchange served it. */
      readonly content: string;
      readonly size: number;
      /** Exchange properties MIME does not carry. */
      readonly isRead: boolean;
      readonly flag: { readonly flagStatus: string; readonly [key: string]: unknown };
      readonly categories: readonly string[];
      readonly importance: string;
      readonly isDraft: boolean;
      readonly subject?: string;
      readonly receivedDateTime?: string;
      readonly lastModifiedDateTime?: string;
    }
  | { readonly kind: 'contact'; readonly id: string; readonly content: string; readonly displayName?: string }
  | { readonly kind: 'event'; readonly id: string; readonly content: string; readonly subject?: string; readonly start?: string };

export const entryKey = (e: { kind: string; id: string }) => `${e.kind}:${e.id}`;

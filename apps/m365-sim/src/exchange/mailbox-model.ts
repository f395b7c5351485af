/**
 * Plain data of an Exchange mailbox as the simulator keeps it. Generated (seeded) messages are not
 * stored: a folder knows how many it has and each is recomputed from (seed, mailbox, folder, index).
 * Only what users or Holdfast changed lives here, and all of it is rebuilt from the journal.
 */
import type { ChangeLog } from '../framework/delta';
import type { PatternedRecurrence } from './recurrence';

export interface EmailAddressJson {
  name: string;
  address: string;
}

export interface RecipientJson {
  emailAddress: EmailAddressJson;
}

export interface FollowupFlagJson {
  flagStatus: 'notFlagged' | 'complete' | 'flagged';
  startDateTime?: { dateTime: string; timeZone: string };
  dueDateTime?: { dateTime: string; timeZone: string };
  completedDateTime?: { dateTime: string; timeZone: string };
}

export interface FolderState {
  key: string;
  wellKnownName?: string;
  displayName: string;
  parentKey: string | null;
  isHidden: boolean;
  /** Generated messages born in this folder (index space 0..genCount-1). */
  genCount: number;
  sent: boolean;
  drafts: boolean;
  /** Keys of stored messages currently in this folder. */
  stored: Set<string>;
  /** Changes of the folder's messages (delta). */
  log: ChangeLog;
  /** Sequence at which each message last arrived in the folder (for `changeType=created`). */
  arrived: Map<string, number>;
  /** Bumped on any change to the folder's messages (cache key for counts). */
  version: number;
  createdDateTime?: string;
}

/** Message content that is not generated (imported MIME, JSON creates, rewritten by ransomware). */
export interface StoredContent {
  subject: string;
  from?: RecipientJson;
  sender?: RecipientJson;
  toRecipients: RecipientJson[];
  ccRecipients: RecipientJson[];
  bccRecipients: RecipientJson[];
  replyTo: RecipientJson[];
  sentDateTime?: string;
  receivedDateTime: string;
  internetMessageId?: string;
  conversationKey: string;
  importance: 'low' | 'normal' | 'high';
  bodyContentType: 'html' | 'text';
  /** Blob id of the body content (UTF-8). */
  bodyBlob: string;
  bodyPreview: string;
  internetMessageHeaders?: Array<{ name: string; value: string }>;
  /** Blob id of the exact MIME bytes when the message came from MIME. */
  mimeBlob?: string;
  mimeSize?: number;
}

export interface AttachmentRecord {
  key: string;
  type: 'file' | 'item' | 'reference';
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  contentId?: string;
  /** File bytes (file) or the item's MIME (item). */
  blob?: string;
  lastModifiedDateTime: string;
}

export interface MessageRecord {
  key: string;
  folderKey: string;
  /** Where the message was born when it is a generated one. */
  gen?: { folderKey: string; index: number };
  /** Non-generated (or rewritten) content. */
  content?: StoredContent;
  isRead?: boolean;
  isDraft?: boolean;
  flag?: FollowupFlagJson;
  categories?: string[];
  importance?: 'low' | 'normal' | 'high';
  /** singleValueExtendedProperties by normalised id ("Integer 0xe07"). */
  extended?: Record<string, { id: string; value: string }>;
  /** Attachments added through Graph. */
  added?: AttachmentRecord[];
  /** Keys of generated attachments removed through Graph. */
  removed?: string[];
  deleted?: boolean;
  createdDateTime?: string;
  lastModifiedDateTime?: string;
  version: number;
}

export interface ContactFolderState {
  key: string;
  displayName: string;
  parentKey: string | null;
  log: ChangeLog;
}

export interface ContactRecord {
  key: string;
  folderKey: string;
  /** Graph contact properties (without id, parentFolderId, changeKey, timestamps). */
  props: Record<string, unknown>;
  createdDateTime: string;
  lastModifiedDateTime: string;
  version: number;
  deleted?: boolean;
}

export interface CalendarState {
  key: string;
  name: string;
  isDefaultCalendar: boolean;
  color: string;
  hexColor: string;
}

export interface EventRecord {
  key: string;
  calendarKey: string;
  subject: string;
  bodyHtml: string;
  start: string;
  end: string;
  timeZone: string;
  isAllDay: boolean;
  location: string;
  attendees: Array<{ type: string; emailAddress: EmailAddressJson; status: { response: string; time: string } }>;
  organizer: EmailAddressJson;
  isOrganizer: boolean;
  showAs: string;
  importance: string;
  sensitivity: string;
  recurrence?: PatternedRecurrence;
  /** originalDate -> replacement start/end/subject. */
  exceptions: Record<string, { start: string; end: string; subject?: string }>;
  cancelled: string[];
  createdDateTime: string;
  lastModifiedDateTime: string;
  version: number;
  iCalUId: string;
  deleted?: boolean;
}

export interface MailboxState {
  userId: string;
  address: string;
  displayName: string;
  folders: Map<string, FolderState>;
  /** Lower-case well-known name -> folder key. */
  wellKnown: Map<string, string>;
  messages: Map<string, MessageRecord>;
  /** Folder-tree delta (mailFolders/delta). */
  folderLog: ChangeLog;
  contactFolders: Map<string, ContactFolderState>;
  contacts: Map<string, ContactRecord>;
  calendars: Map<string, CalendarState>;
  events: Map<string, EventRecord>;
  /** calendarView delta: instance ids changed. */
  calendarLog: ChangeLog;
}

/** Graph JSON for Outlook entities (names and types from the v1.0 CSDL). */
import type { EventInstance } from './calendar-view';
import { encodeExchangeId } from './exchange-ids';
import type { ContactFolderState, ContactRecord, EventRecord, FolderState, MailboxState, CalendarState } from './mailbox-model';
import { AttachmentView, MESSAGE_FLAGS_ID, MessageView, MailboxStore } from './mailbox-store';
import { hash32 } from './seeded-random';
import { ROOT_KEY } from './mail-folder-seed';

/** Mints ids the way the request asked for them (default or immutable). */
export class IdMinter {
  constructor(
    readonly userId: string,
    readonly immutable: boolean,
  ) {}

  message(v: { key: string; folderKey: string }): string {
    return encodeExchangeId('message', this.userId, v.key, v.folderKey, this.immutable);
  }

  folder(key: string): string {
    return encodeExchangeId('folder', this.userId, key);
  }

  attachment(messageKey: string, attachmentKey: string): string {
    return encodeExchangeId('attachment', this.userId, `${messageKey}/${attachmentKey}`);
  }

  contact(c: { key: string; folderKey: string }): string {
    return encodeExchangeId('contact', this.userId, c.key, c.folderKey, this.immutable);
  }

  contactFolder(key: string): string {
    return encodeExchangeId('contactFolder', this.userId, key);
  }

  calendar(key: string): string {
    return encodeExchangeId('calendar', this.userId, key);
  }

  event(key: string): string {
    return encodeExchangeId(key.includes('@') ? 'occurrence' : 'event', this.userId, key, undefined, this.immutable);
  }
}

function changeKey(key: string, version: number): string {
  const h = hash32(key, version);
  return 'CQAAABYAAAD' + Buffer.from(`${h.toString(16)}${(version * 7919).toString(16)}`).toString('base64').replace(/=+$/, '');
}

function base64OfHash(...parts: Array<string | number>): string {
  const b = Buffer.alloc(22);
  for (let i = 0; i < 5; i++) b.writeUInt32BE(hash32(...parts, i), i * 4);
  b.writeUInt16BE(hash32(...parts, 'tail') & 0xffff, 20);
  return b.toString('base64');
}

export function conversationId(mb: MailboxState, conversationKey: string): string {
  return 'AAQkA' + Buffer.from(`${mb.userId.slice(0, 8)}|${hash32(conversationKey).toString(16)}|${hash32(conversationKey, 'b').toString(16)}`).toString('base64url');
}

function wants(select: string[] | undefined, prop: string): boolean {
  return !select || select.length === 0 || select.some((s) => s.toLowerCase() === prop.toLowerCase() || s === '*');
}

export interface MessageRenderOptions {
  select?: string[];
  /** Values of $expand=singleValueExtendedProperties($filter=id eq '...'). */
  extendedIds?: string[];
  webBase?: string;
}

/** PR_MESSAGE_FLAGS as Exchange computes it: read 0x1, unsent (draft) 0x8, has attachments 0x10. */
export function messageFlagsOf(v: MessageView): number {
  return (v.isRead ? 1 : 0) | (v.isDraft ? 8 : 0) | (v.hasAttachments ? 16 : 0);
}

export function renderMessage(mb: MailboxState, v: MessageView, ids: IdMinter, o: MessageRenderOptions = {}): Record<string, unknown> {
  const ck = changeKey(v.key, v.version);
  const id = ids.message(v);
  const out: Record<string, unknown> = {
    '@odata.etag': `W/"${ck}"`,
    id,
    createdDateTime: v.createdDateTime,
    lastModifiedDateTime: v.lastModifiedDateTime,
    changeKey: ck,
    categories: v.categories,
    receivedDateTime: v.receivedDateTime,
    sentDateTime: v.sentDateTime ?? null,
    hasAttachments: v.hasAttachments,
    internetMessageId: v.internetMessageId ?? null,
    subject: v.subject,
    bodyPreview: wants(o.select, 'bodyPreview') ? v.bodyPreview() : '',
    importance: v.importance,
    parentFolderId: ids.folder(v.folderKey),
    conversationId: conversationId(mb, v.conversationKey),
    conversationIndex: base64OfHash(v.conversationKey, v.receivedDateTime),
    isDeliveryReceiptRequested: false,
    isReadReceiptRequested: false,
    isRead: v.isRead,
    isDraft: v.isDraft,
    webLink: `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(id)}&exvsurl=1&viewmodel=ReadMessageItem`,
    inferenceClassification: 'focused',
    body: wants(o.select, 'body') ? v.body() : { contentType: 'text', content: '' },
    sender: v.sender ?? null,
    from: v.from ?? null,
    toRecipients: v.toRecipients,
    ccRecipients: v.ccRecipients,
    bccRecipients: v.bccRecipients,
    replyTo: v.replyTo,
    flag: v.flag,
  };
  // Graph returns the headers only when selected
  if (o.select?.some((s) => s.toLowerCase() === 'internetmessageheaders')) out.internetMessageHeaders = v.internetMessageHeaders();
  if (o.extendedIds) out.singleValueExtendedProperties = extendedValues(v, o.extendedIds);
  return out;
}

function extendedValues(v: MessageView, ids: string[]): Array<{ id: string; value: string }> {
  const out: Array<{ id: string; value: string }> = [];
  for (const raw of ids) {
    const norm = raw.trim().toLowerCase().replace(/0x0*([0-9a-f]+)/, (_, h) => `0x${h}`);
    const stored = v.extended[norm];
    if (norm === MESSAGE_FLAGS_ID) out.push({ id: stored?.id ?? 'Integer 0xe07', value: String(messageFlagsOf(v)) });
    else if (stored) out.push(stored);
  }
  return out;
}

export function renderFolder(store: MailboxStore, mb: MailboxState, f: FolderState, ids: IdMinter): Record<string, unknown> {
  const counts = store.folderCounts(mb, f);
  return {
    id: ids.folder(f.key),
    displayName: f.displayName,
    parentFolderId: ids.folder(f.parentKey ?? (f.key === ROOT_KEY ? 'root' : 'root')),
    childFolderCount: store.childFolders(mb, f.key, true).length,
    unreadItemCount: counts.unread,
    totalItemCount: counts.total,
    isHidden: f.isHidden,
  };
}

export function renderAttachment(messageKey: string, a: AttachmentView, ids: IdMinter, withContent = true): Record<string, unknown> {
  const base = {
    id: ids.attachment(messageKey, a.key),
    lastModifiedDateTime: a.lastModifiedDateTime,
    name: a.name,
    contentType: a.contentType,
    size: a.size,
    isInline: a.isInline,
  };
  if (a.type === 'file') {
    return {
      '@odata.type': '#microsoft.graph.fileAttachment',
      '@odata.mediaContentType': a.contentType,
      ...base,
      contentId: a.contentId ?? null,
      contentLocation: null,
      ...(withContent ? { contentBytes: a.bytes().toString('base64') } : {}),
    };
  }
  if (a.type === 'item') return { '@odata.type': '#microsoft.graph.itemAttachment', ...base };
  return { '@odata.type': '#microsoft.graph.referenceAttachment', ...base };
}

export function renderContactFolder(f: ContactFolderState, ids: IdMinter): Record<string, unknown> {
  return { id: ids.contactFolder(f.key), displayName: f.displayName, parentFolderId: ids.contactFolder(f.parentKey ?? 'root') };
}

export function renderContact(c: ContactRecord, ids: IdMinter): Record<string, unknown> {
  const ck = changeKey(c.key, c.version);
  const p = c.props;
  const str = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : null);
  const arr = (k: string) => (Array.isArray(p[k]) ? (p[k] as unknown[]) : []);
  const addr = (k: string) => (p[k] && typeof p[k] === 'object' ? p[k] : {});
  return {
    '@odata.etag': `W/"${ck}"`,
    id: ids.contact(c),
    createdDateTime: c.createdDateTime,
    lastModifiedDateTime: c.lastModifiedDateTime,
    changeKey: ck,
    categories: arr('categories'),
    parentFolderId: ids.contactFolder(c.folderKey),
    birthday: str('birthday'),
    fileAs: str('fileAs') ?? '',
    displayName: str('displayName') ?? '',
    givenName: str('givenName'),
    initials: str('initials'),
    middleName: str('middleName'),
    nickName: str('nickName'),
    surname: str('surname'),
    title: str('title'),
    yomiGivenName: str('yomiGivenName'),
    yomiSurname: str('yomiSurname'),
    yomiCompanyName: str('yomiCompanyName'),
    generation: str('generation'),
    imAddresses: arr('imAddresses'),
    jobTitle: str('jobTitle'),
    companyName: str('companyName'),
    department: str('department'),
    officeLocation: str('officeLocation'),
    profession: str('profession'),
    businessHomePage: str('businessHomePage'),
    assistantName: str('assistantName'),
    manager: str('manager'),
    homePhones: arr('homePhones'),
    mobilePhone: str('mobilePhone'),
    businessPhones: arr('businessPhones'),
    spouseName: str('spouseName'),
    personalNotes: str('personalNotes') ?? '',
    children: arr('children'),
    emailAddresses: arr('emailAddresses'),
    homeAddress: addr('homeAddress'),
    businessAddress: addr('businessAddress'),
    otherAddress: addr('otherAddress'),
  };
}

export function renderCalendar(c: CalendarState, mb: MailboxState, ids: IdMinter): Record<string, unknown> {
  return {
    id: ids.calendar(c.key),
    name: c.name,
    color: c.color,
    hexColor: c.hexColor,
    isDefaultCalendar: c.isDefaultCalendar,
    changeKey: changeKey(c.key, 1),
    canShare: true,
    canViewPrivateItems: true,
    canEdit: true,
    allowedOnlineMeetingProviders: ['teamsForBusiness'],
    defaultOnlineMeetingProvider: 'teamsForBusiness',
    isTallyingResponses: true,
    isRemovable: !c.isDefaultCalendar,
    owner: { name: mb.displayName, address: mb.address },
  };
}

function dtz(wall: string): { dateTime: string; timeZone: string } {
  return { dateTime: `${wall.slice(0, 19)}.0000000`, timeZone: 'UTC' };
}

/** An event (single, series master) or an instance of a series. */
export function renderEvent(e: EventRecord, ids: IdMinter, instance?: EventInstance): Record<string, unknown> {
  const ck = changeKey(e.key, e.version);
  const type = instance ? instance.type : e.recurrence ? 'seriesMaster' : 'singleInstance';
  const key = instance && instance.type !== 'singleInstance' ? instance.key : e.key;
  const start = instance?.start ?? e.start;
  const end = instance?.end ?? e.end;
  const preview = e.bodyHtml.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 255);
  const out: Record<string, unknown> = {
    '@odata.etag': `W/"${ck}"`,
    id: ids.event(key),
    createdDateTime: e.createdDateTime,
    lastModifiedDateTime: e.lastModifiedDateTime,
    changeKey: ck,
    categories: [],
    transactionId: null,
    originalStartTimeZone: e.timeZone,
    originalEndTimeZone: e.timeZone,
    iCalUId: e.iCalUId,
    reminderMinutesBeforeStart: 15,
    isReminderOn: !e.isAllDay,
    hasAttachments: false,
    subject: instance?.subject ?? e.subject,
    bodyPreview: preview,
    importance: e.importance,
    sensitivity: e.sensitivity,
    isAllDay: e.isAllDay,
    isCancelled: false,
    isOrganizer: e.isOrganizer,
    responseRequested: true,
    seriesMasterId: instance && instance.type !== 'singleInstance' ? ids.event(e.key) : null,
    showAs: e.showAs,
    type,
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(ids.event(key))}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: false,
    onlineMeetingProvider: 'unknown',
    allowNewTimeProposals: true,
    isDraft: false,
    hideAttendees: false,
    responseStatus: { response: e.isOrganizer ? 'organizer' : 'accepted', time: '0001-01-01T00:00:00Z' },
    body: { contentType: 'html', content: e.bodyHtml },
    start: dtz(start),
    end: dtz(end),
    location: { displayName: e.location, locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {} },
    locations: e.location ? [{ displayName: e.location, locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {} }] : [],
    recurrence: type === 'seriesMaster' ? e.recurrence ?? null : null,
    attendees: e.attendees,
    organizer: { emailAddress: e.organizer },
    onlineMeeting: null,
  };
  if (instance?.originalDate) out.originalStart = `${instance.originalDate}T${e.start.slice(11, 19)}Z`;
  return out;
}

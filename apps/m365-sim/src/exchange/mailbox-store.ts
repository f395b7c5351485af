/**
 * The Exchange part of the world: per-tenant mailboxes built lazily from the seed, changed only by
 * journal appliers (so a restart replays to the same state). Read helpers turn stored or generated
 * data into uniform views for the routes.
 */
import { ChangeLog } from '../framework/delta';
import type { TenantState, World, SimUser } from '../framework/world';
import { PoolAttachment, poolAttachmentBytes } from './attachment-pool';
import { SeedEvent, seedCalendars, seedEvents } from './calendar-seed';
import { DEFAULT_CONTACT_FOLDER_KEY, SeedContact, seedContactFolders, seedContacts } from './contact-seed';
import { ROOT_KEY, seedMailFolders, splitMessageCounts } from './mail-folder-seed';
import type {
  AttachmentRecord,
  ContactRecord,
  EventRecord,
  FolderState,
  FollowupFlagJson,
  MailboxState,
  MessageRecord,
  RecipientJson,
  StoredContent,
} from './mailbox-model';
import { GeneratedMessage, generateMessage, generatedDates, generatedHtml, generatedIsRead, generatedText, mimeChunks, mimeSize, previewOf } from './mime-generator';
import { buildMime } from './mime-builder';
import { hash32 } from './seeded-random';

export const MODULE = 'exchange';
/** Seeded history spans from here to HISTORY_END. */
const HISTORY_START = Date.parse('2024-01-02T07:30:00Z');
const HISTORY_END = Date.parse('2026-10-30T18:00:00Z');

export interface ExchangeSizes {
  messagesPerUser: number;
  contactsPerUser: number;
  eventsPerUser: number;
}

export interface AttachmentView {
  key: string;
  type: 'file' | 'item' | 'reference';
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  contentId?: string;
  lastModifiedDateTime: string;
  /** File bytes, or the item's MIME. */
  bytes(): Buffer;
  /** For item attachments: the embedded message as a view. */
  item?: () => MessageView;
}

/** Everything a route needs about one message, computed lazily. */
export interface MessageView {
  key: string;
  folderKey: string;
  subject: string;
  from?: RecipientJson;
  sender?: RecipientJson;
  toRecipients: RecipientJson[];
  ccRecipients: RecipientJson[];
  bccRecipients: RecipientJson[];
  replyTo: RecipientJson[];
  sentDateTime?: string;
  receivedDateTime: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  internetMessageId?: string;
  conversationKey: string;
  importance: 'low' | 'normal' | 'high';
  isRead: boolean;
  isDraft: boolean;
  flag: FollowupFlagJson;
  categories: string[];
  version: number;
  extended: Record<string, { id: string; value: string }>;
  hasAttachments: boolean;
  body(): { contentType: 'html' | 'text'; content: string };
  bodyPreview(): string;
  attachments(): AttachmentView[];
  internetMessageHeaders(): Array<{ name: string; value: string }>;
  mimeSize(): number;
  mimeChunks(): Iterable<Buffer>;
}

function recipient(a: { name: string; address: string }): RecipientJson {
  return { emailAddress: { name: a.name, address: a.address } };
}

export function genKey(folderKey: string, index: number): string {
  return `g.${folderKey}.${index}`;
}

export function parseGenKey(key: string): { folderKey: string; index: number } | undefined {
  const m = /^g\.(.+)\.(\d+)$/.exec(key);
  return m ? { folderKey: m[1], index: Number(m[2]) } : undefined;
}

/** Normalised id of an extended property: "Integer 0x0E07" -> "integer 0xe07". */
export function normaliseExtendedId(id: string): string {
  const m = /^\s*(\w+)\s+0x([0-9a-f]+)\s*$/i.exec(id);
  if (m) return `${m[1].toLowerCase()} 0x${parseInt(m[2], 16).toString(16)}`;
  return id.trim().toLowerCase();
}

export const MESSAGE_FLAGS_ID = 'integer 0xe07';

export class MailboxStore {
  private readonly genCache = new Map<string, GeneratedMessage>();
  private readonly unreadCache = new Map<string, { version: number; unread: number; total: number }>();

  constructor(
    readonly world: World,
    readonly sizes: ExchangeSizes,
  ) {}

  get seed(): string {
    return String(this.world.seed);
  }

  private tenantMailboxes(tenant: TenantState): Map<string, MailboxState> {
    return this.world.moduleState(tenant, MODULE, () => new Map<string, MailboxState>());
  }

  /** The user's mailbox (created from the seed on first use), or undefined when the user has none. */
  mailbox(tenant: TenantState, user: SimUser): MailboxState | undefined {
    if (user.mailbox === 'none' || user.deletedDateTime) return undefined;
    const all = this.tenantMailboxes(tenant);
    let mb = all.get(user.id);
    if (!mb) {
      mb = this.seedMailbox(user);
      all.set(user.id, mb);
    }
    return mb;
  }

  mailboxById(tenant: TenantState, userId: string): MailboxState {
    const user = tenant.users.get(userId);
    const mb = user && this.mailbox(tenant, user);
    if (!mb) throw new Error(`no mailbox for user ${userId}`);
    return mb;
  }

  private seedMailbox(user: SimUser): MailboxState {
    const address = (user.mail ?? user.userPrincipalName).toLowerCase();
    const seedFolders = seedMailFolders(this.seed, address);
    const counts = splitMessageCounts(seedFolders, this.sizes.messagesPerUser);
    const folders = new Map<string, FolderState>();
    const wellKnown = new Map<string, string>();
    for (const f of seedFolders) {
      folders.set(f.key, {
        key: f.key,
        wellKnownName: f.wellKnownName,
        displayName: f.displayName,
        parentKey: f.parentKey,
        isHidden: f.isHidden,
        genCount: counts.get(f.key) ?? 0,
        sent: !!f.sent,
        drafts: !!f.drafts,
        stored: new Set(),
        log: new ChangeLog(),
        arrived: new Map(),
        version: 0,
      });
      if (f.wellKnownName) wellKnown.set(f.wellKnownName, f.key);
    }
    const contactFolders = new Map(seedContactFolders().map((f) => [f.key, { ...f, log: new ChangeLog() }]));
    const contacts = new Map<string, ContactRecord>();
    for (const c of seedContacts(this.seed, address, this.sizes.contactsPerUser)) contacts.set(c.key, contactRecordFromSeed(c));
    const calendars = new Map(seedCalendars().map((c) => [c.key, { ...c }]));
    const events = new Map<string, EventRecord>();
    const owner = { name: user.displayName, address };
    for (const e of seedEvents(this.seed, address, this.sizes.eventsPerUser)) events.set(e.key, eventRecordFromSeed(e, owner, this.seed));
    return {
      userId: user.id,
      address,
      displayName: user.displayName,
      folders,
      wellKnown,
      messages: new Map(),
      folderLog: new ChangeLog(),
      contactFolders,
      contacts,
      calendars,
      events,
      calendarLog: new ChangeLog(),
    };
  }

  // ------------------------------------------------------------------ folders

  /** Folder by key or well-known name (case-insensitive). */
  folder(mb: MailboxState, keyOrName: string): FolderState | undefined {
    return mb.folders.get(keyOrName) ?? mb.folders.get(mb.wellKnown.get(keyOrName.toLowerCase()) ?? '\u0000');
  }

  childFolders(mb: MailboxState, parentKey: string, includeHidden: boolean): FolderState[] {
    const out: FolderState[] = [];
    for (const f of mb.folders.values()) if (f.parentKey === parentKey && (includeHidden || !f.isHidden)) out.push(f);
    return out;
  }

  /** Every folder under the root (the mailFolders/delta scope). */
  allFolders(mb: MailboxState, includeHidden = true): FolderState[] {
    const out: FolderState[] = [];
    const walk = (key: string) => {
      for (const c of this.childFolders(mb, key, includeHidden)) {
        out.push(c);
        walk(c.key);
      }
    };
    walk(ROOT_KEY);
    return out;
  }

  folderCounts(mb: MailboxState, f: FolderState): { total: number; unread: number } {
    const ck = `${mb.userId}|${f.key}`;
    const hit = this.unreadCache.get(ck);
    if (hit && hit.version === f.version) return { total: hit.total, unread: hit.unread };
    let total = 0;
    let unread = 0;
    for (const key of this.messageKeys(mb, f)) {
      total++;
      if (!this.isReadOf(mb, key)) unread++;
    }
    this.unreadCache.set(ck, { version: f.version, total, unread });
    return { total, unread };
  }

  // ------------------------------------------------------------------ messages

  /** Keys of the live messages of a folder (generated ones first, in index order). */
  *messageKeys(mb: MailboxState, f: FolderState): Generator<string> {
    for (let i = 0; i < f.genCount; i++) {
      const k = genKey(f.key, i);
      if (!mb.messages.has(k)) yield k;
    }
    for (const k of f.stored) yield k;
  }

  /** Generator inputs of message `index` born in a folder: its own index space, spread over the history. */
  private genInputs(mb: MailboxState, folderKey: string, index: number) {
    const f = mb.folders.get(folderKey);
    const n = Math.max(1, f?.genCount ?? 1);
    return {
      index: index + folderOrdinal(folderKey) * 10_000_000,
      options: {
        sent: !!f?.sent,
        epoch: new Date(HISTORY_START).toISOString(),
        position: index,
        spacingMs: Math.floor((HISTORY_END - HISTORY_START) / n / 1000) * 1000,
        // the oldest inbox messages always carry a file and a forwarded message
        force: folderKey === 'inbox' && index < 2 ? (['file', 'item'] as const)[index] : undefined,
      },
    };
  }

  generated(mb: MailboxState, folderKey: string, index: number): GeneratedMessage {
    const ck = `${mb.address}|${folderKey}|${index}`;
    let g = this.genCache.get(ck);
    if (!g) {
      const inp = this.genInputs(mb, folderKey, index);
      g = generateMessage(this.seed, { address: mb.address, displayName: mb.displayName }, inp.index, inp.options);
      if (this.genCache.size > 20_000) this.genCache.clear();
      this.genCache.set(ck, g);
    }
    return g;
  }

  private isReadOf(mb: MailboxState, key: string): boolean {
    const rec = mb.messages.get(key);
    if (rec?.isRead !== undefined) return rec.isRead;
    const g = rec?.gen ?? parseGenKey(key);
    if (rec?.content || !g) return false;
    const inp = this.genInputs(mb, g.folderKey, g.index);
    return generatedIsRead(this.seed, mb.address, inp.index, inp.options.sent);
  }

  /** Folder of a live message, without building it. */
  folderOfMessage(mb: MailboxState, key: string): string | undefined {
    const rec = mb.messages.get(key);
    if (rec) return rec.deleted ? undefined : rec.folderKey;
    const g = parseGenKey(key);
    const f = g && mb.folders.get(g.folderKey);
    return f && g.index < f.genCount ? f.key : undefined;
  }

  /** Cheap receivedDateTime of a message (for ordering and $filter) without building its body. */
  receivedOf(mb: MailboxState, key: string): string {
    const rec = mb.messages.get(key);
    if (rec?.content) return rec.content.receivedDateTime;
    const g = rec?.gen ?? parseGenKey(key);
    if (!g) return '1970-01-01T00:00:00Z';
    const inp = this.genInputs(mb, g.folderKey, g.index);
    const d = generatedDates(this.seed, mb.address, inp.index, inp.options);
    return inp.options.sent ? d.sentDateTime : d.receivedDateTime;
  }

  /** The live message with this key, or undefined. */
  message(mb: MailboxState, key: string): MessageView | undefined {
    const rec = mb.messages.get(key);
    if (rec) return rec.deleted ? undefined : this.viewOf(mb, rec);
    const g = parseGenKey(key);
    if (!g) return undefined;
    const f = mb.folders.get(g.folderKey);
    if (!f || g.index >= f.genCount) return undefined;
    return this.viewOf(mb, { key, folderKey: g.folderKey, gen: g, version: 0 });
  }

  private viewOf(mb: MailboxState, rec: MessageRecord): MessageView {
    const folder = mb.folders.get(rec.folderKey);
    if (rec.content) {
      const c = rec.content;
      const created = rec.createdDateTime ?? c.receivedDateTime;
      const attachments = (): AttachmentView[] => (rec.added ?? []).map((a) => this.attachmentViewOfRecord(a));
      return {
        key: rec.key,
        folderKey: rec.folderKey,
        subject: c.subject,
        from: c.from,
        sender: c.sender ?? c.from,
        toRecipients: c.toRecipients,
        ccRecipients: c.ccRecipients,
        bccRecipients: c.bccRecipients,
        replyTo: c.replyTo,
        sentDateTime: c.sentDateTime,
        receivedDateTime: c.receivedDateTime,
        createdDateTime: created,
        lastModifiedDateTime: rec.lastModifiedDateTime ?? created,
        internetMessageId: c.internetMessageId,
        conversationKey: c.conversationKey,
        importance: rec.importance ?? c.importance,
        isRead: rec.isRead ?? false,
        isDraft: rec.isDraft ?? false,
        flag: rec.flag ?? { flagStatus: 'notFlagged' },
        categories: rec.categories ?? [],
        version: rec.version,
        extended: rec.extended ?? {},
        hasAttachments: (rec.added ?? []).some((a) => !a.isInline),
        body: () => ({ contentType: c.bodyContentType, content: this.world.blobs.get(c.bodyBlob).toString('utf8') }),
        bodyPreview: () => c.bodyPreview,
        attachments,
        internetMessageHeaders: () => c.internetMessageHeaders ?? [],
        mimeSize: () => (c.mimeBlob ? (c.mimeSize ?? this.world.blobs.get(c.mimeBlob).length) : this.builtMime(mb, rec).length),
        mimeChunks: () => [c.mimeBlob ? this.world.blobs.get(c.mimeBlob) : this.builtMime(mb, rec)],
      };
    }
    const g = this.generated(mb, rec.gen!.folderKey, rec.gen!.index);
    const removed = new Set(rec.removed ?? []);
    // Exchange rebuilds the MIME once attachments change
    const changedAttachments = !!(rec.added?.length || rec.removed?.length);
    const attachments = (): AttachmentView[] => [
      ...this.generatedAttachments(mb, g).filter((a) => !removed.has(a.key)),
      ...(rec.added ?? []).map((a) => this.attachmentViewOfRecord(a)),
    ];
    let textCache: string | undefined;
    const text = () => (textCache ??= generatedText(g));
    return {
      key: rec.key,
      folderKey: rec.folderKey,
      subject: g.subject,
      from: recipient(g.from),
      sender: recipient(g.from),
      toRecipients: g.to.map(recipient),
      ccRecipients: g.cc.map(recipient),
      bccRecipients: [],
      replyTo: [],
      sentDateTime: g.sentDateTime,
      receivedDateTime: g.sent ? g.sentDateTime : g.receivedDateTime,
      createdDateTime: g.receivedDateTime,
      lastModifiedDateTime: rec.lastModifiedDateTime ?? g.receivedDateTime,
      internetMessageId: g.internetMessageId,
      conversationKey: g.threadRootId,
      importance: rec.importance ?? g.importance,
      isRead: rec.isRead ?? g.isRead,
      isDraft: rec.isDraft ?? !!folder?.drafts,
      flag: rec.flag ?? { flagStatus: 'notFlagged' },
      categories: rec.categories ?? [],
      version: rec.version,
      extended: rec.extended ?? {},
      hasAttachments: rec.added?.length || rec.removed?.length ? attachments().some((a) => !a.isInline) : g.attachments.length > 0 || !!g.embedded,
      body: () => ({ contentType: 'html', content: generatedHtml(g, text()) }),
      bodyPreview: () => previewOf(text()),
      attachments,
      internetMessageHeaders: () => generatedHeaders(g),
      mimeSize: () => (changedAttachments ? this.builtMime(mb, rec).length : mimeSize(g)),
      mimeChunks: () => (changedAttachments ? [this.builtMime(mb, rec)] : mimeChunks(g)),
    };
  }

  private generatedAttachments(mb: MailboxState, g: GeneratedMessage): AttachmentView[] {
    const out: AttachmentView[] = g.attachments.map((a: PoolAttachment) => ({
      key: `p${a.poolIndex}`,
      type: 'file' as const,
      name: a.name,
      contentType: a.contentType,
      size: a.size,
      isInline: false,
      lastModifiedDateTime: g.sentDateTime,
      bytes: () => poolAttachmentBytes(a),
    }));
    if (g.embedded) {
      const inner = g.embedded;
      const folderKey = '';
      out.push({
        key: 'e',
        type: 'item',
        name: inner.subject,
        contentType: 'message/rfc822',
        size: mimeSize(inner),
        isInline: false,
        lastModifiedDateTime: g.sentDateTime,
        bytes: () => Buffer.concat([...mimeChunks(inner)]),
        item: () => this.embeddedView(mb, inner, folderKey),
      });
    }
    // some messages share a OneDrive link instead of a file
    if (hash32(g.internetMessageId, 'reference') % 23 === 0) {
      out.push({
        key: 'r',
        type: 'reference',
        name: 'Shared notes.docx',
        contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        size: 0,
        isInline: false,
        lastModifiedDateTime: g.sentDateTime,
        bytes: () => Buffer.alloc(0),
      });
    }
    return out;
  }

  private embeddedView(mb: MailboxState, g: GeneratedMessage, folderKey: string): MessageView {
    const base = this.viewOf(mb, { key: 'embedded', folderKey, gen: { folderKey: 'inbox', index: 0 }, version: 0 });
    const text = generatedText(g);
    return {
      ...base,
      subject: g.subject,
      from: recipient(g.from),
      sender: recipient(g.from),
      toRecipients: g.to.map(recipient),
      ccRecipients: g.cc.map(recipient),
      sentDateTime: g.sentDateTime,
      receivedDateTime: g.receivedDateTime,
      internetMessageId: g.internetMessageId,
      conversationKey: g.threadRootId,
      importance: g.importance,
      isRead: true,
      hasAttachments: false,
      body: () => ({ contentType: 'html', content: generatedHtml(g, text) }),
      bodyPreview: () => previewOf(text),
      attachments: () => [],
      mimeSize: () => mimeSize(g),
      mimeChunks: () => mimeChunks(g),
    };
  }

  attachmentViewOfRecord(a: AttachmentRecord): AttachmentView {
    const blobs = this.world.blobs;
    return {
      key: a.key,
      type: a.type,
      name: a.name,
      contentType: a.contentType,
      size: a.size,
      isInline: a.isInline,
      contentId: a.contentId,
      lastModifiedDateTime: a.lastModifiedDateTime,
      bytes: () => (a.blob ? blobs.get(a.blob) : Buffer.alloc(0)),
    };
  }

  private builtMime(mb: MailboxState, rec: MessageRecord): Buffer {
    const v = this.viewOf(mb, { ...rec, content: rec.content });
    return buildMime(v);
  }

  // ------------------------------------------------------------------ appliers (journal)

  /** Materialises a record for a message (generated ones get one on first change). */
  private record(mb: MailboxState, key: string): MessageRecord | undefined {
    let rec = mb.messages.get(key);
    if (rec) return rec.deleted ? undefined : rec;
    const g = parseGenKey(key);
    if (!g) return undefined;
    const f = mb.folders.get(g.folderKey);
    if (!f || g.index >= f.genCount) return undefined;
    rec = { key, folderKey: g.folderKey, gen: g, version: 0 };
    mb.messages.set(key, rec);
    f.stored.add(key);
    return rec;
  }

  touchFolder(f: FolderState): void {
    f.version++;
  }

  applyFolderCreated(mb: MailboxState, d: { key: string; parentKey: string; displayName: string; isHidden?: boolean }, at: string): void {
    if (mb.folders.has(d.key)) return;
    mb.folders.set(d.key, {
      key: d.key,
      displayName: d.displayName,
      parentKey: d.parentKey,
      isHidden: !!d.isHidden,
      genCount: 0,
      sent: false,
      drafts: false,
      stored: new Set(),
      log: new ChangeLog(),
      arrived: new Map(),
      version: 0,
      createdDateTime: at,
    });
    mb.folderLog.record(d.key, 'created');
    const parent = mb.folders.get(d.parentKey);
    if (parent) mb.folderLog.record(parent.key, 'updated');
  }

  /** A folder (with its subtree) moves under another parent, as deleting a folder in Outlook does. */
  applyFolderMoved(mb: MailboxState, d: { key: string; toParentKey: string }): void {
    const f = mb.folders.get(d.key);
    const to = mb.folders.get(d.toParentKey);
    if (!f || !to || f.parentKey === to.key) return;
    const from = f.parentKey;
    f.parentKey = to.key;
    mb.folderLog.record(f.key, 'updated');
    if (from) mb.folderLog.record(from, 'updated');
    mb.folderLog.record(to.key, 'updated');
  }

  /** A folder and its subtree are purged with their messages. */
  applyFolderDeleted(mb: MailboxState, d: { key: string }): void {
    const f = mb.folders.get(d.key);
    if (!f) return;
    for (const child of [...mb.folders.values()].filter((c) => c.parentKey === f.key)) this.applyFolderDeleted(mb, { key: child.key });
    for (const key of [...this.messageKeys(mb, f)]) this.applyMessageDeleted(mb, { key });
    mb.folders.delete(f.key);
    mb.folderLog.record(f.key, 'deleted');
    if (f.parentKey) mb.folderLog.record(f.parentKey, 'updated');
  }

  applyMessageCreated(mb: MailboxState, d: { key: string; folderKey: string; content: StoredContent; isRead: boolean; isDraft: boolean; flag?: FollowupFlagJson; categories?: string[]; extended?: MessageRecord['extended']; attachments?: AttachmentRecord[] }, at: string): void {
    const f = mb.folders.get(d.folderKey);
    if (!f || mb.messages.has(d.key)) return;
    mb.messages.set(d.key, {
      key: d.key,
      folderKey: d.folderKey,
      content: d.content,
      isRead: d.isRead,
      isDraft: d.isDraft,
      flag: d.flag,
      categories: d.categories,
      extended: d.extended,
      added: d.attachments,
      createdDateTime: at,
      lastModifiedDateTime: at,
      version: 1,
    });
    f.stored.add(d.key);
    this.touchFolder(f);
    f.arrived.set(d.key, f.log.record(d.key, 'created'));
    mb.folderLog.record(f.key, 'updated');
  }

  applyMessageUpdated(
    mb: MailboxState,
    d: { key: string; isRead?: boolean; isDraft?: boolean; flag?: FollowupFlagJson; categories?: string[]; importance?: 'low' | 'normal' | 'high'; extended?: MessageRecord['extended']; content?: Partial<StoredContent> },
    at: string,
  ): void {
    const rec = this.record(mb, d.key);
    if (!rec) return;
    if (d.isRead !== undefined) rec.isRead = d.isRead;
    if (d.isDraft !== undefined) rec.isDraft = d.isDraft;
    if (d.flag !== undefined) rec.flag = d.flag;
    if (d.categories !== undefined) rec.categories = d.categories;
    if (d.importance !== undefined) rec.importance = d.importance;
    if (d.extended) rec.extended = { ...(rec.extended ?? {}), ...d.extended };
    if (d.content) {
      const base = rec.content ?? this.contentOfGenerated(mb, rec);
      rec.content = { ...base, ...d.content };
      if (!d.content.mimeBlob) {
        delete rec.content.mimeBlob;
        delete rec.content.mimeSize;
      }
      if (rec.gen) rec.removed = this.generatedAttachments(mb, this.generated(mb, rec.gen.folderKey, rec.gen.index)).map((a) => a.key);
    }
    rec.lastModifiedDateTime = at;
    rec.version++;
    const f = mb.folders.get(rec.folderKey)!;
    this.touchFolder(f);
    f.log.record(rec.key, 'updated');
  }

  /** Content of a generated message frozen into stored form (before a rewrite). */
  private contentOfGenerated(mb: MailboxState, rec: MessageRecord): StoredContent {
    const v = this.viewOf(mb, { ...rec, content: undefined });
    return {
      subject: v.subject,
      from: v.from,
      sender: v.sender,
      toRecipients: v.toRecipients,
      ccRecipients: v.ccRecipients,
      bccRecipients: [],
      replyTo: [],
      sentDateTime: v.sentDateTime,
      receivedDateTime: v.receivedDateTime,
      internetMessageId: v.internetMessageId,
      conversationKey: v.conversationKey,
      importance: v.importance,
      bodyContentType: 'html',
      bodyBlob: '',
      bodyPreview: '',
    };
  }

  applyMessageMoved(mb: MailboxState, d: { key: string; toFolderKey: string; reason?: 'changed' | 'deleted' }, at: string): void {
    const to = mb.folders.get(d.toFolderKey);
    const rec = this.record(mb, d.key);
    if (!rec || !to || rec.folderKey === to.key) return;
    const from = mb.folders.get(rec.folderKey)!;
    from.stored.delete(rec.key);
    this.touchFolder(from);
    from.log.record(rec.key, d.reason === 'deleted' ? 'deleted' : 'changed');
    rec.folderKey = to.key;
    rec.lastModifiedDateTime = at;
    rec.version++;
    to.stored.add(rec.key);
    this.touchFolder(to);
    to.arrived.set(rec.key, to.log.record(rec.key, 'created'));
    mb.folderLog.record(from.key, 'updated');
    mb.folderLog.record(to.key, 'updated');
  }

  applyMessageDeleted(mb: MailboxState, d: { key: string }): void {
    const rec = this.record(mb, d.key);
    if (!rec) return;
    const f = mb.folders.get(rec.folderKey)!;
    f.stored.delete(rec.key);
    rec.deleted = true;
    this.touchFolder(f);
    f.log.record(rec.key, 'deleted');
    mb.folderLog.record(f.key, 'updated');
  }

  applyAttachmentAdded(mb: MailboxState, d: { key: string; attachment: AttachmentRecord }, at: string): void {
    const rec = this.record(mb, d.key);
    if (!rec) return;
    rec.added = [...(rec.added ?? []).filter((a) => a.key !== d.attachment.key), d.attachment];
    rec.lastModifiedDateTime = at;
    rec.version++;
    const f = mb.folders.get(rec.folderKey)!;
    this.touchFolder(f);
    f.log.record(rec.key, 'updated');
  }

  applyAttachmentDeleted(mb: MailboxState, d: { key: string; attachmentKey: string }, at: string): void {
    const rec = this.record(mb, d.key);
    if (!rec) return;
    if (rec.added?.some((a) => a.key === d.attachmentKey)) rec.added = rec.added.filter((a) => a.key !== d.attachmentKey);
    else rec.removed = [...(rec.removed ?? []), d.attachmentKey];
    rec.lastModifiedDateTime = at;
    rec.version++;
    const f = mb.folders.get(rec.folderKey)!;
    this.touchFolder(f);
    f.log.record(rec.key, 'updated');
  }

  // contacts
  applyContactCreated(mb: MailboxState, d: { key: string; folderKey: string; props: Record<string, unknown> }, at: string): void {
    const f = mb.contactFolders.get(d.folderKey);
    if (!f || mb.contacts.has(d.key)) return;
    mb.contacts.set(d.key, { key: d.key, folderKey: d.folderKey, props: d.props, createdDateTime: at, lastModifiedDateTime: at, version: 1 });
    f.log.record(d.key, 'created');
  }

  applyContactUpdated(mb: MailboxState, d: { key: string; props: Record<string, unknown> }, at: string): void {
    const c = mb.contacts.get(d.key);
    if (!c || c.deleted) return;
    c.props = { ...c.props, ...d.props };
    c.lastModifiedDateTime = at;
    c.version++;
    mb.contactFolders.get(c.folderKey)?.log.record(c.key, 'updated');
  }

  applyContactDeleted(mb: MailboxState, d: { key: string }): void {
    const c = mb.contacts.get(d.key);
    if (!c || c.deleted) return;
    c.deleted = true;
    mb.contactFolders.get(c.folderKey)?.log.record(c.key, 'deleted');
  }

  applyContactFolderCreated(mb: MailboxState, d: { key: string; parentKey: string; displayName: string }): void {
    if (mb.contactFolders.has(d.key)) return;
    mb.contactFolders.set(d.key, { key: d.key, displayName: d.displayName, parentKey: d.parentKey, log: new ChangeLog() });
  }

  // events: instance ids of a series change together; the caller passes them
  applyEventCreated(mb: MailboxState, d: { event: EventRecord; instanceKeys: string[] }): void {
    if (mb.events.has(d.event.key)) return;
    mb.events.set(d.event.key, { ...d.event });
    for (const k of d.instanceKeys) mb.calendarLog.record(k, 'created');
  }

  applyEventUpdated(mb: MailboxState, d: { key: string; patch: Partial<EventRecord>; instanceKeys: string[] }, at: string): void {
    const e = mb.events.get(d.key);
    if (!e || e.deleted) return;
    Object.assign(e, d.patch, { lastModifiedDateTime: at, version: e.version + 1 });
    for (const k of d.instanceKeys) mb.calendarLog.record(k, 'updated');
  }

  applyEventDeleted(mb: MailboxState, d: { key: string; instanceKeys: string[] }): void {
    const e = mb.events.get(d.key);
    if (!e || e.deleted) return;
    e.deleted = true;
    for (const k of d.instanceKeys) mb.calendarLog.record(k, 'deleted');
  }
}

/** A stable small number per folder key, so each folder has its own generator index space. */
function folderOrdinal(folderKey: string): number {
  return hash32('folder-ordinal', folderKey) % 4096;
}

function generatedHeaders(g: GeneratedMessage): Array<{ name: string; value: string }> {
  const h = [
    { name: 'Message-ID', value: g.internetMessageId },
    { name: 'Subject', value: g.subject },
    { name: 'MIME-Version', value: '1.0' },
  ];
  if (g.inReplyTo) h.push({ name: 'In-Reply-To', value: g.inReplyTo });
  if (g.references.length) h.push({ name: 'References', value: g.references.join(' ') });
  return h;
}

function contactRecordFromSeed(c: SeedContact): ContactRecord {
  const props: Record<string, unknown> = {
    displayName: c.displayName,
    givenName: c.givenName,
    surname: c.surname,
    emailAddresses: c.emailAddresses,
    companyName: c.companyName,
    jobTitle: c.jobTitle,
    businessPhones: c.businessPhones,
    mobilePhone: c.mobilePhone,
    businessAddress: c.businessAddress,
    birthday: c.birthday ?? null,
    personalNotes: c.personalNotes,
    fileAs: `${c.surname}, ${c.givenName}`,
  };
  return { key: c.key, folderKey: c.folderKey || DEFAULT_CONTACT_FOLDER_KEY, props, createdDateTime: c.createdDateTime, lastModifiedDateTime: c.createdDateTime, version: 1 };
}

function eventRecordFromSeed(e: SeedEvent, owner: { name: string; address: string }, seed: string): EventRecord {
  const exceptions: EventRecord['exceptions'] = {};
  for (const x of e.exceptions ?? []) exceptions[x.originalDate] = { start: x.start, end: x.end, subject: x.subject };
  return {
    key: e.key,
    calendarKey: e.calendarKey,
    subject: e.subject,
    bodyHtml: `<html><body><p>${e.body.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p></body></html>`,
    start: e.start,
    end: e.end,
    timeZone: 'UTC',
    isAllDay: e.isAllDay,
    location: e.location,
    attendees: e.attendees.map((a) => ({ type: a.type, emailAddress: { name: a.name, address: a.address }, status: { response: a.response, time: '0001-01-01T00:00:00Z' } })),
    organizer: e.isOrganizer ? owner : e.attendees[0] ? { name: e.attendees[0].name, address: e.attendees[0].address } : owner,
    isOrganizer: e.isOrganizer,
    showAs: e.showAs,
    importance: 'normal',
    sensitivity: 'normal',
    recurrence: e.recurrence,
    exceptions,
    cancelled: [...(e.cancelledDates ?? [])],
    createdDateTime: e.createdDateTime,
    lastModifiedDateTime: e.createdDateTime,
    version: 1,
    iCalUId: '040000008200E00074C5B7101A82E008' + hash32(seed, owner.address, e.key).toString(16).padStart(8, '0').toUpperCase() + '00000000000000001000000' + hash32(e.key).toString(16).toUpperCase(),
  };
}

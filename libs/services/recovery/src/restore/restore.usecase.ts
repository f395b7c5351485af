import MailComposer from 'nodemailer/lib/mail-composer';
import PostalMime from 'postal-mime';
import { HoldfastError } from '@holdfast/contracts';
import { bufferSource, GraphConflictError, GraphNotFoundError, uploadAttachment, type GraphClient, type PacingTarget } from '@holdfast/graph';
import { loadMailboxPoint, readAllContent, selectItems, type PointMail, type PointSource } from '../mailbox-point.reader';

export type ConflictPolicy = 'rename' | 'skip' | 'overwrite';
export const CONFLICT_POLICIES: readonly ConflictPolicy[] = ['rename', 'skip', 'overwrite'];

/** MAPI PR_MESSAGE_FLAGS: read = 0x1; unsent (draft) = 0x8 is left clear. */
export const MESSAGE_FLAGS_PROPERTY = 'Integer 0x0E07';
const MSGFLAG_READ = 0x1;

/** Messages whose MIME is above this are posted without their large attachments (request size limit). */
export const MIME_POST_LIMIT = 3 * 1024 * 1024;

/** Remembers what a restore already did, so a restarted restore continues where it stopped. */
export interface RestoreJournal {
  restored(itemId: string): Promise<string | undefined>;
  record(itemId: string, outcome: 'restored' | 'skipped', newId?: string): Promise<void>;
}

export class InMemoryRestoreJournal implements RestoreJournal {
  readonly entries = new Map<string, { outcome: string; newId?: string }>();
  async restored(itemId: string): Promise<string | undefined> {
    return this.entries.get(itemId)?.outcome;
  }
  async record(itemId: string, outcome: 'restored' | 'skipped', newId?: string): Promise<void> {
    this.entries.set(itemId, { outcome, ...(newId ? { newId } : {}) });
  }
}

export interface RestoreCounts {
  total: number;
  restored: number;
  skipped: number;
  failed: number;
  bytes: number;
}

export interface RestoreReport {
  status: 'success' | 'partial' | 'failed';
  counts: RestoreCounts;
  failures: { itemId: string; reason: string }[];
  /** backed-up item id -> id of the restored message */
  restoredIds: Record<string, string>;
  restoreFolder?: string;
}

export interface RestoreRequest {
  graph: GraphClient;
  source: PointSource;
  pointId: string;
  itemIds?: string[];
  folderPaths?: string[];
  /** UPN or id of the mailbox restored into. */
  targetMailbox: string;
  /** Original folders of the target mailbox; otherwise everything goes under `restoreFolder`. */
  inPlace: boolean;
  restoreFolder?: string;
  conflictPolicy: ConflictPolicy;
  journal?: RestoreJournal;
  onProgress?: (counts: RestoreCounts) => void | Promise<void>;
  signal?: AbortSignal;
}

interface GraphFolder {
  id: string;
  displayName: string;
}

function internetMessageIdOf(mime: Buffer): string | undefined {
  const head = mime.subarray(0, Math.min(mime.length, 64 * 1024)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const headers = (end >= 0 ? head.slice(0, end) : head).replace(/\r?\n[ \t]+/g, ' ');
  const m = /^message-id:\s*(<[^>\r\n]+>)/im.exec(headers);
  return m?.[1];
}

function unescapeName(s: string): string {
  return s.replace(/%2F/gi, '/').replace(/%25/g, '%');
}

/** Restores messages of a recovery point into a mailbox through Graph. */
export class MailboxRestore {
  private readonly folderIds = new Map<string, string>();
  private readonly counts: RestoreCounts = { total: 0, restored: 0, skipped: 0, failed: 0, bytes: 0 };
  private readonly failures: { itemId: string; reason: string }[] = [];
  private readonly restoredIds: Record<string, string> = {};
  private readonly mbx: string;
  private readonly pacing: PacingTarget;

  constructor(private readonly req: RestoreRequest) {
    if (!CONFLICT_POLICIES.includes(req.conflictPolicy)) {
      throw new HoldfastError('validation_failed', `conflict policy must be rename, skip or overwrite, not "${req.conflictPolicy}"`);
    }
    if (!req.targetMailbox) throw new HoldfastError('validation_failed', 'a target mailbox is required');
    this.mbx = `/users/${encodeURIComponent(req.targetMailbox)}`;
    this.pacing = { workload: 'exchange', mailbox: req.targetMailbox.toLowerCase() };
  }

  async run(): Promise<RestoreReport> {
    const point = await loadMailboxPoint(this.req.source, this.req.pointId);
    const mails = selectItems(point, { itemIds: this.req.itemIds, folderPaths: this.req.folderPaths });
    this.counts.total = mails.length;
    let base = '';
    let restoreFolder: string | undefined;
    if (!this.req.inPlace) {
      restoreFolder = await this.createRestoreFolder(this.req.restoreFolder ?? `Restored ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`);
      base = restoreFolder;
    }
    const journal = this.req.journal ?? new InMemoryRestoreJournal();
    for (const m of mails) {
      if (this.req.signal?.aborted) throw new HoldfastError('timeout', 'the restore was stopped');
      const done = await journal.restored(m.id);
      if (done === 'restored') this.counts.restored++;
      else if (done === 'skipped') this.counts.skipped++;
      else {
        try {
          const content = await readAllContent(this.req.source, m.content);
          const outcome = m.kind === 'mail' ? await this.restoreMessage(m, content, await this.ensureFolder(base, m.folderPath)) : await this.restoreJsonItem(m.kind, content);
          if (outcome === 'skipped') this.counts.skipped++;
          else {
            this.counts.restored++;
            this.counts.bytes += content.length;
            this.restoredIds[m.id] = outcome.id;
          }
          await journal.record(m.id, outcome === 'skipped' ? 'skipped' : 'restored', outcome === 'skipped' ? undefined : outcome.id);
        } catch (err) {
          if (err instanceof HoldfastError && (err.code === 'timeout' || err.code === 'forbidden' || err.code === 'unauthenticated' || err.code === 'credentials_invalid' || err.code === 'permissions_missing')) throw err;
          this.counts.failed++;
          if (this.failures.length < 1000) this.failures.push({ itemId: m.id, reason: (err as Error).message });
        }
      }
      await this.req.onProgress?.({ ...this.counts });
    }
    const status = this.counts.failed === 0 ? 'success' : this.counts.failed === this.counts.total ? 'failed' : 'partial';
    return { status, counts: { ...this.counts }, failures: this.failures, restoredIds: this.restoredIds, ...(restoreFolder ? { restoreFolder } : {}) };
  }

  private async children(parentId: string | undefined): Promise<GraphFolder[]> {
    const out: GraphFolder[] = [];
    let next: string | undefined = parentId ? `${this.mbx}/mailFolders/${encodeURIComponent(parentId)}/childFolders` : `${this.mbx}/mailFolders`;
    let first = true;
    while (next) {
      const page: { value: GraphFolder[]; '@odata.nextLink'?: string } = await this.req.graph.get(next, {
        pacing: this.pacing,
        ...(first ? { query: { $select: 'id,displayName', $top: 100, includeHiddenFolders: 'true' } } : {}),
      });
      out.push(...page.value);
      next = page['@odata.nextLink'];
      first = false;
    }
    return out;
  }

  private async createFolder(parentId: string | undefined, name: string): Promise<GraphFolder> {
    const path = parentId ? `${this.mbx}/mailFolders/${encodeURIComponent(parentId)}/childFolders` : `${this.mbx}/mailFolders`;
    return this.req.graph.post<GraphFolder>(path, { displayName: name }, { pacing: this.pacing });
  }

  /** The top-level restore folder; with the rename policy an existing name gets " (2)", ... */
  private async createRestoreFolder(name: string): Promise<string> {
    const existing = await this.children(undefined);
    const taken = (n: string) => existing.find((f) => f.displayName.toLowerCase() === n.toLowerCase());
    let candidate = name;
    if (this.req.conflictPolicy === 'rename') {
      for (let i = 2; taken(candidate); i++) candidate = `${name} (${i})`;
    } else {
      const found = taken(candidate);
      if (found) {
        this.folderIds.set('', found.id);
        return found.displayName;
      }
    }
    const created = await this.createFolder(undefined, candidate);
    this.folderIds.set('', created.id);
    return created.displayName;
  }

  /** Finds or creates the folder path (under the restore folder when not in place). */
  private async ensureFolder(base: string, folderPath: string): Promise<string> {
    const segments = folderPath.split('/').filter(Boolean).map(unescapeName);
    if (!segments.length) segments.push('Inbox');
    let parentKey = base ? '' : '/';
    let parentId: string | undefined = base ? this.folderIds.get('') : undefined;
    for (const seg of segments) {
      const key = `${parentKey}/${seg.toLowerCase()}`;
      let id = this.folderIds.get(key);
      if (!id) {
        const found = (await this.children(parentId)).find((f) => f.displayName.toLowerCase() === seg.toLowerCase());
        if (found) id = found.id;
        else {
          try {
            id = (await this.createFolder(parentId, seg)).id;
          } catch (err) {
            if (!(err instanceof GraphConflictError)) throw err;
            // created meanwhile by someone else
            const again = (await this.children(parentId)).find((f) => f.displayName.toLowerCase() === seg.toLowerCase());
            if (!again) throw err;
            id = again.id;
          }
        }
        this.folderIds.set(key, id);
      }
      parentKey = key;
      parentId = id;
    }
    return parentId!;
  }

  /** Contacts and events: their backed-up Graph JSON, without server-assigned properties, into the default folder. */
  private async restoreJsonItem(kind: 'contact' | 'event', json: Buffer): Promise<{ id: string }> {
    const data = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
    const readOnly = /^(@odata\.|id$|changeKey$|createdDateTime$|lastModifiedDateTime$|parentFolderId$|iCalUId$|uid$|webLink$|onlineMeetingUrl$|originalStart|seriesMasterId$|type$|occurrenceId$|isOrganizer$|responseStatus$|calendar$|instances$|attachments$|extensions$|photo$)/;
    const body = Object.fromEntries(Object.entries(data).filter(([k, v]) => !readOnly.test(k) && v !== null));
    const path = kind === 'contact' ? `${this.mbx}/contacts` : `${this.mbx}/events`;
    // attendees are not invited again when an event is restored
    return this.req.graph.post<{ id: string }>(path, body, { pacing: this.pacing, ...(kind === 'event' ? { headers: { Prefer: 'outlook.timezone="UTC"' } } : {}) });
  }

  private async existing(folderId: string, internetMessageId: string): Promise<string[]> {
    const page = await this.req.graph.get<{ value: { id: string }[] }>(`${this.mbx}/mailFolders/${encodeURIComponent(folderId)}/messages`, {
      pacing: this.pacing,
      query: { $filter: `internetMessageId eq '${internetMessageId.replace(/'/g, "''")}'`, $select: 'id', $top: 10 },
    });
    return page.value.map((v) => v.id);
  }

  private async restoreMessage(m: PointMail, mime: Buffer, folderId: string): Promise<'skipped' | { id: string }> {
    const imid = internetMessageIdOf(mime);
    if (imid && this.req.conflictPolicy !== 'rename') {
      const found = await this.existing(folderId, imid);
      if (found.length && this.req.conflictPolicy === 'skip') return 'skipped';
      for (const id of found) {
        try {
          await this.req.graph.delete(`${this.mbx}/messages/${encodeURIComponent(id)}`, { pacing: this.pacing });
        } catch (err) {
          if (!(err instanceof GraphNotFoundError)) throw err;
        }
      }
    }
    let large: { name: string; contentType: string; content: Buffer }[] = [];
    let posted = mime;
    if (mime.length > MIME_POST_LIMIT) ({ mime: posted, large } = await splitLargeAttachments(mime));
    const body = posted.toString('base64');
    const created = await this.req.graph.post<{ id: string }>(`${this.mbx}/mailFolders/${encodeURIComponent(folderId)}/messages`, body, {
      contentType: 'text/plain',
      pacing: this.pacing,
      uploadBytes: body.length,
    });
    // attachments can only be added while the message is still a draft
    for (const a of large) await uploadLargeAttachment(this.req.graph, this.req.targetMailbox, created.id, a);
    await this.req.graph.patch(
      `${this.mbx}/messages/${encodeURIComponent(created.id)}`,
      {
        singleValueExtendedProperties: [{ id: MESSAGE_FLAGS_PROPERTY, value: String(m.isRead ? MSGFLAG_READ : 0) }],
        isRead: m.isRead,
        flag: m.flag?.flagStatus ? m.flag : { flagStatus: 'notFlagged' },
        categories: m.categories ?? [],
        ...(['low', 'normal', 'high'].includes(m.importance) ? { importance: m.importance } : {}),
      },
      { pacing: this.pacing },
    );
    return { id: created.id };
  }
}

/** Attachments at or above this size leave the MIME and go through an upload session. */
export const LARGE_ATTACHMENT_BYTES = 3 * 1024 * 1024;

/**
 * A message too big for one MIME POST: rebuilt without its large attachments (headers, bodies,
 * small and inline parts kept), the large ones returned for upload sessions.
 */
export async function splitLargeAttachments(mime: Buffer): Promise<{ mime: Buffer; large: { name: string; contentType: string; content: Buffer }[] }> {
  const parsed = await PostalMime.parse(mime, { attachmentEncoding: 'arraybuffer' });
  const all = (parsed.attachments ?? []).map((a, i) => ({
    name: a.filename ?? `attachment-${i + 1}`,
    contentType: a.mimeType ?? 'application/octet-stream',
    content: Buffer.from(a.content instanceof ArrayBuffer ? new Uint8Array(a.content) : typeof a.content === 'string' ? Buffer.from(a.content) : new Uint8Array(0)),
    cid: a.contentId?.replace(/^<|>$/g, ''),
    inline: a.disposition === 'inline',
  }));
  const large = all.filter((a) => a.content.length >= LARGE_ATTACHMENT_BYTES && !a.inline);
  const small = all.filter((a) => !large.includes(a));
  const keepHeaders = (parsed.headers ?? []).filter((h) => !/^(content-|mime-version$|from$|to$|cc$|bcc$|subject$|date$|message-id$)/i.test(h.key));
  const composer = new MailComposer({
    from: parsed.from?.address ? { name: parsed.from.name ?? '', address: parsed.from.address } : undefined,
    to: (parsed.to ?? []).filter((a) => a.address).map((a) => ({ name: a.name ?? '', address: a.address! })),
    cc: (parsed.cc ?? []).filter((a) => a.address).map((a) => ({ name: a.name ?? '', address: a.address! })),
    subject: parsed.subject ?? '',
    ...(parsed.date ? { date: new Date(parsed.date) } : {}),
    ...(parsed.messageId ? { messageId: parsed.messageId } : {}),
    ...(parsed.text !== undefined ? { text: parsed.text } : {}),
    ...(parsed.html !== undefined ? { html: parsed.html } : {}),
    headers: keepHeaders.map((h) => ({ key: h.key, value: h.value })),
    attachments: small.map((a) => ({ filename: a.name, content: a.content, contentType: a.contentType, ...(a.cid ? { cid: a.cid } : {}), ...(a.inline ? { contentDisposition: 'inline' as const } : {}) })),
  });
  const rebuilt = await composer.compile().build();
  return { mime: rebuilt, large: large.map(({ name, contentType, content }) => ({ name, contentType, content })) };
}

/** Uploads one large attachment to a (still draft) restored message through an upload session. */
export async function uploadLargeAttachment(graph: GraphClient, mailbox: string, messageId: string, a: { name: string; contentType: string; content: Buffer }) {
  return uploadAttachment(graph, {
    mailbox,
    parentPath: `/users/${encodeURIComponent(mailbox)}/messages/${encodeURIComponent(messageId)}`,
    name: a.name,
    contentType: a.contentType,
    source: bufferSource(a.content),
  });
}

export function restoreMailbox(req: RestoreRequest): Promise<RestoreReport> {
  return new MailboxRestore(req).run();
}

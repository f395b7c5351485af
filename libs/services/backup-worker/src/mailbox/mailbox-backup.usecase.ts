import type { Readable } from 'node:stream';
import {
  deltaPages,
  deltaQuery,
  GraphDeltaExpiredError,
  GraphNotFoundError,
  type DeltaItem,
  type GraphClient,
  type PacingTarget,
} from '@holdfast/graph';
import type { ManifestItem, TenantRepository } from '@holdfast/repository';
import { HoldfastError } from '@holdfast/contracts';
import { checkMime } from './mime-check';
import { entryKey, type MailboxEntry, type MailboxSyncState } from './mailbox-sync-state';

/** Message properties asked for in the message delta (MIME comes from `$value`). */
export const MESSAGE_SELECT = 'id,parentFolderId,isRead,flag,categories,importance,isDraft,subject,receivedDateTime,lastModifiedDateTime';

export interface MailboxBackupProgress {
  readonly phase: 'folders' | 'mail' | 'contacts' | 'calendar' | 'manifest';
  /** Items processed so far (new or changed). */
  readonly items: number;
  /** Content bytes stored so far. */
  readonly bytes: number;
}

export interface SkippedItem {
  readonly id: string;
  readonly folderId?: string;
  readonly reason: string;
}

export interface MailboxBackupInput {
  readonly graph: GraphClient;
  /** Writable tenant repository (an open write session). */
  readonly repository: TenantRepository;
  /** Graph id (or UPN) of the mailbox owner. */
  readonly mailbox: string;
  /** State committed after the previous recovery point; undefined for the first backup. */
  readonly previous?: MailboxSyncState;
  /** Labels put on the manifest (job, run, object). */
  readonly labels?: Record<string, string>;
  /** Recovery point immutability. */
  readonly retainUntil?: Date;
  /** Called at most every `progressIntervalMs` (default 5 s), never per item. */
  readonly onProgress?: (progress: MailboxBackupProgress) => void | Promise<void>;
  readonly progressIntervalMs?: number;
  /** Page size asked of Graph for deltas. Default 100. */
  readonly pageSize?: number;
  /** Clock in ms (tests). */
  readonly now?: () => number;
  /** Fetches one message's MIME; the default asks Graph for `$value`. (A seam for tests.) */
  readonly fetchMime?: (id: string) => Promise<Readable>;
  readonly signal?: AbortSignal;
}

export interface MailboxBackupResult {
  readonly manifestId: string;
  /** ISO time the sync started: the state the recovery point shows. */
  readonly pointTime: string;
  readonly counts: { readonly items: number; readonly added: number; readonly changed: number; readonly removed: number; readonly skipped: number };
  readonly bytes: number;
  readonly skipped: readonly SkippedItem[];
  /** True when any collection was enumerated in full (first backup, expired delta state). */
  readonly fullEnumeration: boolean;
  /** Commit this only now that the manifest is stored; the next run starts from it. */
  readonly state: MailboxSyncState;
}


interface GraphMessage extends DeltaItem {
  parentFolderId?: string;
  isRead?: boolean;
  flag?: { flagStatus: string };
  categories?: string[];
  importance?: string;
  isDraft?: boolean;
  subject?: string;
  receivedDateTime?: string;
  lastModifiedDateTime?: string;
}

interface GraphFolder extends DeltaItem {
  displayName?: string;
  parentFolderId?: string;
  isHidden?: boolean;
}

/** Calendar window: from Jan 1 two years back to Jan 1 three years ahead (renewed each year). */
export function calendarWindow(nowMs: number): { start: string; end: string } {
  const year = new Date(nowMs).getUTCFullYear();
  return { start: new Date(Date.UTC(year - 2, 0, 1)).toISOString(), end: new Date(Date.UTC(year + 3, 0, 1)).toISOString() };
}

/**
 * Backs up one Exchange Online mailbox into one recovery point: the folder tree, every
 * message as MIME with the Exchange properties MIME lacks, contacts and calendar. Each point
 * is complete: unchanged items are carried over from the previous manifest. Incremental
 * rounds use delta links; expired ones fall back to a full enumeration of that collection
 * (items are keyed by immutable id, so nothing is lost or duplicated). The caller commits
 * `result.state` only after this resolves (the manifest is stored by then).
 */
export class MailboxBackup {
  private readonly entries = new Map<string, MailboxEntry>();
  /** Entries removed during this run, kept to reuse content if the item reappears (moves). */
  private readonly removedThisRun = new Map<string, MailboxEntry>();
  private readonly touched = new Set<string>();
  /** The previous point's entries, as JSON, to count what changed. */
  private readonly previousEntries = new Map<string, string>();
  private readonly skipped: SkippedItem[] = [];
  private bytes = 0;
  private processed = 0;
  private fullEnumeration = false;
  private lastProgress = 0;
  private phase: MailboxBackupProgress['phase'] = 'folders';
  private readonly now: () => number;
  private readonly pacing: PacingTarget;
  private readonly base: string;

  constructor(private readonly input: MailboxBackupInput) {
    this.now = input.now ?? Date.now;
    this.pacing = { workload: 'exchange', mailbox: input.mailbox };
    this.base = `/users/${encodeURIComponent(input.mailbox)}`;
  }

  async run(): Promise<MailboxBackupResult> {
    const startedAt = this.now();
    this.lastProgress = startedAt;
    const previous = this.input.previous;
    if (previous) {
      for await (const item of this.input.repository.readManifest(previous.manifestId)) {
        const entry = item as unknown as MailboxEntry;
        this.entries.set(entryKey(entry), entry);
        this.previousEntries.set(entryKey(entry), JSON.stringify(entry));
      }
    } else {
      this.fullEnumeration = true;
    }

    const folders = await this.syncFolders(previous);
    const folderLinks: Record<string, { deltaLink: string }> = {};
    this.phase = 'mail';
    for (const folderId of folders) {
      this.checkAborted();
      folderLinks[folderId] = { deltaLink: await this.syncFolderMessages(folderId, previous?.folders[folderId]?.deltaLink) };
    }
    const retry = await this.retrySkipped(previous, new Set(folders));
    this.dropOrphanedMail(new Set(folders));
    this.phase = 'contacts';
    const contactsDeltaLink = await this.syncContacts(previous?.contactsDeltaLink);
    this.phase = 'calendar';
    const calendar = await this.syncCalendar(previous?.calendar);

    this.phase = 'manifest';
    await this.reportProgress(true);
    const items = [...this.entries.values()];
    const manifest = await this.input.repository.writeManifest(items as unknown as ManifestItem[], {
      labels: { kind: 'mailbox', mailbox: this.input.mailbox, ...this.input.labels },
      ...(this.input.retainUntil ? { retainUntil: this.input.retainUntil } : {}),
    });
    return {
      manifestId: manifest.id,
      pointTime: new Date(startedAt).toISOString(),
      counts: { items: items.length, ...this.compare(), skipped: this.skipped.length },
      bytes: this.bytes,
      skipped: this.skipped,
      fullEnumeration: this.fullEnumeration,
      state: {
        version: 1,
        manifestId: manifest.id,
        folderDeltaLink: folders.deltaLink,
        folders: folderLinks,
        contactsDeltaLink,
        calendar,
        retry,
      },
    };
  }

  // ------------------------------------------------------------------ entries

  private upsert(entry: MailboxEntry): void {
    const key = entryKey(entry);
    this.entries.set(key, entry);
    this.removedThisRun.delete(key);
    this.touched.add(key);
    this.processed++;
  }

  private remove(key: string): void {
    const before = this.entries.get(key);
    if (!before) return;
    this.entries.delete(key);
    this.removedThisRun.set(key, before);
  }

  /** Differences between the previous point and this one. */
  private compare(): { added: number; changed: number; removed: number } {
    let added = 0;
    let changed = 0;
    for (const [key, entry] of this.entries) {
      const before = this.previousEntries.get(key);
      if (before === undefined) added++;
      else if (before !== JSON.stringify(entry)) changed++;
    }
    let removed = 0;
    for (const key of this.previousEntries.keys()) if (!this.entries.has(key)) removed++;
    return { added, changed, removed };
  }

  private knownContent(key: string): MailboxEntry | undefined {
    return this.entries.get(key) ?? this.removedThisRun.get(key);
  }

  // ------------------------------------------------------------------ folders

  private async syncFolders(previous: MailboxSyncState | undefined): Promise<string[] & { deltaLink: string }> {
    const result = await deltaQuery<GraphFolder>(this.input.graph, {
      initialPath: `${this.base}/mailFolders/delta`,
      deltaLink: previous?.folderDeltaLink,
      pacing: this.pacing,
      maxPageSize: this.input.pageSize ?? 100,
      signal: this.input.signal,
    });
    if (result.kind !== 'changes') throw new HoldfastError('internal', 'folder delta asked for a resync');
    if (result.fullEnumeration) {
      if (previous) this.fullEnumeration = true;
      const seen = new Set(result.items.map((f) => f.id));
      for (const [key, entry] of [...this.entries]) if (entry.kind === 'folder' && !seen.has(entry.id)) this.remove(key);
    }
    for (const removal of result.removed) this.remove(entryKey({ kind: 'folder', id: removal.id }));
    for (const f of result.items) {
      if (f.isHidden) {
        this.remove(entryKey({ kind: 'folder', id: f.id }));
        continue;
      }
      this.upsert({ kind: 'folder', id: f.id, displayName: f.displayName ?? '', ...(f.parentFolderId ? { parentFolderId: f.parentFolderId } : {}) });
    }
    await this.reportProgress();
    const ids = [...this.entries.values()].filter((e) => e.kind === 'folder').map((e) => e.id);
    return Object.assign(ids, { deltaLink: result.deltaLink });
  }

  // ------------------------------------------------------------------ messages

  /** One folder's message delta; on expired state, a full enumeration of that folder. */
  private async syncFolderMessages(folderId: string, deltaLink: string | undefined): Promise<string> {
    try {
      return await this.messageRound(folderId, deltaLink);
    } catch (error) {
      if (!(error instanceof GraphDeltaExpiredError) || !deltaLink) throw error;
      this.fullEnumeration = true;
      return this.messageRound(folderId, undefined);
    }
  }

  private async messageRound(folderId: string, deltaLink: string | undefined): Promise<string> {
    const full = !deltaLink;
    const seen = new Set<string>();
    let newLink: string | undefined;
    for await (const page of deltaPages<GraphMessage>(this.input.graph, {
      initialPath: `${this.base}/mailFolders/${encodeURIComponent(folderId)}/messages/delta`,
      deltaLink,
      query: { $select: MESSAGE_SELECT },
      pacing: this.pacing,
      maxPageSize: this.input.pageSize ?? 100,
      signal: this.input.signal,
    })) {
      for (const change of page.changes) {
        this.checkAborted();
        if (change.removal) {
          const key = entryKey({ kind: 'mail', id: change.removal.id });
          const current = this.entries.get(key);
          // a move out of this folder is `changed`; the destination folder reports the arrival
          if (current && current.kind === 'mail' && current.folderId === folderId) this.remove(key);
          continue;
        }
        seen.add(change.item.id);
        await this.storeMessage(change.item, folderId);
        await this.reportProgress();
      }
      if (page.deltaLink) newLink = page.deltaLink;
    }
    if (!newLink) throw new HoldfastError('internal', `message delta of folder ${folderId} ended without a deltaLink`);
    if (full) {
      // everything this folder held before and did not list now is gone (or moved: the
      // destination's round re-files it, reusing the stored content)
      for (const [key, entry] of [...this.entries]) {
        if (entry.kind === 'mail' && entry.folderId === folderId && !seen.has(entry.id) && !this.touched.has(key)) this.remove(key);
      }
    }
    return newLink;
  }

  private async storeMessage(m: GraphMessage, folderId: string): Promise<void> {
    const key = entryKey({ kind: 'mail', id: m.id });
    const known = this.knownContent(key);
    const properties = {
      kind: 'mail' as const,
      id: m.id,
      folderId: m.parentFolderId ?? folderId,
      isRead: m.isRead ?? false,
      flag: m.flag ?? { flagStatus: 'notFlagged' },
      categories: m.categories ?? [],
      importance: m.importance ?? 'normal',
      isDraft: m.isDraft ?? false,
      ...(m.subject !== undefined ? { subject: m.subject } : {}),
      ...(m.receivedDateTime ? { receivedDateTime: m.receivedDateTime } : {}),
      ...(m.lastModifiedDateTime ? { lastModifiedDateTime: m.lastModifiedDateTime } : {}),
    };
    // sent and received mail never changes its MIME; only drafts are edited
    const reusable = known && known.kind === 'mail' && (!properties.isDraft || known.lastModifiedDateTime === properties.lastModifiedDateTime);
    if (reusable) {
      this.upsert({ ...properties, content: known.content, size: known.size });
      return;
    }
    const stored = await this.fetchAndStore(m.id, properties.folderId);
    if (stored) this.upsert({ ...properties, content: stored.ref, size: stored.size });
  }

  /** MIME into the repository; a message gone meanwhile or unreadable is recorded as skipped. */
  private async fetchAndStore(id: string, folderId: string): Promise<{ ref: string; size: number } | undefined> {
    let mime: Buffer;
    try {
      const stream = await (this.input.fetchMime ?? ((messageId: string) => this.defaultFetchMime(messageId)))(id);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
      mime = Buffer.concat(chunks);
    } catch (error) {
      if (error instanceof GraphNotFoundError) {
        this.skipped.push({ id, folderId, reason: 'deleted before it could be read' });
        return undefined;
      }
      throw error;
    }
    const problem = checkMime(mime);
    if (problem) {
      this.skipped.push({ id, folderId, reason: `unreadable MIME: ${problem}` });
      return undefined;
    }
    const put = await this.input.repository.putMail(mime);
    this.bytes += mime.length;
    return { ref: put.ref, size: put.size };
  }

  private async defaultFetchMime(id: string): Promise<Readable> {
    const response = await this.input.graph.stream({
      path: `${this.base}/messages/${encodeURIComponent(id)}/$value`,
      pacing: this.pacing,
      signal: this.input.signal,
    });
    return response.body;
  }

  /** Messages skipped as unreadable last time are fetched again (delta will not list them). */
  private async retrySkipped(previous: MailboxSyncState | undefined, folders: Set<string>): Promise<{ id: string; folderId: string }[]> {
    const again: { id: string; folderId: string }[] = [];
    for (const r of previous?.retry ?? []) {
      if (this.entries.has(entryKey({ kind: 'mail', id: r.id })) || !folders.has(r.folderId)) continue;
      let m: GraphMessage;
      try {
        m = await this.input.graph.get<GraphMessage>(`${this.base}/messages/${encodeURIComponent(r.id)}`, {
          query: { $select: MESSAGE_SELECT },
          pacing: this.pacing,
        });
      } catch (error) {
        if (error instanceof GraphNotFoundError) continue;
        throw error;
      }
      await this.storeMessage(m, r.folderId);
    }
    for (const s of this.skipped) if (s.folderId && s.reason.startsWith('unreadable')) again.push({ id: s.id, folderId: s.folderId });
    return again;
  }

  /** Mail of folders that no longer exist (deleted folders) leaves the point. */
  private dropOrphanedMail(folders: Set<string>): void {
    for (const [key, entry] of [...this.entries]) if (entry.kind === 'mail' && !folders.has(entry.folderId)) this.remove(key);
  }

  // ------------------------------------------------------------------ contacts and calendar

  private async syncContacts(deltaLink: string | undefined): Promise<string> {
    const result = await deltaQuery<DeltaItem & { displayName?: string }>(this.input.graph, {
      initialPath: `${this.base}/contacts/delta`,
      deltaLink,
      pacing: this.pacing,
      maxPageSize: this.input.pageSize ?? 100,
      signal: this.input.signal,
    });
    if (result.kind !== 'changes') throw new HoldfastError('internal', 'contacts delta asked for a resync');
    await this.applyJsonCollection('contact', result, deltaLink !== undefined, (c): Record<string, string> => (c.displayName ? { displayName: c.displayName } : {}));
    return result.deltaLink;
  }

  private async syncCalendar(previous: MailboxSyncState['calendar']): Promise<NonNullable<MailboxSyncState['calendar']>> {
    const window = calendarWindow(this.now());
    const sameWindow = previous && previous.start === window.start && previous.end === window.end;
    const result = await deltaQuery<DeltaItem & { subject?: string; start?: { dateTime?: string } }>(this.input.graph, {
      initialPath: `${this.base}/calendarView/delta`,
      query: { startDateTime: window.start, endDateTime: window.end },
      deltaLink: sameWindow ? previous.deltaLink : undefined,
      pacing: this.pacing,
      maxPageSize: this.input.pageSize ?? 100,
      signal: this.input.signal,
    });
    if (result.kind !== 'changes') throw new HoldfastError('internal', 'calendar delta asked for a resync');
    await this.applyJsonCollection('event', result, previous !== undefined, (e) => ({
      ...(e.subject !== undefined ? { subject: e.subject } : {}),
      ...(e.start?.dateTime ? { start: e.start.dateTime } : {}),
    }));
    return { deltaLink: result.deltaLink, ...window };
  }

  /** Contacts and events are stored as their Graph JSON. */
  private async applyJsonCollection<T extends DeltaItem>(
    kind: 'contact' | 'event',
    result: { items: readonly T[]; removed: readonly { id: string }[]; fullEnumeration: boolean },
    hadState: boolean,
    summary: (item: T) => Record<string, string>,
  ): Promise<void> {
    if (result.fullEnumeration) {
      if (hadState) this.fullEnumeration = true;
      const seen = new Set(result.items.map((i) => i.id));
      for (const [key, entry] of [...this.entries]) if (entry.kind === kind && !seen.has(entry.id)) this.remove(key);
    }
    for (const r of result.removed) this.remove(entryKey({ kind, id: r.id }));
    for (const item of result.items) {
      this.checkAborted();
      const json = Buffer.from(JSON.stringify(item));
      const put = await this.input.repository.putBlob(json);
      this.bytes += json.length;
      this.upsert({ kind, id: item.id, content: put.ref, ...summary(item) } as MailboxEntry);
      await this.reportProgress();
    }
  }

  // ------------------------------------------------------------------ progress

  private async reportProgress(force = false): Promise<void> {
    const now = this.now();
    if (!this.input.onProgress) return;
    if (!force && now - this.lastProgress < (this.input.progressIntervalMs ?? 5_000)) return;
    this.lastProgress = now;
    await this.input.onProgress({ phase: this.phase, items: this.processed, bytes: this.bytes });
  }

  private checkAborted(): void {
    if (this.input.signal?.aborted) throw new HoldfastError('timeout', `backup of mailbox ${this.input.mailbox} was stopped`);
  }
}

/** Convenience: `await backupMailbox({...})`. */
export function backupMailbox(input: MailboxBackupInput): Promise<MailboxBackupResult> {
  return new MailboxBackup(input).run();
}

/** Control API and user-like mutations of mailboxes (journaled, so delta and restarts see them). */
import { GraphHttpError } from '../framework/graph-error';
import type { TenantState } from '../framework/world';
import { instanceKeysOf } from './calendar-view';
import { eventFromJson } from './calendar.routes';
import { DEFAULT_CONTACT_FOLDER_KEY } from './contact-seed';
import { ExchangeContext, J } from './exchange-context';
import { decodeExchangeId } from './exchange-ids';
import { IdMinter } from './exchange-render';
import type { AttachmentRecord, FolderState, MailboxState } from './mailbox-model';
import { ROOT_KEY } from './mail-folder-seed';
import { generateMessage, renderMime } from './mime-generator';
import { commitMessageCreated, contentFromMime } from './message-writer';
import { hash32 } from './seeded-random';

/** A folder by id, well-known name, or display-name path from the top ("Inbox/Projects/2024"). */
export function folderByRef(x: ExchangeContext, mb: MailboxState, ref: string): FolderState | undefined {
  const wk = x.store.folder(mb, ref);
  if (wk) return wk;
  const d = decodeExchangeId(ref);
  if (d?.kind === 'folder') return mb.folders.get(d.key);
  let cur = ROOT_KEY;
  for (const part of ref.split('/').filter(Boolean)) {
    const next = x.store.childFolders(mb, cur, true).find((f) => f.displayName.toLowerCase() === part.toLowerCase() || f.wellKnownName === part.toLowerCase());
    if (!next) return undefined;
    cur = next.key;
  }
  return cur === ROOT_KEY ? undefined : mb.folders.get(cur);
}

/** Like folderByRef for paths, creating missing folders (journaled). */
export function ensureFolderPath(x: ExchangeContext, tenant: TenantState, mb: MailboxState, path: string): FolderState {
  const existing = folderByRef(x, mb, path);
  if (existing) return existing;
  let cur = ROOT_KEY;
  for (const part of path.split('/').filter(Boolean)) {
    let next = x.store.childFolders(mb, cur, true).find((f) => f.displayName.toLowerCase() === part.toLowerCase() || f.wellKnownName === part.toLowerCase());
    if (!next) {
      const key = `n.${x.ctx.world.newId()}`;
      x.ctx.world.commit(J.folderCreated, tenant, { userId: mb.userId, key, parentKey: cur, displayName: part });
      next = mb.folders.get(key)!;
    }
    cur = next.key;
  }
  if (cur === ROOT_KEY) throw new GraphHttpError(400, 'BadRequest', 'A folder path is required.');
  return mb.folders.get(cur)!;
}

function ids(mb: MailboxState, v: { key: string; folderKey: string }) {
  return { id: new IdMinter(mb.userId, false).message(v), immutableId: new IdMinter(mb.userId, true).message(v), folderId: new IdMinter(mb.userId, false).folder(v.folderKey) };
}

export async function importEml(x: ExchangeContext, tenant: TenantState, mb: MailboxState, folder: FolderState, bytes: Buffer, isRead = true) {
  const at = new Date().toISOString();
  const { content, attachments } = await contentFromMime(x, bytes, at);
  const key = commitMessageCreated(x, tenant, mb, folder, content, attachments, { isRead, isDraft: false }, {}, at);
  return ids(mb, x.store.message(mb, key)!);
}

export function registerExchangeControl(x: ExchangeContext): void {
  const { ctx, store } = x;
  const box = (tenant: TenantState, user: unknown) => {
    if (typeof user !== 'string' || !user) throw new GraphHttpError(400, 'BadRequest', "'user' (id or UPN) is required.");
    return x.mailboxOf(tenant, user).mb;
  };
  const folderParam = (mb: MailboxState, ref: unknown, fallback: string) => {
    const f = folderByRef(x, mb, typeof ref === 'string' && ref ? ref : fallback);
    if (!f) throw new GraphHttpError(404, 'ErrorItemNotFound', `No folder '${String(ref)}'.`);
    return f;
  };
  const messageParam = (mb: MailboxState, id: unknown) => {
    if (typeof id !== 'string') throw new GraphHttpError(400, 'BadRequest', "'messageId' is required.");
    return store.message(mb, x.messageKey(mb, id))!;
  };

  ctx.mutation<{ user: string; folder?: string; count?: number; subject?: string; attachmentSize?: number }>({
    name: 'exchange.newMail',
    description: 'deliver new messages: {user, folder?="inbox", count?=1, subject?}',
    run: async (tenant, p) => {
      const mb = box(tenant, p.user);
      const folder = folderParam(mb, p.folder, 'inbox');
      const out = [];
      for (let i = 0; i < Math.max(1, Math.min(500, p.count ?? 1)); i++) {
        const nonce = ctx.world.newId();
        const now = new Date().toISOString();
        let g = generateMessage(store.seed, { address: mb.address, displayName: mb.displayName }, 2_000_000_000 + (hash32(nonce) % 100_000_000), { epoch: now, position: 0, spacingMs: 1000 });
        if (p.subject) g = { ...g, subject: p.subject };
        // new mail is unread
        out.push(await importEml(x, tenant, mb, folder, renderMime(g), false));
      }
      return { messages: out };
    },
  });

  ctx.mutation<{ user: string; messageId: string; toFolder: string }>({
    name: 'exchange.moveMessage',
    description: 'move a message: {user, messageId, toFolder (id, well-known name or path)}',
    run: (tenant, p) => {
      const mb = box(tenant, p.user);
      const v = messageParam(mb, p.messageId);
      const to = folderParam(mb, p.toFolder, '');
      ctx.world.commit(J.messageMoved, tenant, { userId: mb.userId, key: v.key, toFolderKey: to.key });
      return ids(mb, store.message(mb, v.key)!);
    },
  });

  ctx.mutation<{ user: string; messageId: string; isRead?: boolean; flagStatus?: 'notFlagged' | 'flagged' | 'complete'; categories?: string[]; importance?: 'low' | 'normal' | 'high' }>({
    name: 'exchange.editMessage',
    description: 'edit a message as a user: {user, messageId, isRead?, flagStatus?, categories?, importance?}',
    run: (tenant, p) => {
      const mb = box(tenant, p.user);
      const v = messageParam(mb, p.messageId);
      ctx.world.commit(J.messageUpdated, tenant, {
        userId: mb.userId,
        key: v.key,
        isRead: p.isRead,
        flag: p.flagStatus ? { flagStatus: p.flagStatus } : undefined,
        categories: p.categories,
        importance: p.importance,
      });
      return ids(mb, store.message(mb, v.key)!);
    },
  });

  ctx.mutation<{ user: string; messageId: string; permanent?: boolean }>({
    name: 'exchange.deleteMessage',
    description: 'delete a message as a user: to Deleted Items, or {permanent: true} to purge it',
    run: (tenant, p) => {
      const mb = box(tenant, p.user);
      const v = messageParam(mb, p.messageId);
      if (p.permanent || v.folderKey === 'deleteditems') ctx.world.commit(J.messageDeleted, tenant, { userId: mb.userId, key: v.key });
      else ctx.world.commit(J.messageMoved, tenant, { userId: mb.userId, key: v.key, toFolderKey: 'deleteditems' });
      return { deleted: true };
    },
  });

  ctx.mutation<{ user: string; folder?: string; count?: number }>({
    name: 'exchange.ransomware',
    description: 'mass-rewrite messages (subject, body, attachments replaced by a ransom note): {user, folder?="inbox", count? (all)}',
    run: (tenant, p) => {
      const mb = box(tenant, p.user);
      const folder = folderParam(mb, p.folder, 'inbox');
      const keys = [...store.messageKeys(mb, folder)].slice(0, p.count ?? Number.MAX_SAFE_INTEGER);
      const note = Buffer.from('<html><body><p>YOUR FILES HAVE BEEN ENCRYPTED. Send 5 BTC to recover them.</p></body></html>', 'utf8');
      const readme = Buffer.from('All your messages are encrypted.\n', 'utf8');
      const attachment: AttachmentRecord = { key: 'ransom', type: 'file', name: 'README-DECRYPT.txt', contentType: 'text/plain', size: readme.length, isInline: false, blob: ctx.world.blobs.put(readme), lastModifiedDateTime: '' };
      ctx.world.commit(J.messagesRewritten, tenant, { userId: mb.userId, keys, prefix: '[ENCRYPTED] ', bodyBlob: ctx.world.blobs.put(note), bodyPreview: 'YOUR FILES HAVE BEEN ENCRYPTED. Send 5 BTC to recover them.', note: attachment });
      return { rewritten: keys.length };
    },
  });

  ctx.mutation<{ user: string; parent?: string; displayName: string }>({
    name: 'exchange.createFolder',
    description: 'create a mail folder: {user, parent?="msgfolderroot", displayName}',
    run: (tenant, p) => {
      const mb = box(tenant, p.user);
      const parent = p.parent ? folderParam(mb, p.parent, p.parent) : mb.folders.get(ROOT_KEY)!;
      const key = `n.${ctx.world.newId()}`;
      ctx.world.commit(J.folderCreated, tenant, { userId: mb.userId, key, parentKey: parent.key, displayName: p.displayName });
      return { id: new IdMinter(mb.userId, false).folder(key) };
    },
  });

  ctx.mutation<{ user: string; givenName?: string; surname?: string; email?: string }>({
    name: 'exchange.createContact',
    description: 'add a contact to the default folder: {user, givenName, surname, email}',
    run: (tenant, p) => {
      const mb = box(tenant, p.user);
      const key = `n.${ctx.world.newId()}`;
      const displayName = [p.givenName, p.surname].filter(Boolean).join(' ');
      ctx.world.commit(J.contactCreated, tenant, { userId: mb.userId, key, folderKey: DEFAULT_CONTACT_FOLDER_KEY, props: { givenName: p.givenName, surname: p.surname, displayName, emailAddresses: p.email ? [{ name: displayName, address: p.email }] : [] } });
      return { id: new IdMinter(mb.userId, false).contact({ key, folderKey: DEFAULT_CONTACT_FOLDER_KEY }) };
    },
  });

  ctx.mutation<{ user: string; contactId: string }>({
    name: 'exchange.deleteContact',
    description: 'delete a contact: {user, contactId}',
    run: (tenant, p) => {
      const mb = box(tenant, p.user);
      const d = decodeExchangeId(p.contactId ?? '');
      if (!d || d.kind !== 'contact' || !mb.contacts.has(d.key)) throw new GraphHttpError(404, 'ErrorItemNotFound', 'No such contact.');
      ctx.world.commit(J.contactDeleted, tenant, { userId: mb.userId, key: d.key });
      return { deleted: true };
    },
  });

  ctx.mutation<{ user: string; event: Record<string, unknown> }>({
    name: 'exchange.createEvent',
    description: 'add an event to the default calendar: {user, event: Graph event JSON}',
    run: (tenant, p) => {
      const mb = box(tenant, p.user);
      const key = `n.${ctx.world.newId()}`;
      const event = eventFromJson(x, mb, [...mb.calendars.values()].find((c) => c.isDefaultCalendar)!.key, p.event ?? {}, key);
      ctx.world.commit(J.eventCreated, tenant, { userId: mb.userId, event, instanceKeys: instanceKeysOf(event) });
      return { id: new IdMinter(mb.userId, false).event(key) };
    },
  });

  ctx.mutation<{ user: string; eventId: string; subject?: string }>({
    name: 'exchange.editEvent',
    description: 'rename an event or series: {user, eventId, subject}',
    run: (tenant, p) => {
      const mb = box(tenant, p.user);
      const d = decodeExchangeId(p.eventId ?? '');
      const e = d && d.kind === 'event' ? mb.events.get(d.key) : undefined;
      if (!e || e.deleted) throw new GraphHttpError(404, 'ErrorItemNotFound', 'No such event.');
      ctx.world.commit(J.eventUpdated, tenant, { userId: mb.userId, key: e.key, patch: { subject: p.subject ?? e.subject }, instanceKeys: instanceKeysOf(e) });
      return { id: p.eventId };
    },
  });

  ctx.mutation<{ user: string; eventId: string }>({
    name: 'exchange.deleteEvent',
    description: 'delete an event or a whole series: {user, eventId}',
    run: (tenant, p) => {
      const mb = box(tenant, p.user);
      const d = decodeExchangeId(p.eventId ?? '');
      const e = d && d.kind === 'event' ? mb.events.get(d.key) : undefined;
      if (!e || e.deleted) throw new GraphHttpError(404, 'ErrorItemNotFound', 'No such event.');
      ctx.world.commit(J.eventDeleted, tenant, { userId: mb.userId, key: e.key, instanceKeys: instanceKeysOf(e) });
      return { deleted: true };
    },
  });

  const tenantOf = (name: string) => {
    const t = ctx.world.tenant(name);
    if (!t) throw new GraphHttpError(404, 'NotFound', `No tenant '${name}'.`);
    return t;
  };

  ctx.control({
    method: 'GET',
    path: '/exchange/tenants/:tenant/mailboxes/:user',
    description: 'a mailbox: folders (ids, paths, counts), contact and event counts',
    handler: (req, res) => {
      const tenant = tenantOf(req.params.tenant);
      const mb = box(tenant, req.params.user);
      const m = new IdMinter(mb.userId, false);
      const pathOf = (f: FolderState): string => (f.parentKey && f.parentKey !== ROOT_KEY && mb.folders.get(f.parentKey) ? `${pathOf(mb.folders.get(f.parentKey)!)}/${f.displayName}` : f.displayName);
      const folders = [...mb.folders.values()]
        .filter((f) => f.key !== ROOT_KEY)
        .map((f) => ({ id: m.folder(f.key), path: pathOf(f), displayName: f.displayName, wellKnownName: f.wellKnownName ?? null, isHidden: f.isHidden, ...store.folderCounts(mb, f) }));
      res.json({
        userId: mb.userId,
        address: mb.address,
        folders,
        contacts: [...mb.contacts.values()].filter((c) => !c.deleted).length,
        events: [...mb.events.values()].filter((e) => !e.deleted).length,
      });
    },
  });

  ctx.control({
    method: 'GET',
    path: '/exchange/tenants/:tenant/mailboxes/:user/messages',
    description: 'message ids of a folder (?folder=id|well-known|path), newest last',
    handler: (req, res) => {
      const tenant = tenantOf(req.params.tenant);
      const mb = box(tenant, req.params.user);
      const f = folderParam(mb, req.query.folder, 'inbox');
      res.json({ value: [...store.messageKeys(mb, f)].map((k) => ({ ...ids(mb, store.message(mb, k)!), subject: store.message(mb, k)!.subject })) });
    },
  });

  ctx.control({
    method: 'POST',
    path: '/exchange/tenants/:tenant/mailboxes/:user/import-eml',
    description: 'import one .eml (raw body) into ?folder=PATH (created if missing); bytes kept exactly (used by import-eml)',
    handler: async (req, res) => {
      const tenant = tenantOf(req.params.tenant);
      const mb = box(tenant, req.params.user);
      const folder = ensureFolderPath(x, tenant, mb, req.query.folder ?? 'Inbox');
      const bytes = await req.body();
      if (!bytes.length) throw new GraphHttpError(400, 'BadRequest', 'Empty .eml body.');
      res.json(await importEml(x, tenant, mb, folder, bytes), 201);
    },
  });
}

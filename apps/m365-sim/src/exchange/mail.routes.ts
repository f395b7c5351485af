/** Graph routes for mail folders and messages (list, get, $value, delta, create, update, move, delete). */
import { Readable } from 'node:stream';
import { ChangeLog, type Change } from '../framework/delta';
import { GraphHttpError } from '../framework/graph-error';
import { filterProperties } from '../framework/odata';
import type { GraphRequest, GraphResponse } from '../framework/sim-types';
import { ExchangeContext, J, notFoundItem } from './exchange-context';
import { IdMinter, renderAttachment, renderFolder, renderMessage } from './exchange-render';
import type { FolderState, MailboxState } from './mailbox-model';
import { MessageView } from './mailbox-store';
import { ROOT_KEY } from './mail-folder-seed';
import { commitMessageCreated, contentFromJson, contentFromMime, decodeStrictBase64, extendedFromJson, flagsFromExtended } from './message-writer';

const READ = ['Mail.Read', 'Mail.ReadWrite'] as const;
const WRITE = ['Mail.ReadWrite'] as const;

/** `/users/{u}[/mailFolders/{f}]/messages/{id}<suffix>` */
export function messagePath(suffix = ''): RegExp {
  // an optional group would capture undefined; an empty alternative keeps the param a string
  return new RegExp(`^/users/(?<userId>[^/]+)(?<folderPart>(?:/mailFolders/[^/]+)?)/messages/(?<messageId>(?!delta$)[^/]+)${suffix}$`, 'i');
}

/** The folder named in a messagePath() match, if any. */
export function folderIdOf(req: GraphRequest): string | undefined {
  const part = req.params.folderPart;
  return part ? part.replace(/^\/mailFolders\//i, '') : undefined;
}

/** Ids in `$expand=singleValueExtendedProperties($filter=id eq '...')`. */
export function expandedExtendedIds(req: GraphRequest): string[] | undefined {
  const e = req.odata.expand;
  if (!e || !/singleValueExtendedProperties/i.test(e)) return undefined;
  return [...e.matchAll(/id\s+eq\s+'([^']+)'/gi)].map((m) => m[1]);
}

/** `$expand=attachments` (full attachments inline, as Graph does). */
function withAttachments(mb: MailboxState, v: MessageView, ids: IdMinter, req: GraphRequest, out: Record<string, unknown>): Record<string, unknown> {
  if (/(^|,)\s*attachments\b/i.test(req.odata.expand ?? '')) out.attachments = v.attachments().map((a) => renderAttachment(v.key, a, ids));
  return out;
}

/** A change log that only shows some kinds of change (`changeType=created|updated|deleted`). */
class KindFilteredLog extends ChangeLog {
  constructor(
    private readonly inner: ChangeLog,
    private readonly keep: (c: Change, from: number) => boolean,
  ) {
    super();
  }

  override get head(): number {
    return this.inner.head;
  }

  override since(from: number, upto?: number): Change[] {
    return this.inner.since(from, upto).filter((c) => this.keep(c, from));
  }
}

function ctxUrl(req: GraphRequest, what: string): string {
  return `${req.baseUrl}/$metadata#users('${encodeURIComponent(req.params.userId)}')/${what}`;
}

export function registerMailRoutes(x: ExchangeContext): void {
  const { ctx, store } = x;
  const throttle = (req: GraphRequest) => x.throttle(req);
  const uploadThrottle = (req: GraphRequest) => x.throttle(req, Number(req.headers['content-length']) || undefined);

  const folderJson = (mb: MailboxState, f: FolderState, ids: IdMinter) => renderFolder(store, mb, f, ids);

  const createFolder = async (req: GraphRequest, res: GraphResponse, parentKey: string) => {
    const { mb, ids } = x.resolve(req);
    const body = await req.json<{ displayName?: string; isHidden?: boolean }>();
    const name = typeof body.displayName === 'string' ? body.displayName.trim() : '';
    if (!name) throw new GraphHttpError(400, 'ErrorInvalidParameter', "The value of the parameter 'DisplayName' is empty.");
    if (store.childFolders(mb, parentKey, true).some((f) => f.displayName.toLowerCase() === name.toLowerCase())) {
      throw new GraphHttpError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
    }
    const key = `n.${ctx.world.newId()}`;
    ctx.world.commit(J.folderCreated, req.tenant, { userId: mb.userId, key, parentKey, displayName: name, isHidden: !!body.isHidden });
    res.json({ '@odata.context': ctxUrl(req, 'mailFolders/$entity'), ...folderJson(mb, mb.folders.get(key)!, ids) }, 201);
  };

  // ---------------------------------------------------------------- folders
  ctx.route({
    name: 'exchange.mailFolders.delta',
    method: 'GET',
    path: '/users/:userId/mailFolders/delta',
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb, ids } = x.resolve(req);
      ctx.delta.respond<string>(req, res, {
        module: 'exchange',
        collection: `mailfolders:${mb.userId}`,
        log: mb.folderLog,
        all: () => store.allFolders(mb, true).map((f) => f.key),
        get: (key) => (mb.folders.has(key) ? key : undefined),
        id: (key) => ids.folder(key),
        render: (key) => folderJson(mb, mb.folders.get(key)!, ids),
        renderRemoved: (key, reason) => ({ id: ids.folder(key), '@removed': { reason } }),
        defaultPageSize: 100,
        maxPageSize: 1000,
        bind: req.odata.select ? { $select: req.odata.select.join(',') } : undefined,
        context: ctxUrl(req, 'mailFolders/$delta'),
      });
    },
  });

  const listFolders = (req: GraphRequest, res: GraphResponse, parentKey: string | undefined) => {
    const { mb, ids } = x.resolve(req);
    const parent = parentKey === undefined ? mb.folders.get(ROOT_KEY)! : x.folder(mb, parentKey);
    const hidden = String(req.query.includeHiddenFolders ?? req.query.includehiddenfolders ?? '').toLowerCase() === 'true';
    ctx.odata.page(req, res, store.childFolders(mb, parent.key, hidden), {
      defaultPageSize: 10,
      maxPageSize: 1000,
      render: (f) => folderJson(mb, f, ids),
      context: ctxUrl(req, parentKey === undefined ? 'mailFolders' : `mailFolders('${parentKey}')/childFolders`),
    });
  };

  ctx.route({
    name: 'exchange.mailFolders.get',
    method: 'GET',
    path: '/users/:userId/mailFolders/:folderId',
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb, ids } = x.resolve(req);
      const f = x.folder(mb, req.params.folderId);
      res.json({ '@odata.context': ctxUrl(req, 'mailFolders/$entity'), ...ctx.odata.applySelect(folderJson(mb, f, ids), req.odata.select) });
    },
  });
  ctx.route({
    name: 'exchange.mailFolders.delete',
    method: 'DELETE',
    path: '/users/:userId/mailFolders/:folderId',
    roles: WRITE,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb } = x.resolve(req);
      const f = x.folder(mb, req.params.folderId);
      if (f.wellKnownName || f.parentKey === null) throw new GraphHttpError(403, 'ErrorDeleteDistinguishedFolder', 'Distinguished folders cannot be deleted.');
      // like Outlook: first into Deleted Items, purged when deleted from there
      let inDeleted = false;
      for (let p: string | null = f.parentKey; p; p = mb.folders.get(p)?.parentKey ?? null) if (p === 'deleteditems') inDeleted = true;
      if (inDeleted) ctx.world.commit(J.folderDeleted, req.tenant, { userId: mb.userId, key: f.key });
      else ctx.world.commit(J.folderMoved, req.tenant, { userId: mb.userId, key: f.key, toParentKey: 'deleteditems' });
      res.empty(204);
    },
  });
  ctx.route({ name: 'exchange.mailFolders.list', method: 'GET', path: '/users/:userId/mailFolders', roles: READ, service: 'outlook', throttle, handler: (req, res) => listFolders(req, res, undefined) });
  ctx.route({ name: 'exchange.mailFolders.create', method: 'POST', path: '/users/:userId/mailFolders', roles: WRITE, service: 'outlook', throttle, handler: (req, res) => createFolder(req, res, ROOT_KEY) });
  ctx.route({
    name: 'exchange.mailFolders.children',
    method: 'GET',
    path: '/users/:userId/mailFolders/:folderId/childFolders',
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => listFolders(req, res, req.params.folderId),
  });
  ctx.route({
    name: 'exchange.mailFolders.createChild',
    method: 'POST',
    path: '/users/:userId/mailFolders/:folderId/childFolders',
    roles: WRITE,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb } = x.resolve(req);
      return createFolder(req, res, x.folder(mb, req.params.folderId).key);
    },
  });

  // ---------------------------------------------------------------- message delta (before /messages/:id)
  ctx.route({
    name: 'exchange.messages.delta',
    method: 'GET',
    path: '/users/:userId/mailFolders/:folderId/messages/delta',
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb, ids } = x.resolve(req);
      const f = x.folder(mb, req.params.folderId);
      const received = receivedFilter(req);
      const changeType = (req.query.changeType ?? req.query.changetype ?? '').toLowerCase();
      if (changeType && !['created', 'updated', 'deleted'].includes(changeType)) throw new GraphHttpError(400, 'ErrorInvalidUrlQuery', `Invalid changeType '${changeType}'.`);
      const log =
        changeType === 'created'
          ? // arrived in this round, even if changed again since
            new KindFilteredLog(f.log, (c, from) => c.kind === 'created' || (c.kind === 'updated' && (f.arrived.get(c.id) ?? 0) > from))
          : changeType === 'updated'
            ? new KindFilteredLog(f.log, (c, from) => c.kind === 'updated' && (f.arrived.get(c.id) ?? 0) <= from)
            : changeType === 'deleted'
              ? new KindFilteredLog(f.log, (c) => c.kind === 'deleted' || c.kind === 'changed')
              : f.log;
      if (req.prefer.immutableId) res.header('Preference-Applied', 'IdType="ImmutableId"');
      const live = (key: string) => (store.folderOfMessage(mb, key) === f.key ? store.message(mb, key) : undefined);
      const here = (key: string) => store.folderOfMessage(mb, key) === f.key;
      const idCache = new Map<string, string>();
      const bind: Record<string, string> = {};
      if (req.odata.select) bind.$select = req.odata.select.join(',');
      if (req.odata.filter) bind.$filter = req.odata.filter;
      if (changeType) bind.changeType = changeType;
      const extendedIds = expandedExtendedIds(req);
      if (req.odata.expand) bind.$expand = req.odata.expand;
      ctx.delta.respond<string>(req, res, {
        module: 'exchange',
        collection: `mail:${mb.userId}:${f.key}${ids.immutable ? ':immutable' : ''}`,
        log,
        all: () => [...store.messageKeys(mb, f)].filter((k) => !received || received(store.receivedOf(mb, k))),
        // moved elsewhere => out of scope => @removed 'changed'; soft-deleted (in Recoverable Items) => 'deleted'
        get: (key) => (f.log.last(key)?.kind !== 'deleted' && store.folderOfMessage(mb, key) ? key : undefined),
        id: (key) => {
          // the framework sorts by id; encode each once
          let id = idCache.get(key);
          if (id === undefined) idCache.set(key, (id = ids.message({ key, folderKey: f.key })));
          return id;
        },
        inScope: (key) => here(key) && (!received || received(store.receivedOf(mb, key))),
        render: (key) => ({ '@odata.type': '#microsoft.graph.message', ...renderMessage(mb, live(key)!, ids, { select: req.odata.select ?? bind.$select?.split(','), extendedIds }) }),
        renderRemoved: (key, reason) => ({ '@odata.type': '#microsoft.graph.message', id: ids.message({ key, folderKey: f.key }), '@removed': { reason } }),
        defaultPageSize: 10,
        maxPageSize: 1000,
        bind,
        context: ctxUrl(req, `mailFolders('${req.params.folderId}')/messages/$delta`),
      });
    },
  });

  // ---------------------------------------------------------------- message lists
  const listMessages = (req: GraphRequest, res: GraphResponse, folders: FolderState[], mb: MailboxState, ids: IdMinter) => {
    if (req.prefer.immutableId) res.header('Preference-Applied', 'IdType="ImmutableId"');
    let keys: string[] = [];
    for (const f of folders) for (const k of store.messageKeys(mb, f)) keys.push(k);
    const extendedIds = expandedExtendedIds(req);
    if (req.odata.filter) {
      const ast = ctx.odata.parseFilter(req.odata.filter);
      if (filterProperties(ast).every((p) => p.toLowerCase() === 'receiveddatetime')) {
        // the common backup filter needs no message at all
        keys = keys.filter((k) => !!ctx.odata.evalFilter(ast, { receivedDateTime: store.receivedOf(mb, k) }));
      } else {
        // other filters run on the rendering without bodies
        keys = keys.filter((k) => !!ctx.odata.evalFilter(ast, renderMessage(mb, store.message(mb, k)!, ids, { select: ['id'] })));
      }
    }
    const ob = req.odata.orderby?.[0];
    const desc = ob ? ob.desc : true;
    if (!ob || ob.prop.toLowerCase() === 'receiveddatetime') {
      const at = new Map(keys.map((k) => [k, store.receivedOf(mb, k)]));
      keys.sort((a, b) => {
        const c = at.get(a)! < at.get(b)! ? -1 : at.get(a)! > at.get(b)! ? 1 : a < b ? -1 : 1;
        return desc ? -c : c;
      });
    }
    ctx.odata.page(req, res, keys, {
      defaultPageSize: 10,
      maxPageSize: 1000,
      render: (k) => {
        const v = store.message(mb, k)!;
        return withAttachments(mb, v, ids, req, renderMessage(mb, v, ids, { select: req.odata.select, extendedIds }));
      },
      applyFilter: false,
      applyOrderBy: !!ob && ob.prop.toLowerCase() !== 'receiveddatetime',
      context: ctxUrl(req, 'messages'),
    });
  };

  ctx.route({
    name: 'exchange.messages.list',
    method: 'GET',
    path: '/users/:userId/mailFolders/:folderId/messages',
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb, ids } = x.resolve(req);
      listMessages(req, res, [x.folder(mb, req.params.folderId)], mb, ids);
    },
  });
  ctx.route({
    name: 'exchange.messages.listAll',
    method: 'GET',
    path: '/users/:userId/messages',
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb, ids } = x.resolve(req);
      listMessages(req, res, store.allFolders(mb, true), mb, ids);
    },
  });

  // ---------------------------------------------------------------- create
  const createMessage = async (req: GraphRequest, res: GraphResponse, folderParam: string | undefined) => {
    const { mb, ids } = x.resolve(req);
    const folder = folderParam === undefined ? store.folder(mb, 'drafts')! : x.folder(mb, folderParam);
    const at = new Date().toISOString();
    const type = String(req.headers['content-type'] ?? '').toLowerCase();
    let key: string;
    if (type.startsWith('text/plain')) {
      const mime = decodeStrictBase64((await req.body()).toString('latin1'));
      const { content, attachments } = await contentFromMime(x, mime, at);
      // MIME uploads become drafts (PR_MESSAGE_FLAGS unsent) until their flags are set
      key = commitMessageCreated(x, req.tenant, mb, folder, content, attachments, { isRead: true, isDraft: true }, {}, at);
    } else {
      const json = await req.json<Record<string, any>>();
      const content = contentFromJson(x, mb, json, at);
      const extended = extendedFromJson(json.singleValueExtendedProperties);
      const flags = { isRead: true, isDraft: true, ...flagsFromExtended(extended) };
      if (typeof json.isRead === 'boolean' && !extended) flags.isRead = json.isRead;
      key = commitMessageCreated(x, req.tenant, mb, folder, content, [], flags, { flag: json.flag, categories: Array.isArray(json.categories) ? json.categories : undefined, extended }, at);
    }
    if (req.prefer.immutableId) res.header('Preference-Applied', 'IdType="ImmutableId"');
    res.json({ '@odata.context': ctxUrl(req, 'messages/$entity'), ...renderMessage(mb, store.message(mb, key)!, ids) }, 201);
  };
  ctx.route({ name: 'exchange.messages.create', method: 'POST', path: '/users/:userId/mailFolders/:folderId/messages', roles: WRITE, service: 'outlook', throttle: uploadThrottle, handler: (req, res) => createMessage(req, res, req.params.folderId) });
  ctx.route({ name: 'exchange.messages.createDraft', method: 'POST', path: '/users/:userId/messages', roles: WRITE, service: 'outlook', throttle: uploadThrottle, handler: (req, res) => createMessage(req, res, undefined) });

  // ---------------------------------------------------------------- single message
  ctx.route({
    name: 'exchange.messages.value',
    method: 'GET',
    path: messagePath('/\\$value'),
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb } = x.resolve(req);
      const v = x.message(mb, req.params.messageId, folderIdOf(req));
      res.stream(Readable.from(v.mimeChunks()), { contentType: 'text/plain', length: v.mimeSize() });
    },
  });

  ctx.route({
    name: 'exchange.messages.move',
    method: 'POST',
    path: messagePath('/(?:microsoft\\.graph\\.)?move'),
    roles: WRITE,
    service: 'outlook',
    throttle,
    handler: async (req, res) => {
      const { mb, ids } = x.resolve(req);
      const v = x.message(mb, req.params.messageId, folderIdOf(req));
      const body = await req.json<{ destinationId?: string }>();
      if (!body.destinationId) throw new GraphHttpError(400, 'ErrorInvalidParameter', "The value of the parameter 'DestinationId' is empty.");
      const to = x.folder(mb, body.destinationId);
      if (to.key !== v.folderKey) ctx.world.commit(J.messageMoved, req.tenant, { userId: mb.userId, key: v.key, toFolderKey: to.key });
      if (req.prefer.immutableId) res.header('Preference-Applied', 'IdType="ImmutableId"');
      res.json({ '@odata.context': ctxUrl(req, 'messages/$entity'), ...renderMessage(mb, store.message(mb, v.key)!, ids) }, 201);
    },
  });

  ctx.route({
    name: 'exchange.messages.get',
    method: 'GET',
    path: messagePath(),
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb, ids } = x.resolve(req);
      const v = x.message(mb, req.params.messageId, folderIdOf(req));
      if (ctx.faults.vanish('exchange.messages.get')) {
        // a user deleted it between the list and this fetch
        ctx.world.commit(J.messageMoved, req.tenant, { userId: mb.userId, key: v.key, toFolderKey: 'recoverableitemsdeletions', reason: 'deleted' });
        throw notFoundItem();
      }
      if (req.prefer.immutableId) res.header('Preference-Applied', 'IdType="ImmutableId"');
      const out = withAttachments(mb, v, ids, req, renderMessage(mb, v, ids, { select: req.odata.select, extendedIds: expandedExtendedIds(req) }));
      const selected = ctx.odata.applySelect(out, req.odata.select);
      if (out.attachments) selected.attachments = out.attachments;
      res.json({ '@odata.context': ctxUrl(req, 'messages/$entity'), ...selected });
    },
  });

  ctx.route({
    name: 'exchange.messages.update',
    method: 'PATCH',
    path: messagePath(),
    roles: WRITE,
    service: 'outlook',
    throttle,
    handler: async (req, res) => {
      const { mb, ids } = x.resolve(req);
      const v = x.message(mb, req.params.messageId, folderIdOf(req));
      const body = await req.json<Record<string, any>>();
      const patch: Record<string, unknown> = { userId: mb.userId, key: v.key };
      if (body.isRead !== undefined) {
        if (typeof body.isRead !== 'boolean') throw new GraphHttpError(400, 'ErrorInvalidProperty', "Invalid value for property 'isRead'.");
        patch.isRead = body.isRead;
      }
      if (body.flag !== undefined) {
        const status = body.flag?.flagStatus;
        if (!['notFlagged', 'flagged', 'complete'].includes(status)) throw new GraphHttpError(400, 'ErrorInvalidProperty', "Invalid value for property 'flag'.");
        patch.flag = body.flag;
      }
      if (body.categories !== undefined) {
        if (!Array.isArray(body.categories)) throw new GraphHttpError(400, 'ErrorInvalidProperty', "Invalid value for property 'categories'.");
        patch.categories = body.categories.map(String);
      }
      if (body.importance !== undefined) {
        if (!['low', 'normal', 'high'].includes(body.importance)) throw new GraphHttpError(400, 'ErrorInvalidProperty', "Invalid value for property 'importance'.");
        patch.importance = body.importance;
      }
      const extended = extendedFromJson(body.singleValueExtendedProperties);
      if (extended) {
        patch.extended = extended;
        const flags = flagsFromExtended(extended);
        // PR_MESSAGE_FLAGS can still be set while the item has never been sent (a restored draft)
        if (v.isDraft && flags.isDraft !== undefined) patch.isDraft = flags.isDraft;
        if (flags.isRead !== undefined && patch.isRead === undefined) patch.isRead = flags.isRead;
      }
      if (typeof body.subject === 'string' || body.body) {
        if (!v.isDraft && body.body) throw new GraphHttpError(400, 'ErrorInvalidPropertyUpdateSentMessage', 'Update operation is not allowed for the property body of a sent message.');
        const content: Record<string, unknown> = {};
        if (typeof body.subject === 'string') content.subject = body.subject;
        if (body.body) {
          const c = contentFromJson(x, mb, { body: body.body }, new Date().toISOString());
          Object.assign(content, { bodyBlob: c.bodyBlob, bodyContentType: c.bodyContentType, bodyPreview: c.bodyPreview });
        }
        patch.content = content;
      }
      ctx.world.commit(J.messageUpdated, req.tenant, patch);
      if (req.prefer.immutableId) res.header('Preference-Applied', 'IdType="ImmutableId"');
      res.json({ '@odata.context': ctxUrl(req, 'messages/$entity'), ...renderMessage(mb, store.message(mb, v.key)!, ids) });
    },
  });

  ctx.route({
    name: 'exchange.messages.delete',
    method: 'DELETE',
    path: messagePath(),
    roles: WRITE,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb } = x.resolve(req);
      const v = x.message(mb, req.params.messageId, folderIdOf(req));
      // a Graph delete is a soft delete: the item goes to Recoverable Items\Deletions
      if (v.folderKey === 'recoverableitemsdeletions') ctx.world.commit(J.messageDeleted, req.tenant, { userId: mb.userId, key: v.key });
      else ctx.world.commit(J.messageMoved, req.tenant, { userId: mb.userId, key: v.key, toFolderKey: 'recoverableitemsdeletions', reason: 'deleted' });
      res.empty(204);
    },
  });
}

/** Mail delta accepts only `receivedDateTime ge|gt <date>` (Graph's rule). */
function receivedFilter(req: GraphRequest): ((received: string) => boolean) | undefined {
  const src = req.odata.filter;
  if (!src) return undefined;
  const m = /^\s*receivedDateTime\s+(ge|gt)\s+([0-9T:.\-+Z]+)\s*$/i.exec(src);
  const props = (() => {
    try {
      return filterProperties(parseFilterSafe(src));
    } catch {
      return ['?'];
    }
  })();
  if (!m || props.some((p) => p.toLowerCase() !== 'receiveddatetime')) {
    throw new GraphHttpError(400, 'ErrorInvalidUrlQueryFilter', 'The query filter contains one or more invalid nodes.');
  }
  const bound = Date.parse(m[2]);
  if (Number.isNaN(bound)) throw new GraphHttpError(400, 'ErrorInvalidUrlQueryFilter', 'The query filter contains one or more invalid nodes.');
  return m[1].toLowerCase() === 'ge' ? (r) => Date.parse(r) >= bound : (r) => Date.parse(r) > bound;
}

// parseFilter lives on the ODataApi; the module import keeps this file free of context
import { parseFilter as parseFilterSafe } from '../framework/odata';

export type { MessageView };

/** Message attachments: list, get, $value, add (< 3 MB), delete, and upload sessions (3-150 MB). */
import { Readable } from 'node:stream';
import { GraphHttpError } from '../framework/graph-error';
import type { GraphRequest, GraphResponse } from '../framework/sim-types';
import { ExchangeContext, J, notFoundItem } from './exchange-context';
import { decodeExchangeId } from './exchange-ids';
import { renderAttachment, renderMessage } from './exchange-render';
import type { AttachmentRecord, MailboxState } from './mailbox-model';
import { AttachmentView, MessageView } from './mailbox-store';
import { buildMime } from './mime-builder';
import { contentFromJson } from './message-writer';
import { folderIdOf, messagePath } from './mail.routes';

const READ = ['Mail.Read', 'Mail.ReadWrite'] as const;
const WRITE = ['Mail.ReadWrite'] as const;
export const SIMPLE_ATTACHMENT_LIMIT = 3 * 1024 * 1024;
export const UPLOAD_SESSION_LIMIT = 150 * 1024 * 1024;

interface UploadSession {
  tenantId: string;
  appId: string;
  userId: string;
  messageKey: string;
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  contentId?: string;
  chunks: Buffer[];
  received: number;
  expires: number;
}

export function registerAttachmentRoutes(x: ExchangeContext): void {
  const { ctx, store } = x;
  const throttle = (req: GraphRequest) => x.throttle(req);
  const sessions = new Map<string, UploadSession>();
  /** Attachment bodies count against the mailbox's upload budget too. */
  const uploadThrottle = (req: GraphRequest) => x.throttle(req, Number(req.headers['content-length']) || undefined);

  const findAttachment = (mb: MailboxState, v: MessageView, attachmentId: string): AttachmentView => {
    const d = decodeExchangeId(attachmentId);
    if (!d) throw new GraphHttpError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
    const slash = d.key.lastIndexOf('/');
    if (d.kind !== 'attachment' || d.userId !== mb.userId || d.key.slice(0, slash) !== v.key) throw notFoundItem();
    const a = v.attachments().find((x) => x.key === d.key.slice(slash + 1));
    if (!a) throw notFoundItem();
    return a;
  };

  const withItem = (req: GraphRequest) => /itemattachment\/item/i.test(req.odata.expand ?? '');

  const attachmentJson = (req: GraphRequest, mb: MailboxState, v: MessageView, a: AttachmentView, ids: ReturnType<ExchangeContext['resolve']>['ids']) => {
    const out = renderAttachment(v.key, a, ids, !req.odata.select || req.odata.select.some((s) => s.toLowerCase() === 'contentbytes'));
    if (a.type === 'item' && a.item && withItem(req)) out.item = { '@odata.type': '#microsoft.graph.message', ...renderMessage(mb, a.item(), ids) };
    return out;
  };

  ctx.route({
    name: 'exchange.attachments.createUploadSession',
    method: 'POST',
    path: messagePath('/attachments/(?:microsoft\\.graph\\.)?createUploadSession'),
    roles: WRITE,
    service: 'outlook',
    throttle,
    handler: async (req, res) => {
      const { mb } = x.resolve(req);
      const v = x.message(mb, req.params.messageId, folderIdOf(req));
      const body = await req.json<{ AttachmentItem?: Record<string, any>; attachmentItem?: Record<string, any> }>();
      const item = body.AttachmentItem ?? body.attachmentItem;
      if (!item || typeof item.name !== 'string' || !Number.isInteger(item.size) || item.size < 0) {
        throw new GraphHttpError(400, 'ErrorInvalidRequest', 'AttachmentItem with name and size is required.');
      }
      if ((item.attachmentType ?? 'file') !== 'file') throw new GraphHttpError(400, 'ErrorInvalidRequest', 'Only file attachments can be uploaded in a session.');
      if (item.size > UPLOAD_SESSION_LIMIT) throw new GraphHttpError(400, 'ErrorAttachmentSizeLimitExceeded', 'The attachment exceeds the maximum size of 150 MB.');
      const id = ctx.world.newId();
      const expires = Date.now() + 6 * 3600_000;
      sessions.set(id, {
        tenantId: req.tenant.id,
        appId: req.app.appId,
        userId: mb.userId,
        messageKey: v.key,
        name: item.name,
        contentType: item.contentType ?? 'application/octet-stream',
        size: item.size,
        isInline: !!item.isInline,
        contentId: item.contentId,
        chunks: [],
        received: 0,
        expires,
      });
      const token = ctx.content.sign({ s: id, t: req.tenant.id, a: req.app.appId, u: mb.userId }, 6 * 3600);
      res.json(
        {
          '@odata.context': `${req.baseUrl}/$metadata#microsoft.graph.uploadSession`,
          uploadUrl: ctx.content.url(`exchange/upload/${token}`),
          expirationDateTime: new Date(expires).toISOString(),
          nextExpectedRanges: ['0-'],
        },
        201,
      );
    },
  });

  ctx.contentRoute({
    name: 'exchange.attachments.uploadChunk',
    method: 'PUT',
    path: 'exchange/upload/:token',
    throttle: ((req: { params: Record<string, string>; headers: Record<string, unknown> }) => {
      const p = ctx.content.verify<{ t: string; a: string; u: string }>(req.params.token);
      if (!p) return undefined;
      const bytes = Number(req.headers['content-length'] ?? 0) || 0;
      return { tenantId: p.t, appId: p.a, scopes: [{ kind: 'outlook', mailbox: p.u.toLowerCase(), uploadBytes: bytes }] };
    }) as never,
    handler: async (req, res: GraphResponse) => {
      const p = ctx.content.verify<{ s: string; t: string }>(req.params.token);
      const s = p && sessions.get(p.s);
      if (!p || !s || s.expires < Date.now()) throw new GraphHttpError(404, 'ErrorItemNotFound', 'The upload session was not found or has expired.');
      const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
      const chunk = await req.body();
      if (!range) throw new GraphHttpError(400, 'ErrorInvalidContentRange', 'The Content-Range header is missing or malformed.');
      const [from, to, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
      if (total !== s.size || from !== s.received || to < from || to - from + 1 !== chunk.length || to >= s.size) {
        throw new GraphHttpError(416, 'ErrorInvalidContentRange', `The Content-Range is not the next expected range ${s.received}-.`);
      }
      s.chunks.push(chunk);
      s.received += chunk.length;
      if (s.received < s.size) {
        res.json({ expirationDateTime: new Date(s.expires).toISOString(), nextExpectedRanges: [`${s.received}-`] }, 200);
        return;
      }
      sessions.delete(p.s);
      const tenant = ctx.world.tenant(s.tenantId)!;
      const data = Buffer.concat(s.chunks);
      const attachment: AttachmentRecord = {
        key: `u${ctx.world.newId()}`,
        type: 'file',
        name: s.name,
        contentType: s.contentType,
        size: data.length,
        isInline: s.isInline,
        contentId: s.contentId,
        blob: ctx.world.blobs.put(data),
        lastModifiedDateTime: new Date().toISOString(),
      };
      ctx.world.commit(J.attachmentAdded, tenant, { userId: s.userId, key: s.messageKey, attachment });
      const mb = store.mailboxById(tenant, s.userId);
      const ids = x.resolveIds(s.userId);
      const location = `${ctx.content.baseUrl.replace(/\/\/[^/]+/, '//outlook.office.com')}/api/v2.0/Users('${s.userId}')/Messages('${ids.message(store.message(mb, s.messageKey)!)}')/Attachments('${ids.attachment(s.messageKey, attachment.key)}')`;
      res.header('Location', location);
      res.empty(201);
    },
  });

  ctx.route({
    name: 'exchange.attachments.value',
    method: 'GET',
    path: messagePath('/attachments/(?<attachmentId>[^/]+)/\\$value'),
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb } = x.resolve(req);
      const v = x.message(mb, req.params.messageId, folderIdOf(req));
      const a = findAttachment(mb, v, req.params.attachmentId);
      if (a.type === 'reference') throw new GraphHttpError(400, 'ErrorInvalidRequest', 'Reference attachments have no content.');
      const bytes = a.bytes();
      res.stream(Readable.from([bytes]), { contentType: a.type === 'item' ? 'text/plain' : a.contentType, length: bytes.length });
    },
  });

  ctx.route({
    name: 'exchange.attachments.get',
    method: 'GET',
    path: messagePath('/attachments/(?<attachmentId>[^/]+)'),
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb, ids } = x.resolve(req);
      const v = x.message(mb, req.params.messageId, folderIdOf(req));
      const a = findAttachment(mb, v, req.params.attachmentId);
      const out = attachmentJson(req, mb, v, a, ids);
      res.json({ '@odata.context': `${req.baseUrl}/$metadata#users('${req.params.userId}')/messages('${req.params.messageId}')/attachments/$entity`, ...ctx.odata.applySelect(out, req.odata.select) });
    },
  });

  ctx.route({
    name: 'exchange.attachments.delete',
    method: 'DELETE',
    path: messagePath('/attachments/(?<attachmentId>[^/]+)'),
    roles: WRITE,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb } = x.resolve(req);
      const v = x.message(mb, req.params.messageId, folderIdOf(req));
      const a = findAttachment(mb, v, req.params.attachmentId);
      ctx.world.commit(J.attachmentDeleted, req.tenant, { userId: mb.userId, key: v.key, attachmentKey: a.key });
      res.empty(204);
    },
  });

  const addAttachment = async (req: GraphRequest, res: GraphResponse) => {
    const { mb, ids } = x.resolve(req);
    const v = x.message(mb, req.params.messageId, folderIdOf(req));
    const body = await req.json<Record<string, any>>();
    const type = String(body['@odata.type'] ?? '#microsoft.graph.fileAttachment').replace(/^#?microsoft\.graph\./i, '').toLowerCase();
    const at = new Date().toISOString();
    const name = typeof body.name === 'string' ? body.name : '';
    let attachment: AttachmentRecord;
    if (type === 'fileattachment') {
      if (typeof body.contentBytes !== 'string') throw new GraphHttpError(400, 'ErrorInvalidRequest', 'contentBytes is required for a file attachment.');
      const data = Buffer.from(body.contentBytes, 'base64');
      if (data.length > SIMPLE_ATTACHMENT_LIMIT) {
        throw new GraphHttpError(413, 'ErrorRequestEntityTooLarge', 'The attachment is larger than 3 MB; use an upload session.');
      }
      attachment = { key: `u${ctx.world.newId()}`, type: 'file', name: name || 'attachment', contentType: body.contentType ?? 'application/octet-stream', size: data.length, isInline: !!body.isInline, contentId: body.contentId ?? undefined, blob: ctx.world.blobs.put(data), lastModifiedDateTime: at };
    } else if (type === 'itemattachment') {
      const item = body.item && typeof body.item === 'object' ? body.item : {};
      const content = contentFromJson(x, mb, item, at);
      const mime = buildMime({
        key: 'item', folderKey: '', subject: content.subject, from: content.from, sender: content.sender, toRecipients: content.toRecipients, ccRecipients: content.ccRecipients,
        bccRecipients: [], replyTo: [], sentDateTime: content.sentDateTime, receivedDateTime: content.receivedDateTime, createdDateTime: at, lastModifiedDateTime: at,
        internetMessageId: content.internetMessageId, conversationKey: content.conversationKey, importance: content.importance, isRead: true, isDraft: false,
        flag: { flagStatus: 'notFlagged' }, categories: [], version: 1, extended: {}, hasAttachments: false,
        body: () => ({ contentType: content.bodyContentType, content: ctx.world.blobs.get(content.bodyBlob).toString('utf8') }),
        bodyPreview: () => content.bodyPreview, attachments: () => [], internetMessageHeaders: () => [], mimeSize: () => 0, mimeChunks: () => [],
      });
      attachment = { key: `u${ctx.world.newId()}`, type: 'item', name: name || content.subject, contentType: 'message/rfc822', size: mime.length, isInline: false, blob: ctx.world.blobs.put(mime), lastModifiedDateTime: at };
    } else if (type === 'referenceattachment') {
      attachment = { key: `u${ctx.world.newId()}`, type: 'reference', name: name || 'link', contentType: body.contentType ?? 'application/octet-stream', size: 0, isInline: false, lastModifiedDateTime: at };
    } else throw new GraphHttpError(400, 'ErrorInvalidRequest', `Unsupported attachment type '${body['@odata.type']}'.`);
    ctx.world.commit(J.attachmentAdded, req.tenant, { userId: mb.userId, key: v.key, attachment });
    res.json({ '@odata.context': `${req.baseUrl}/$metadata#users('${req.params.userId}')/messages('${req.params.messageId}')/attachments/$entity`, ...renderAttachment(v.key, store.attachmentViewOfRecord(attachment), ids) }, 201);
  };

  ctx.route({ name: 'exchange.attachments.create', method: 'POST', path: messagePath('/attachments'), roles: WRITE, service: 'outlook', throttle: uploadThrottle, handler: addAttachment });

  ctx.route({
    name: 'exchange.attachments.list',
    method: 'GET',
    path: messagePath('/attachments'),
    roles: READ,
    service: 'outlook',
    throttle,
    handler: (req, res) => {
      const { mb, ids } = x.resolve(req);
      const v = x.message(mb, req.params.messageId, folderIdOf(req));
      ctx.odata.page(req, res, v.attachments(), {
        defaultPageSize: 100,
        maxPageSize: 1000,
        render: (a) => attachmentJson(req, mb, v, a, ids),
        context: `${req.baseUrl}/$metadata#users('${req.params.userId}')/messages('${req.params.messageId}')/attachments`,
      });
    },
  });
}

/** Creating messages from MIME or JSON (Graph writes, import-eml, control mutations). */
import { GraphHttpError } from '../framework/graph-error';
import type { TenantState } from '../framework/world';
import { ExchangeContext, J } from './exchange-context';
import type { AttachmentRecord, FolderState, MailboxState, RecipientJson, StoredContent } from './mailbox-model';
import { MESSAGE_FLAGS_ID, normaliseExtendedId } from './mailbox-store';
import { previewOf } from './mime-generator';
import { parseMime } from './mime-parser';

/** Strict base64 (line breaks allowed), as Exchange checks MIME uploads. */
export function decodeStrictBase64(text: string): Buffer {
  const compact = text.replace(/[\r\n\t ]/g, '');
  if (!compact || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw new GraphHttpError(400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');
  }
  return Buffer.from(compact, 'base64');
}

function htmlToText(html: string): string {
  return html.replace(/<(style|script|head)[^>]*>[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ').replace(/&nbsp;/g, ' ');
}

export interface CreateFlags {
  isRead: boolean;
  isDraft: boolean;
}

/** Content and attachments of MIME bytes (blobs written before the journal entry). */
export async function contentFromMime(x: ExchangeContext, bytes: Buffer, at: string): Promise<{ content: StoredContent; attachments: AttachmentRecord[] }> {
  const blobs = x.ctx.world.blobs;
  let parsed;
  try {
    parsed = await parseMime(bytes);
  } catch {
    throw new GraphHttpError(400, 'ErrorMimeContentInvalid', 'The MIME content is invalid.');
  }
  const mimeBlob = blobs.put(bytes);
  const attachments: AttachmentRecord[] = parsed.attachments.map((a, i) => ({
    key: `m${i}`,
    type: a.contentType === 'message/rfc822' ? 'item' : 'file',
    name: a.name,
    contentType: a.contentType,
    size: a.size,
    isInline: a.isInline,
    contentId: a.contentId,
    blob: blobs.put(a.content),
    lastModifiedDateTime: at,
  }));
  const content: StoredContent = {
    subject: parsed.subject,
    from: parsed.from,
    sender: parsed.sender,
    toRecipients: parsed.toRecipients,
    ccRecipients: parsed.ccRecipients,
    bccRecipients: parsed.bccRecipients,
    replyTo: parsed.replyTo,
    sentDateTime: parsed.sentDateTime,
    receivedDateTime: parsed.receivedDateTime ?? at,
    internetMessageId: parsed.internetMessageId,
    conversationKey: parsed.references[0] ?? parsed.inReplyTo ?? parsed.internetMessageId ?? mimeBlob,
    importance: parsed.importance,
    bodyContentType: parsed.body.contentType,
    bodyBlob: blobs.put(Buffer.from(parsed.body.content, 'utf8')),
    bodyPreview: parsed.bodyPreview,
    internetMessageHeaders: parsed.internetMessageHeaders,
    mimeBlob,
    mimeSize: bytes.length,
  };
  return { content, attachments };
}

function recipients(v: unknown): RecipientJson[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter((r) => r && typeof r === 'object' && (r as RecipientJson).emailAddress)
    .map((r) => ({ emailAddress: { name: String((r as RecipientJson).emailAddress.name ?? (r as RecipientJson).emailAddress.address ?? ''), address: String((r as RecipientJson).emailAddress.address ?? '') } }));
}

/** Content of a Graph message JSON (POST messages, itemAttachment items). */
export function contentFromJson(x: ExchangeContext, mb: MailboxState, json: Record<string, any>, at: string): StoredContent {
  const body = json.body && typeof json.body === 'object' ? json.body : { contentType: 'text', content: '' };
  const contentType: 'html' | 'text' = String(body.contentType ?? 'text').toLowerCase() === 'html' ? 'html' : 'text';
  const content = String(body.content ?? '');
  const owner = { emailAddress: { name: mb.displayName, address: mb.address } };
  const from = recipients(json.from ? [json.from] : [])[0] ?? owner;
  const importance = ['low', 'normal', 'high'].includes(String(json.importance).toLowerCase()) ? (String(json.importance).toLowerCase() as 'low' | 'normal' | 'high') : 'normal';
  return {
    subject: typeof json.subject === 'string' ? json.subject : '',
    from,
    sender: recipients(json.sender ? [json.sender] : [])[0] ?? from,
    toRecipients: recipients(json.toRecipients),
    ccRecipients: recipients(json.ccRecipients),
    bccRecipients: recipients(json.bccRecipients),
    replyTo: recipients(json.replyTo),
    sentDateTime: typeof json.sentDateTime === 'string' ? json.sentDateTime : undefined,
    receivedDateTime: typeof json.receivedDateTime === 'string' ? json.receivedDateTime : at,
    internetMessageId: typeof json.internetMessageId === 'string' ? json.internetMessageId : `<${x.ctx.world.newId()}@${mb.address.split('@')[1]}>`,
    conversationKey: typeof json.internetMessageId === 'string' ? json.internetMessageId : x.ctx.world.newId(),
    importance,
    bodyContentType: contentType,
    bodyBlob: x.ctx.world.blobs.put(Buffer.from(content, 'utf8')),
    bodyPreview: previewOf(contentType === 'html' ? htmlToText(content) : content),
  };
}

/** singleValueExtendedProperties of a request body, keyed by normalised id. */
export function extendedFromJson(v: unknown): Record<string, { id: string; value: string }> | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: Record<string, { id: string; value: string }> = {};
  for (const p of v) {
    if (!p || typeof p !== 'object' || typeof (p as any).id !== 'string') throw new GraphHttpError(400, 'ErrorInvalidExtendedPropertyValue', 'Invalid extended property.');
    out[normaliseExtendedId((p as any).id)] = { id: (p as any).id, value: String((p as any).value ?? '') };
  }
  return out;
}

/** isRead/isDraft implied by PR_MESSAGE_FLAGS when a client sets it (read 0x1, unsent 0x8). */
export function flagsFromExtended(ext: Record<string, { id: string; value: string }> | undefined): Partial<CreateFlags> {
  const f = ext?.[MESSAGE_FLAGS_ID];
  if (!f) return {};
  const n = Number(f.value);
  if (!Number.isInteger(n)) throw new GraphHttpError(400, 'ErrorInvalidExtendedPropertyValue', `Invalid value '${f.value}' for property ${f.id}.`);
  return { isRead: (n & 1) !== 0, isDraft: (n & 8) !== 0 };
}

export function commitMessageCreated(
  x: ExchangeContext,
  tenant: TenantState,
  mb: MailboxState,
  folder: FolderState,
  content: StoredContent,
  attachments: AttachmentRecord[],
  flags: CreateFlags,
  extra: { flag?: any; categories?: string[]; extended?: Record<string, { id: string; value: string }> } = {},
  at?: string,
): string {
  const key = `n.${x.ctx.world.newId()}`;
  x.ctx.world.commit(J.messageCreated, tenant, { userId: mb.userId, key, folderKey: folder.key, content, isRead: flags.isRead, isDraft: flags.isDraft, attachments, ...extra }, at);
  return key;
}

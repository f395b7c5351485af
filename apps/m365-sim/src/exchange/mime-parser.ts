import PostalMime from 'postal-mime';
import { previewOf } from './mime-generator';

/** Graph message properties derived from MIME bytes (what Exchange shows for an imported .eml). */
export interface ParsedRecipient {
  readonly emailAddress: { readonly name: string; readonly address: string };
}

export interface ParsedAttachment {
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  readonly isInline: boolean;
  readonly contentId?: string;
  readonly content: Buffer;
}

export interface ParsedMessage {
  readonly subject: string;
  readonly from?: ParsedRecipient;
  readonly sender?: ParsedRecipient;
  readonly toRecipients: ParsedRecipient[];
  readonly ccRecipients: ParsedRecipient[];
  readonly bccRecipients: ParsedRecipient[];
  readonly replyTo: ParsedRecipient[];
  readonly sentDateTime?: string;
  readonly receivedDateTime?: string;
  readonly internetMessageId?: string;
  readonly inReplyTo?: string;
  readonly references: string[];
  readonly importance: 'low' | 'normal' | 'high';
  readonly body: { readonly contentType: 'html' | 'text'; readonly content: string };
  readonly bodyPreview: string;
  readonly hasAttachments: boolean;
  readonly attachments: ParsedAttachment[];
  readonly internetMessageHeaders: Array<{ name: string; value: string }>;
}

type PmAddress = PostalMime.Address;

function flatten(list: readonly PmAddress[] | undefined): ParsedRecipient[] {
  const out: ParsedRecipient[] = [];
  for (const a of list ?? []) {
    if (a.group) for (const m of a.group) out.push({ emailAddress: { name: m.name || m.address, address: m.address } });
    else if (a.address) out.push({ emailAddress: { name: a.name || a.address, address: a.address } });
  }
  return out;
}

function toIso(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString().replace('.000Z', 'Z');
}

function htmlToText(html: string): string {
  return html
    .replace(/<(style|script|title|head)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

function importanceOf(headers: Array<{ key: string; value: string }>): 'low' | 'normal' | 'high' {
  const get = (k: string) => headers.find((h) => h.key === k)?.value.trim().toLowerCase();
  const imp = get('importance');
  if (imp === 'high' || imp === 'low') return imp;
  const prio = get('x-priority');
  if (prio) {
    const n = parseInt(prio, 10);
    if (n === 1 || n === 2) return 'high';
    if (n === 4 || n === 5) return 'low';
  }
  return 'normal';
}

/** The date of the newest Received header (the delivery), else undefined. */
function receivedDate(headers: Array<{ key: string; value: string }>): string | undefined {
  const first = headers.find((h) => h.key === 'received');
  if (!first) return undefined;
  const i = first.value.lastIndexOf(';');
  return i >= 0 ? toIso(first.value.slice(i + 1).trim()) : undefined;
}

export async function parseMime(bytes: Buffer | Uint8Array): Promise<ParsedMessage> {
  const email = await PostalMime.parse(bytes, { attachmentEncoding: 'arraybuffer', rfc822Attachments: true });
  const headers = email.headers.map((h) => ({ key: h.key, value: h.value }));
  const from = flatten(email.from ? [email.from] : undefined)[0];
  const sender = flatten(email.sender ? [email.sender] : undefined)[0] ?? from;
  const sentDateTime = toIso(email.date);
  const text = email.text ?? (email.html ? htmlToText(email.html) : '');
  const attachments: ParsedAttachment[] = email.attachments.map((a, i) => {
    const content = typeof a.content === 'string' ? Buffer.from(a.content, a.encoding === 'base64' ? 'base64' : 'utf8') : Buffer.from(a.content as ArrayBuffer);
    return {
      name: a.filename ?? `attachment${i + 1}`,
      contentType: a.mimeType,
      size: content.length,
      isInline: a.disposition === 'inline' || (!!a.related && !!a.contentId),
      contentId: a.contentId?.replace(/^<|>$/g, ''),
      content,
    };
  });
  return {
    subject: email.subject ?? '',
    from,
    sender,
    toRecipients: flatten(email.to),
    ccRecipients: flatten(email.cc),
    bccRecipients: flatten(email.bcc),
    replyTo: flatten(email.replyTo),
    sentDateTime,
    receivedDateTime: receivedDate(headers) ?? sentDateTime,
    internetMessageId: email.messageId,
    inReplyTo: email.inReplyTo,
    references: (email.references ?? '').split(/\s+/).filter(Boolean),
    importance: importanceOf(headers),
    body: email.html ? { contentType: 'html', content: email.html } : { contentType: 'text', content: email.text ?? '' },
    bodyPreview: previewOf(text),
    hasAttachments: attachments.some((a) => !a.isInline),
    attachments,
    internetMessageHeaders: email.headers.map((h) => ({ name: h.originalKey ?? h.key, value: h.value })),
  };
}

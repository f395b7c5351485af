import sanitizeHtml from 'sanitize-html';
import { HoldfastError } from '@holdfast/contracts';
import { summarizeMime, type MimeSummary } from './mime-summary';

export interface PreviewAttachment {
  index: number;
  name: string;
  contentType: string;
  size: number;
  inline: boolean;
}

export interface MessagePreview {
  subject: string;
  from?: string;
  to: string[];
  cc: string[];
  date?: string;
  messageId?: string;
  /** Sanitized HTML: no scripts, handlers, frames, forms, styles or remote content. */
  html: string;
  text: string;
  /** Remote images (and other remote references) that were removed. */
  blockedRemoteContent: number;
  attachments: PreviewAttachment[];
}

/** Inline images up to this size are embedded in the preview as data: URIs. */
const MAX_INLINE_IMAGE = 2 * 1024 * 1024;
const SAFE_IMAGE = /^image\/(png|gif|jpeg|jpg|webp|bmp)$/i;

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Sanitizes a message's HTML body for display; cid: images become data: URIs of their parts. */
export function sanitizeMessageHtml(html: string, inline: MimeSummary['attachments'] = []): { html: string; blocked: number } {
  let blocked = 0;
  const byCid = new Map(inline.filter((a) => a.contentId).map((a) => [a.contentId!.toLowerCase(), a]));
  const clean = sanitizeHtml(html, {
    allowedTags: [...sanitizeHtml.defaults.allowedTags.filter((t) => t !== 'style'), 'img', 'font', 'center', 'u', 's', 'strike'],
    allowedAttributes: {
      a: ['href', 'title', 'target', 'rel'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      td: ['colspan', 'rowspan', 'align', 'valign', 'width'],
      th: ['colspan', 'rowspan', 'align', 'valign', 'width'],
      table: ['width', 'border', 'cellpadding', 'cellspacing'],
      font: ['color', 'size', 'face'],
      '*': ['align', 'dir', 'title', 'lang'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['data'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'iframe', 'object', 'embed', 'form', 'select', 'button'],
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, target: '_blank', rel: 'noopener noreferrer nofollow' } }),
      img: (tagName, attribs) => {
        const src = (attribs.src ?? '').trim();
        const out = { ...attribs };
        delete out.src;
        if (/^cid:/i.test(src)) {
          const part = byCid.get(src.slice(4).replace(/^<|>$/g, '').toLowerCase());
          if (part && SAFE_IMAGE.test(part.contentType) && part.size <= MAX_INLINE_IMAGE) {
            out.src = `data:${part.contentType.toLowerCase()};base64,${Buffer.from(part.content).toString('base64')}`;
          }
        } else if (/^data:image\/(png|gif|jpeg|jpg|webp|bmp);base64,/i.test(src)) {
          out.src = src;
        } else if (src) {
          blocked++;
          out['data-blocked'] = 'remote';
        }
        return { tagName, attribs: out };
      },
    },
    allowedClasses: {},
  });
  return { html: clean, blocked };
}

/** Renders a backed-up message for preview: headers, safe HTML (or escaped text), attachments. */
export async function previewMessage(mime: Buffer): Promise<MessagePreview> {
  const s = await summarizeMime(mime);
  const inline = s.attachments.filter((a) => a.contentId);
  const rendered = s.html ? sanitizeMessageHtml(s.html, inline) : { html: `<pre>${escapeHtml(s.bodyText ?? '')}</pre>`, blocked: 0 };
  return {
    subject: s.subject ?? '',
    ...(s.from ? { from: s.from } : {}),
    to: s.to,
    cc: s.cc,
    ...(s.sentAt ? { date: s.sentAt } : {}),
    ...(s.internetMessageId ? { messageId: s.internetMessageId } : {}),
    html: rendered.html,
    text: s.bodyText ?? '',
    blockedRemoteContent: rendered.blocked,
    attachments: s.attachments.map((a, index) => ({ index, name: a.name, contentType: a.contentType, size: a.size, inline: a.inline })),
  };
}

/** One attachment of a message, by its index in the preview's list. */
export async function messageAttachment(mime: Buffer, index: number): Promise<{ name: string; contentType: string; content: Buffer }> {
  const s = await summarizeMime(mime);
  const a = s.attachments[index];
  if (!a) throw new HoldfastError('not_found', `the message has no attachment #${index}`);
  return { name: a.name, contentType: a.contentType, content: Buffer.from(a.content) };
}

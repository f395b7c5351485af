import PostalMime from 'postal-mime';

/** What the catalog takes from a message's MIME. */
export interface MimeSummary {
  subject?: string;
  from?: string;
  to: string[];
  cc: string[];
  bcc: string[];
  sentAt?: string;
  internetMessageId?: string;
  bodyText?: string;
  html?: string;
  attachmentNames: string[];
  attachments: { name: string; contentType: string; size: number; inline: boolean; contentId?: string; content: Uint8Array }[];
}

type Addr = { name?: string; address?: string; group?: Addr[] };

function flatten(list: Addr[] | undefined): string[] {
  const out: string[] = [];
  for (const a of list ?? []) {
    if (a.group) out.push(...flatten(a.group));
    else if (a.address) out.push(a.name ? `${a.name} <${a.address}>` : a.address);
    else if (a.name) out.push(a.name);
  }
  return out;
}

/** Text of an HTML body for search (tags, scripts and styles dropped, entities decoded roughly). */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<br\s*\/?>|<\/p>|<\/div>|<\/li>|<\/tr>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#39;|&apos;/gi, "'")
    .replace(/&amp;/gi, '&')
    .replace(/[ \t]+/g, ' ')
    .replace(/\n\s*\n+/g, '\n')
    .trim();
}

/** Parses a message; never throws on malformed MIME (returns what it could read). */
export async function summarizeMime(mime: Buffer): Promise<MimeSummary> {
  const parsed = await PostalMime.parse(mime, { attachmentEncoding: 'arraybuffer' });
  const date = parsed.date ? Date.parse(parsed.date) : NaN;
  const attachments = (parsed.attachments ?? []).map((a, i) => {
    const content = a.content instanceof ArrayBuffer ? new Uint8Array(a.content) : typeof a.content === 'string' ? Buffer.from(a.content) : new Uint8Array(0);
    return {
      name: a.filename ?? `attachment-${i + 1}`,
      contentType: a.mimeType ?? 'application/octet-stream',
      size: content.byteLength,
      inline: a.disposition === 'inline' || (!!a.contentId && a.disposition !== 'attachment'),
      ...(a.contentId ? { contentId: a.contentId.replace(/^<|>$/g, '') } : {}),
      content,
    };
  });
  const from = flatten(parsed.from ? [parsed.from as Addr] : []);
  return {
    ...(parsed.subject !== undefined ? { subject: parsed.subject } : {}),
    ...(from[0] ? { from: from[0] } : {}),
    to: flatten(parsed.to as Addr[] | undefined),
    cc: flatten(parsed.cc as Addr[] | undefined),
    bcc: flatten(parsed.bcc as Addr[] | undefined),
    ...(Number.isNaN(date) ? {} : { sentAt: new Date(date).toISOString() }),
    ...(parsed.messageId ? { internetMessageId: parsed.messageId } : {}),
    ...(parsed.text ? { bodyText: parsed.text } : parsed.html ? { bodyText: htmlToText(parsed.html) } : {}),
    ...(parsed.html ? { html: parsed.html } : {}),
    attachmentNames: attachments.filter((a) => !a.inline).map((a) => a.name),
    attachments,
  };
}

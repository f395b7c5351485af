import { base64Wrapped, encodeHeaderWords, encodeQuotedPrintable, formatAddressList, formatRfc5322Date } from './mime-encoding';
import type { MessageView } from './mailbox-store';
import { hash32 } from './seeded-random';

/** MIME for messages that were not imported from MIME (created from JSON, or rewritten). */
export function buildMime(v: MessageView): Buffer {
  const addr = (r: { emailAddress: { name: string; address: string } }) => ({ name: r.emailAddress.name, address: r.emailAddress.address });
  const lines: string[] = [];
  if (v.from) lines.push(`From: ${formatAddressList([addr(v.from)])}`);
  if (v.toRecipients.length) lines.push(`To: ${formatAddressList(v.toRecipients.map(addr))}`);
  if (v.ccRecipients.length) lines.push(`CC: ${formatAddressList(v.ccRecipients.map(addr))}`);
  lines.push(`Subject: ${encodeHeaderWords(v.subject)}`);
  lines.push(`Date: ${formatRfc5322Date(v.sentDateTime ?? v.receivedDateTime)}`);
  if (v.internetMessageId) lines.push(`Message-ID: ${v.internetMessageId}`);
  if (v.importance !== 'normal') lines.push(`Importance: ${v.importance}`);
  lines.push('MIME-Version: 1.0');
  const body = v.body();
  const bodyPart = `Content-Type: text/${body.contentType === 'html' ? 'html' : 'plain'}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${encodeQuotedPrintable(body.content)}\r\n`;
  const attachments = v.attachments().filter((a) => a.type !== 'reference');
  if (!attachments.length) return Buffer.from(lines.join('\r\n') + '\r\n' + bodyPart, 'utf8');
  const boundary = `_b_${hash32(v.key, v.version).toString(16)}_`;
  lines.push(`Content-Type: multipart/mixed;\r\n\tboundary="${boundary}"`);
  const parts: Buffer[] = [Buffer.from(lines.join('\r\n') + '\r\n\r\n' + `--${boundary}\r\n` + bodyPart, 'utf8')];
  for (const a of attachments) {
    const name = a.name.replace(/"/g, "'");
    if (a.type === 'item') {
      parts.push(Buffer.from(`\r\n--${boundary}\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n`, 'utf8'), a.bytes());
    } else {
      parts.push(
        Buffer.from(
          `\r\n--${boundary}\r\nContent-Type: ${a.contentType}; name="${encodeHeaderWords(name)}"\r\nContent-Disposition: ${a.isInline ? 'inline' : 'attachment'}; filename="${encodeHeaderWords(name)}"\r\n` +
            (a.contentId ? `Content-ID: <${a.contentId}>\r\n` : '') +
            'Content-Transfer-Encoding: base64\r\n\r\n' +
            base64Wrapped(a.bytes()),
          'utf8',
        ),
      );
    }
  }
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8'));
  return Buffer.concat(parts);
}

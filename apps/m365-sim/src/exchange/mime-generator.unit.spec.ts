import { poolAttachment, poolAttachmentBytes } from './attachment-pool';
import { encodeHeaderWords, encodeQuotedPrintable } from './mime-encoding';
import { generateMessage, mimeChunks, mimeSize, renderMime } from './mime-generator';
import { parseMime } from './mime-parser';

const adele = { address: 'adele.vance@contoso.example', displayName: 'Adele Vance' };
const alex = { address: 'alex.wilber@contoso.example', displayName: 'Alex Wilber' };

describe('mime generator', () => {
  it('produces the same bytes for the same (seed, mailbox, index) and different bytes otherwise', () => {
    const a = renderMime(generateMessage('seed-1', adele, 7));
    expect(renderMime(generateMessage('seed-1', adele, 7)).equals(a)).toBe(true);
    expect(renderMime(generateMessage('seed-2', adele, 7)).equals(a)).toBe(false);
    expect(renderMime(generateMessage('seed-1', alex, 7)).equals(a)).toBe(false);
  });

  it('knows its size without rendering and streams the same bytes it renders', () => {
    for (let i = 0; i < 60; i++) {
      const msg = generateMessage('sizes', adele, i);
      if (msg.attachments.some((a) => a.size > 1_000_000)) continue;
      const whole = renderMime(msg);
      expect(mimeSize(msg)).toBe(whole.length);
      expect(Buffer.concat([...mimeChunks(msg)]).equals(whole)).toBe(true);
    }
  });

  it('is well-formed: CRLF line ends only, no line over 998 octets, ASCII headers', () => {
    const bytes = renderMime(generateMessage('form', adele, 3));
    const text = bytes.toString('latin1');
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of text.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
    const headerEnd = text.indexOf('\r\n\r\n');
    expect(text.slice(0, headerEnd)).toMatch(/^[\x09\x0a\x0d\x20-\x7e]*$/);
    expect(text.slice(0, headerEnd)).toMatch(/\r\nMIME-Version: 1\.0\r\n/);
  });

  it('mostly sizes messages between 5 and 80 KB, with a few large ones', () => {
    const sizes = Array.from({ length: 150 }, (_, i) => mimeSize(generateMessage('dist', adele, i)));
    const small = sizes.filter((s) => s >= 5 * 1024 && s <= 80 * 1024).length;
    expect(small / sizes.length).toBeGreaterThan(0.75);
    expect(sizes.some((s) => s > 1024 * 1024)).toBe(true);
  });

  it('threads replies with In-Reply-To and References to earlier messages of the same mailbox', () => {
    const msgs = Array.from({ length: 50 }, (_, i) => generateMessage('threads', adele, i));
    const replies = msgs.filter((m) => m.inReplyTo);
    expect(replies.length).toBeGreaterThan(5);
    for (const r of replies) {
      const parent = msgs.find((m) => m.internetMessageId === r.inReplyTo);
      expect(parent).toBeDefined();
      expect(r.references[r.references.length - 1]).toBe(r.inReplyTo);
      expect(r.subject).toMatch(/^(RE|AW): /);
      expect(r.threadRootId).toBe(r.references[0]);
    }
  });

  it('encodes unicode subjects as RFC 2047 words that decode back', async () => {
    const subject = 'Überprüfung der Kosten — 会議の議事録 ✈️ and a rather long tail to force several encoded words';
    const encoded = encodeHeaderWords(subject);
    for (const word of encoded.split('\r\n ')) {
      expect(word.length).toBeLessThanOrEqual(75);
      expect(word).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    }
    const parsed = await parseMime(Buffer.from(`Subject: ${encoded}\r\nFrom: a@b.example\r\n\r\nx\r\n`));
    expect(parsed.subject).toBe(subject);
  });

  it('round-trips quoted-printable unicode bodies and the generated properties through the parser', async () => {
    expect(encodeQuotedPrintable('a=b é')).toBe('a=3Db =C3=A9');
    for (let i = 0; i < 30; i++) {
      const msg = generateMessage('roundtrip', adele, i, { sent: i % 3 === 0 });
      if (msg.attachments.some((a) => a.size > 2_000_000)) continue;
      const parsed = await parseMime(renderMime(msg));
      expect(parsed.subject).toBe(msg.subject);
      expect(parsed.internetMessageId).toBe(msg.internetMessageId);
      expect(parsed.from?.emailAddress).toEqual(msg.from);
      expect(parsed.toRecipients.map((r) => r.emailAddress)).toEqual(msg.to);
      expect(parsed.ccRecipients.map((r) => r.emailAddress)).toEqual(msg.cc);
      expect(parsed.sentDateTime).toBe(msg.sentDateTime);
      expect(parsed.receivedDateTime).toBe(msg.sent ? msg.sentDateTime : msg.receivedDateTime);
      expect(parsed.importance).toBe(msg.importance);
      expect(parsed.hasAttachments).toBe(msg.attachments.length > 0 || !!msg.embedded);
      expect(parsed.body.contentType).toBe('html');
      expect(parsed.bodyPreview.length).toBeGreaterThan(20);
      expect(parsed.bodyPreview.length).toBeLessThanOrEqual(255);
    }
  });

  it('draws attachments from a shared pool: the same bytes appear in several mailboxes', async () => {
    const find = (mb: typeof adele) => {
      const out = new Map<number, string>();
      for (let i = 0; i < 400; i++) for (const a of generateMessage('pool', mb, i).attachments) out.set(a.poolIndex, `${mb.address}#${i}`);
      return out;
    };
    const inAdele = find(adele);
    const inAlex = find(alex);
    const shared = [...inAdele.keys()].filter((k) => inAlex.has(k) && poolAttachment('pool', k).size < 400_000);
    expect(shared.length).toBeGreaterThan(0);
    const poolIndex = shared[0];
    const expected = poolAttachmentBytes(poolAttachment('pool', poolIndex));
    for (const where of [inAdele.get(poolIndex)!, inAlex.get(poolIndex)!]) {
      const [addr, idx] = where.split('#');
      const msg = generateMessage('pool', addr === adele.address ? adele : alex, Number(idx));
      const parsed = await parseMime(renderMime(msg));
      const att = parsed.attachments.find((a) => a.name === poolAttachment('pool', poolIndex).name);
      expect(att?.content.equals(expected)).toBe(true);
    }
  });

  it('produces attachment bytes by random access without the bytes before them', () => {
    const att = { poolIndex: 0, name: 'big.zip', contentType: 'application/zip', size: 5 * 1024 * 1024, key: 'k' };
    const whole = poolAttachmentBytes(att);
    expect(whole.length).toBe(att.size);
    expect(whole.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
    expect(poolAttachmentBytes(att, 3_000_001, 70_000).equals(whole.subarray(3_000_001, 3_070_001))).toBe(true);
    const text = { ...att, name: 'a.csv', contentType: 'text/csv', size: 10_000 };
    expect(poolAttachmentBytes(text, 130, 200).equals(poolAttachmentBytes(text).subarray(130, 330))).toBe(true);
  });
});

describe('embedded messages', () => {
  it('attaches some forwarded messages as message/rfc822 that parse as attachments', async () => {
    let found = 0;
    for (let i = 0; i < 300 && found < 2; i++) {
      const msg = generateMessage('embed', adele, i);
      if (!msg.embedded || msg.attachments.length) continue;
      found++;
      const parsed = await parseMime(renderMime(msg));
      expect(parsed.hasAttachments).toBe(true);
      const att = parsed.attachments.find((a) => a.contentType === 'message/rfc822');
      expect(att).toBeDefined();
      // the parser hands back embedded messages with LF line ends
      expect(att!.content.toString('utf8').replace(/\r?\n/g, '\n').trimEnd()).toBe(renderMime(msg.embedded).toString('utf8').replace(/\r\n/g, '\n').trimEnd());
      expect(mimeSize(msg)).toBe(renderMime(msg).length);
    }
    expect(found).toBe(2);
  });
});

import { parseMime } from './mime-parser';

const eml = [
  'Received: from mx.example (mx.example [192.0.2.1]) by mailbox.example; Wed, 10 Jan 2024 09:05:00 +0100',
  'Received: from a by b; Wed, 10 Jan 2024 09:00:00 +0100',
  'From: "Müller, Jürgen" <juergen@fabrikam.example>',
  'To: Team: a@x.example, "B" <b@x.example>;, c@x.example',
  'Cc: =?utf-8?q?Zo=C3=AB?= <zoe@x.example>',
  'Subject: =?iso-8859-1?q?R=E9union?=',
  'Date: Wed, 10 Jan 2024 08:59:30 +0100',
  'Message-ID: <abc@fabrikam.example>',
  'X-Priority: 2',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Hello   world,\r\n\r\nsee attached.',
  '--b1',
  'Content-Type: application/pdf; name="report.pdf"',
  'Content-Disposition: attachment; filename="report.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('%PDF-1.4 fake').toString('base64'),
  '--b1--',
  '',
].join('\r\n');

describe('mime parser', () => {
  it('derives Graph message properties from .eml bytes', async () => {
    const m = await parseMime(Buffer.from(eml));
    expect(m.subject).toBe('Réunion');
    expect(m.from).toEqual({ emailAddress: { name: 'Müller, Jürgen', address: 'juergen@fabrikam.example' } });
    expect(m.toRecipients.map((r) => r.emailAddress.address)).toEqual(['a@x.example', 'b@x.example', 'c@x.example']);
    expect(m.ccRecipients).toEqual([{ emailAddress: { name: 'Zoë', address: 'zoe@x.example' } }]);
    expect(m.sentDateTime).toBe('2024-01-10T07:59:30Z');
    expect(m.receivedDateTime).toBe('2024-01-10T08:05:00Z');
    expect(m.internetMessageId).toBe('<abc@fabrikam.example>');
    expect(m.importance).toBe('high');
    expect(m.hasAttachments).toBe(true);
    expect(m.attachments[0]).toMatchObject({ name: 'report.pdf', contentType: 'application/pdf', size: 13, isInline: false });
    expect(m.body).toEqual({ contentType: 'text', content: expect.stringContaining('see attached.') });
    expect(m.bodyPreview).toBe('Hello world, see attached.');
  });

  it('falls back to the Date header and normal importance when there is no Received or priority', async () => {
    const m = await parseMime(Buffer.from('From: a@x.example\r\nSubject: hi\r\nDate: Mon, 01 Jan 2024 00:00:00 +0000\r\n\r\nbody\r\n'));
    expect(m.receivedDateTime).toBe('2024-01-01T00:00:00Z');
    expect(m.importance).toBe('normal');
    expect(m.hasAttachments).toBe(false);
    expect(m.toRecipients).toEqual([]);
  });
});

import { messageAttachment, previewMessage, sanitizeMessageHtml } from './message-preview';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

function mime(html: string): Buffer {
  return Buffer.from(
    [
      'From: "Mallory" <mallory@evil.example>',
      'To: bob@contoso.com',
      'Subject: Preview me',
      'Date: Tue, 04 Mar 2025 10:00:00 +0000',
      'Message-ID: <p1@evil.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/related; boundary="r"',
      '',
      '--r',
      'Content-Type: text/html; charset=utf-8',
      '',
      html,
      '--r',
      'Content-Type: image/png',
      'Content-ID: <logo1>',
      'Content-Disposition: inline',
      'Content-Transfer-Encoding: base64',
      '',
      PNG.toString('base64'),
      '--r',
      'Content-Type: text/plain; name="notes.txt"',
      'Content-Disposition: attachment; filename="notes.txt"',
      '',
      'secret notes',
      '--r--',
      '',
    ].join('\r\n'),
  );
}

describe('message preview', () => {
  const hostile = [
    '<p onclick="steal()" onmouseover="x()">Hello <b>Bob</b></p>',
    '<script>alert(1)</script><style>body{background:url(http://t.example/x)}</style>',
    '<iframe src="https://evil.example"></iframe><form action="https://evil.example"><input name=a></form>',
    '<img src="http://tracker.example/pixel.gif"><img src="https://tracker.example/p2.gif"><img src="//proto.example/x.gif">',
    '<img src="cid:logo1" alt="logo">',
    '<a href="javascript:alert(1)">js</a><a href="https://ok.example/page">ok</a>',
    '<svg onload="x()"><a xlink:href="javascript:1">s</a></svg><object data="x"></object><embed src="y">',
    '<div style="background-image:url(https://t.example/bg)">styled</div>',
  ].join('\n');

  it('removes scripts, handlers, frames, forms, styles and remote content', async () => {
    const p = await previewMessage(mime(hostile));
    expect(p.html).toContain('Hello <b>Bob</b>');
    for (const bad of [/<script/i, /alert\(/, /onclick|onmouseover|onload/i, /<iframe/i, /<form/i, /<input/i, /<style/i, /<svg/i, /<object/i, /<embed/i, /javascript:/i, /tracker\.example/, /proto\.example/, /t\.example/, /style=/i]) {
      expect(p.html).not.toMatch(bad);
    }
    expect(p.blockedRemoteContent).toBe(3);
    expect(p.html).toContain('<a href="https://ok.example/page" target="_blank" rel="noopener noreferrer nofollow">ok</a>');
  });

  it('embeds cid: inline images as data: URIs', async () => {
    const p = await previewMessage(mime(hostile));
    expect(p.html).toContain(`src="data:image/png;base64,${PNG.toString('base64')}"`);
  });

  it('lists headers and attachments, and serves an attachment', async () => {
    const p = await previewMessage(mime('<p>x</p>'));
    expect(p).toMatchObject({ subject: 'Preview me', from: 'Mallory <mallory@evil.example>', to: ['bob@contoso.com'], date: '2025-03-04T10:00:00.000Z', messageId: '<p1@evil.example>' });
    expect(p.attachments.map((a) => [a.name, a.inline])).toEqual([
      [expect.any(String), true],
      ['notes.txt', false],
    ]);
    const att = await messageAttachment(mime('<p>x</p>'), 1);
    expect(att.content.toString()).toMatch(/^secret notes\r?\n?$/);
    expect(att).toMatchObject({ name: 'notes.txt', contentType: 'text/plain' });
    await expect(messageAttachment(mime('<p>x</p>'), 5)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('escapes a plain-text body', async () => {
    const text = Buffer.from('From: a@b.c\r\nSubject: t\r\nContent-Type: text/plain\r\n\r\n<script>x()</script> & more\r\n');
    const p = await previewMessage(text);
    expect(p.html).toContain('&lt;script&gt;x()&lt;/script&gt; &amp; more');
    expect(sanitizeMessageHtml('<img src="data:text/html;base64,PHNjcmlwdD4=">').html).not.toContain('data:text/html');
  });
});

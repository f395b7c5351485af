import { randomBytes } from 'node:crypto';
import { Base64LineEncoder, encodeBase64Lines, splitMime } from './mime-splitter';
import { decodeSkeleton, encodeSkeleton } from './mime-skeleton';
import { seededBytes } from '../testing/test-repo';

const wrap = (b64: string, w: number, eol: string): string => b64.match(new RegExp(`.{1,${w}}`, 'g'))!.join(eol);

function concat(msg: Buffer): Buffer {
  const segs = splitMime(msg, { minPartBytes: 1024 });
  const out: Buffer[] = [];
  for (const s of segs) {
    if (s.type === 'base64') out.push(Buffer.from(encodeBase64Lines(s.decoded, s.lineLength, s.crlf), 'latin1'));
    else out.push(msg.subarray(s.start, s.end));
  }
  return Buffer.concat(out);
}

function msg(attachmentBody: string, eol = '\r\n', cte = 'base64'): Buffer {
  return Buffer.from(
    [
      'From: a@b.c',
      'Content-Type: multipart/mixed; boundary="XYZ"',
      '',
      '--XYZ',
      'Content-Type: text/plain',
      '',
      'hello',
      '--XYZ',
      'Content-Type: application/pdf; name="x.pdf"',
      `Content-Transfer-Encoding: ${cte}`,
      '',
      attachmentBody,
      '--XYZ--',
      '',
    ].join(eol),
    'latin1',
  );
}

describe('splitMime', () => {
  const data = seededBytes('att', 5000);
  const b64 = data.toString('base64');

  it('replaces a canonical CRLF/76 base64 attachment by its decoded bytes', () => {
    const m = msg(wrap(b64, 76, '\r\n'));
    const segs = splitMime(m, { minPartBytes: 1024 });
    const att = segs.find((s) => s.type === 'base64');
    expect(att && att.type === 'base64' && att.decoded.equals(data)).toBe(true);
    expect(att && att.type === 'base64' && [att.lineLength, att.crlf]).toEqual([76, true]);
    expect(concat(m).equals(m)).toBe(true);
  });

  it.each([
    ['LF line endings, 64 columns', msg(wrap(b64, 64, '\n'), '\n'), 'base64'],
    ['one long line', msg(b64), 'base64'],
    ['trailing blank lines after the data', msg(wrap(b64, 76, '\r\n') + '\r\n\r\n'), 'base64'],
    ['spaces at line ends', msg(wrap(b64, 76, ' \r\n')), 'raw'],
    ['irregular line lengths', msg(wrap(b64.slice(0, 1000), 76, '\r\n') + '\r\n' + wrap(b64.slice(1000), 60, '\r\n')), 'raw'],
    ['mixed line endings', msg(wrap(b64, 76, '\r\n').replace('\r\n', '\n')), 'raw'],
    ['non-canonical padding bits', msg(wrap(b64 + 'QR==', 76, '\r\n')), 'raw'],
    ['invalid characters', msg(wrap(b64.slice(0, 3000) + '*' + b64.slice(3000), 76, '\r\n')), 'raw'],
    ['8bit binary attachment', msg(randomBytes(4000).toString('latin1'), '\r\n', '8bit'), 'raw'],
  ])('round-trips byte for byte: %s', (_name, m, expected) => {
    const segs = splitMime(m, { minPartBytes: 1024 });
    expect(segs.some((s) => s.type === expected)).toBe(true);
    expect(concat(m).equals(m)).toBe(true);
  });

  it('handles nested multiparts, message/rfc822, folded headers and a missing closing boundary', () => {
    const inner = ['Subject: inner', 'Content-Type: multipart/mixed; boundary=in', '', '--in', 'Content-Type: image/png', 'Content-Transfer-Encoding: base64', '', wrap(b64, 76, '\r\n'), '--in--', ''].join('\r\n');
    const m = Buffer.from(
      [
        'Content-Type: multipart/mixed;',
        '\tboundary="=_outer"',
        '',
        '--=_outer',
        'Content-Type: message/rfc822',
        '',
        inner,
        '--=_outer',
        'Content-Type: application/zip',
        'Content-Transfer-Encoding: base64',
        '',
        wrap(seededBytes('zip', 3000).toString('base64'), 76, '\r\n'),
      ].join('\r\n'),
    );
    const segs = splitMime(m, { minPartBytes: 1024 });
    expect(segs.filter((s) => s.type === 'base64')).toHaveLength(2);
    expect(concat(m).equals(m)).toBe(true);
  });

  it('leaves non-MIME and tiny input alone', () => {
    for (const m of [Buffer.from('no headers at all'), Buffer.alloc(0), randomBytes(3000)]) {
      expect(concat(m).equals(m)).toBe(true);
    }
  });
});

describe('Base64LineEncoder', () => {
  it('streams exactly the same bytes as the one-shot encoder', () => {
    const data = seededBytes('enc', 10007);
    for (const [len, crlf] of [[76, true], [64, false], [0, true]] as const) {
      const enc = new Base64LineEncoder(len, crlf);
      const out: Buffer[] = [];
      for (let i = 0; i < data.length; i += 1001) out.push(enc.push(data.subarray(i, i + 1001)));
      out.push(enc.end());
      expect(Buffer.concat(out).toString('latin1')).toBe(encodeBase64Lines(data, len, crlf));
    }
  });
});

describe('skeleton encoding', () => {
  it('round-trips records', () => {
    const recs = [
      { type: 'literal' as const, bytes: Buffer.from('abc') },
      { type: 'base64' as const, crlf: true, lineLength: 76, size: 12345, ref: `c:${'a'.repeat(64)}` },
      { type: 'raw' as const, size: 9, ref: `t:${'b'.repeat(64)}` },
    ];
    expect(decodeSkeleton(encodeSkeleton(recs))).toEqual(recs);
    expect(() => decodeSkeleton(Buffer.from('HFMS1\x09'))).toThrow(/malformed/);
  });
});

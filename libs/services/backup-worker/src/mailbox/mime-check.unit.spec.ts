import { checkMime } from './mime-check';

describe('checkMime', () => {
  it('accepts a plain message, also with folded headers and LF line ends', () => {
    expect(checkMime(Buffer.from('From: a@b.c\r\nSubject: hi\r\n there\r\n\r\nbody'))).toBeUndefined();
    expect(checkMime(Buffer.from('Subject: x\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\nbody'))).toBeUndefined();
    expect(checkMime(Buffer.from('Subject: headers only'))).toBeUndefined();
  });

  it('names what is wrong with something that is not a message', () => {
    expect(checkMime(Buffer.alloc(0))).toBe('empty');
    expect(checkMime(Buffer.from('\r\n\r\nbody only'))).toBe('no end of the header section');
    expect(checkMime(Buffer.from('%PDF-1.7 binary junk\r\n\r\n'))).toBe('does not start with a header field');
    expect(checkMime(Buffer.from('Subject: x\r\nthis is no header\r\n\r\nbody'))).toBe('malformed header line');
    expect(checkMime(Buffer.from('X-Foo: 1\r\n\r\nbody'))).toBe('no message header fields');
  });
});

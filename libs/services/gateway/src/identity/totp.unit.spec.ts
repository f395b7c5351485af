import { base32Decode, base32Encode, hotp, otpauthUri, totpAt, verifyTotp } from './totp';

// RFC 6238 appendix B: secret "12345678901234567890" (SHA-1), 8-digit values; 6 digits are their last 6
const RFC_SECRET = base32Encode(Buffer.from('12345678901234567890', 'ascii'));

describe('TOTP (RFC 6238)', () => {
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
  ])('matches the RFC test vector at T=%i', (seconds, eight) => {
    expect(hotp(Buffer.from('12345678901234567890'), Math.floor(seconds / 30), 8)).toBe(eight);
    expect(totpAt(RFC_SECRET, seconds * 1000)).toBe(eight.slice(2));
  });

  it('round-trips base32 (RFC 4648 vectors)', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Decode('MZXW6YTBOI======').toString()).toBe('foobar');
    expect(() => base32Decode('MZ1W')).toThrow(/base32/);
  });

  it('accepts one step either side and reports the matched step', () => {
    const t = 1_700_000_000_000;
    const step = Math.floor(t / 30_000);
    expect(verifyTotp(RFC_SECRET, totpAt(RFC_SECRET, t), t)).toBe(step);
    expect(verifyTotp(RFC_SECRET, totpAt(RFC_SECRET, t - 30_000), t)).toBe(step - 1);
    expect(verifyTotp(RFC_SECRET, totpAt(RFC_SECRET, t + 30_000), t)).toBe(step + 1);
    expect(verifyTotp(RFC_SECRET, totpAt(RFC_SECRET, t - 90_000), t)).toBeUndefined();
    expect(verifyTotp(RFC_SECRET, 'abcdef', t)).toBeUndefined();
  });

  it('builds an otpauth URI authenticator apps read', () => {
    expect(otpauthUri('JBSWY3DPEHPK3PXP', 'a@b.test')).toBe(
      'otpauth://totp/Holdfast:a%40b.test?secret=JBSWY3DPEHPK3PXP&issuer=Holdfast&algorithm=SHA1&digits=6&period=30',
    );
  });
});

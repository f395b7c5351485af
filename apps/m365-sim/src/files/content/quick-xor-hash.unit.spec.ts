import { QuickXorHash, quickXorFold, quickXorHashBase64 } from './quick-xor-hash';

// Published test vectors (input base64 -> hash base64).
const VECTORS: Array<[string, string]> = [
  ['', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA='],
  ['Sg==', 'SgAAAAAAAAAAAAAAAQAAAAAAAAA='],
  ['tbQ=', 'taAFAAAAAAAAAAAAAgAAAAAAAAA='],
  ['0pZP', '0rDEEwAAAAAAAAAAAwAAAAAAAAA='],
  ['jRRDVA==', 'jaDAEKgAAAAAAAAABAAAAAAAAAA='],
  ['eAV52qE=', 'eChAHrQRCgAAAAAABQAAAAAAAAA='],
  ['luBZlaT6', 'lgBHFipBCn0AAAAABgAAAAAAAAA='],
  ['qaApEj66lw==', 'qQBFCiTgA11cAgAABwAAAAAAAAA='],
  ['/aNzzCFPS/A=', '/RjFHJgRgicsAR4ACAAAAAAAAAA='],
];

/** Bit-by-bit reference straight from the description, for long inputs. */
function naive(data: Uint8Array): string {
  const bits = new Uint8Array(160);
  for (let n = 0; n < data.length; n++) {
    const at = (n * 11) % 160;
    for (let b = 0; b < 8; b++) if ((data[n] >> b) & 1) bits[(at + b) % 160] ^= 1;
  }
  const out = Buffer.alloc(20);
  for (let i = 0; i < 160; i++) if (bits[i]) out[i >> 3] |= 1 << (i & 7);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(data.length));
  for (let i = 0; i < 8; i++) out[12 + i] ^= len[i];
  return out.toString('base64');
}

describe('QuickXorHash', () => {
  it.each(VECTORS)('hashes %s to %s', (input, expected) => {
    expect(quickXorHashBase64(Buffer.from(input, 'base64'))).toBe(expected);
  });

  it('matches the bitwise definition on long inputs fed in odd pieces', () => {
    const data = Buffer.alloc(5000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919 + (i >> 3)) & 0xff;
    const h = new QuickXorHash();
    for (let at = 0; at < data.length; at += 333) h.update(data.subarray(at, at + 333));
    expect(h.digestBase64()).toBe(naive(data));
  });

  it('combines folds of pieces at their offsets', () => {
    const a = Buffer.from('The quick brown fox '.repeat(20));
    const b = Buffer.from('jumps over the lazy dog'.repeat(13));
    const whole = quickXorHashBase64(Buffer.concat([a, b]));
    const h = new QuickXorHash()
      .combineAt(a.length, quickXorFold(b), b.length)
      .combineAt(0, quickXorFold(a), a.length)
      .setLength(a.length + b.length);
    expect(h.digestBase64()).toBe(whole);
  });
});

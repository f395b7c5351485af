import { CONTENT_BLOCK, GeneratedContent, generatedQuickXorHash, prefixForExtension, readGeneratedRange } from './generated-content';
import { quickXorHashBase64 } from './quick-xor-hash';

function entropy(buf: Buffer): number {
  const counts = new Array(256).fill(0);
  for (const b of buf) counts[b]++;
  let e = 0;
  for (const c of counts) if (c) e -= (c / buf.length) * Math.log2(c / buf.length);
  return e;
}

describe('generated content', () => {
  const text: GeneratedContent = { kind: 'generated', seed: 'item-1@1', size: 3 * CONTENT_BLOCK + 1234, flavor: 'text', prefix: prefixForExtension('a.pdf') };

  it('is deterministic and any range equals the same slice of the whole', () => {
    const whole = readGeneratedRange(text, 0, text.size);
    expect(whole.length).toBe(text.size);
    expect(readGeneratedRange(text, 0, text.size).equals(whole)).toBe(true);
    for (const [s, e] of [[0, 5], [3, 40], [CONTENT_BLOCK - 7, CONTENT_BLOCK + 20], [text.size - 10, text.size + 50], [100, 2 * CONTENT_BLOCK + 99]]) {
      expect(readGeneratedRange(text, s, e).equals(whole.subarray(s, Math.min(e, text.size)))).toBe(true);
    }
    expect(whole.subarray(0, 8).toString()).toBe('%PDF-1.7');
  });

  it('differs by seed and version', () => {
    const other = readGeneratedRange({ ...text, seed: 'item-1@2' }, 0, 4096);
    expect(other.equals(readGeneratedRange(text, 0, 4096))).toBe(false);
  });

  it.each(['text', 'binary', 'random'] as const)('computes the QuickXorHash of %s content without reading it', (flavor) => {
    for (const size of [0, 1, 159, CONTENT_BLOCK, 2 * CONTENT_BLOCK + 161, 5 * CONTENT_BLOCK]) {
      const c: GeneratedContent = { kind: 'generated', seed: `s-${size}`, size, flavor, prefix: prefixForExtension('x.png') };
      expect(generatedQuickXorHash(c)).toBe(quickXorHashBase64(readGeneratedRange(c, 0, size)));
    }
  });

  it('reads the end of a 20 GB file and hashes it without generating it', () => {
    const huge: GeneratedContent = { kind: 'generated', seed: 'huge', size: 20 * 1024 ** 3, flavor: 'binary' };
    const tail = readGeneratedRange(huge, huge.size - 100, huge.size);
    expect(tail.length).toBe(100);
    expect(readGeneratedRange(huge, huge.size - 40, huge.size).equals(tail.subarray(60))).toBe(true);
    // hashing visits one 16-byte header per 160 KiB block, never the bodies
    const big: GeneratedContent = { ...huge, size: 2 * 1024 ** 3 + 5 };
    expect(generatedQuickXorHash(big)).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    expect(generatedQuickXorHash(big)).not.toBe(generatedQuickXorHash({ ...big, seed: 'other' }));
  });

  it('text is low entropy, random is high entropy', () => {
    expect(entropy(readGeneratedRange(text, 0, 200_000))).toBeLessThan(6);
    const random: GeneratedContent = { kind: 'generated', seed: 'r', size: 200_000, flavor: 'random' };
    expect(entropy(readGeneratedRange(random, 0, 200_000))).toBeGreaterThan(7.9);
    expect(readGeneratedRange(random, 1000, 1100).equals(readGeneratedRange(random, 0, 2000).subarray(1000, 1100))).toBe(true);
  });
});

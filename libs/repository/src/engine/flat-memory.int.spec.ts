import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { initLocal, seededBytes, tempDir } from '../testing/test-repo';

// Per file: testTimeout in the project config does not apply when the root config runs all projects.
jest.setTimeout(120_000);

/** A generated stream of `total` bytes (varied, partly compressible) without holding it. */
function generated(total: number): Readable {
  let sent = 0;
  let i = 0;
  const base = seededBytes('flat', 1 << 20);
  return new Readable({
    read() {
      if (sent >= total) return this.push(null);
      const n = Math.min(1 << 20, total - sent);
      const block = Buffer.from(base.subarray(0, n));
      for (let k = 0; k < n; k += 2048) block.writeUInt32LE(i++ >>> 0, k);
      sent += n;
      this.push(block);
    },
  });
}

describe('flat memory', () => {
  it('writes and reads back a 512 MB stream with bounded RSS growth', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const repo = await initLocal(dir);
      const t = await repo.openTenant('acme', { write: true });
      const total = 512 * 1024 * 1024;
      global.gc?.();
      const rss0 = process.memoryUsage().rss;
      let peak = rss0;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const expected = createHash('sha256');
      const src = generated(total);
      src.on('data', (d: Buffer) => expected.update(d));
      src.pause();
      const { ref, size } = await t.putFile(src);
      const m = await t.writeManifest([{ id: 'big', content: ref }]);
      await t.close();
      expect(size).toBe(total);
      const r = await repo.openTenant('acme');
      let item: { content?: string } | undefined;
      for await (const i of r.readManifest(m.id)) item = i;
      const actual = createHash('sha256');
      let read = 0;
      for await (const chunk of r.openContent(item!.content!)) {
        actual.update(chunk as Buffer);
        read += (chunk as Buffer).length;
      }
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      expect(read).toBe(total);
      expect(actual.digest('hex')).toBe(expected.digest('hex'));
      // The stream is 512 MB; the pipeline holds a few chunks and up to three 16 MiB packs; the
      // bound leaves room for lazily collected buffers but is far below the stream size.
      expect(peak - rss0).toBeLessThan(320 * 1024 * 1024);
    } finally {
      cleanup();
    }
  }, 120_000);
});

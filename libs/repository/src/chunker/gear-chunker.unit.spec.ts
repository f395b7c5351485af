import { GearChunker, gearTable, type ChunkerParams } from './gear-chunker';
import { seededBytes } from '../testing/test-repo';

// Per file: testTimeout in the project config does not apply when the root config runs all projects.
jest.setTimeout(120_000);

const params: ChunkerParams = { minSize: 2048, avgSize: 8192, maxSize: 32768 };
const chunker = new GearChunker(gearTable(Buffer.from('seed')), params);

async function* pieces(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function chunkAll(buf: Buffer, readSize: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const c of chunker.chunks(pieces(buf, readSize))) out.push(c);
  return out;
}

describe('GearChunker', () => {
  const data = seededBytes('chunker', 2_000_000);

  it('splits into chunks within the size bounds that concatenate to the input', async () => {
    const chunks = await chunkAll(data, 65536);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    for (const c of chunks.slice(0, -1)) {
      expect(c.length).toBeGreaterThanOrEqual(params.minSize);
      expect(c.length).toBeLessThanOrEqual(params.maxSize);
    }
    const avg = data.length / chunks.length;
    expect(avg).toBeGreaterThan(params.avgSize / 2);
    expect(avg).toBeLessThan(params.avgSize * 2);
  });

  it('cuts at the same places whatever the read sizes', async () => {
    const a = (await chunkAll(data, 1000)).map((c) => c.length);
    const b = (await chunkAll(data, 1 << 20)).map((c) => c.length);
    expect(a).toEqual(b);
  });

  it('resynchronises after an insertion: most chunks stay identical', async () => {
    const edited = Buffer.concat([data.subarray(0, 500_000), Buffer.from('inserted bytes'), data.subarray(500_000)]);
    const before = new Set((await chunkAll(data, 65536)).map((c) => c.toString('base64')));
    const after = await chunkAll(edited, 65536);
    const shared = after.filter((c) => before.has(c.toString('base64'))).length;
    expect(shared).toBeGreaterThan(after.length - 4);
  });

  it('different seeds give different boundaries', async () => {
    const other = new GearChunker(gearTable(Buffer.from('other')), params);
    const a: number[] = [];
    for await (const c of other.chunks(pieces(data, 65536))) a.push(c.length);
    expect(a).not.toEqual((await chunkAll(data, 65536)).map((c) => c.length));
  });

  it('handles empty and tiny inputs', async () => {
    expect(await chunkAll(Buffer.alloc(0), 10)).toEqual([]);
    const tiny = await chunkAll(Buffer.from('abc'), 10);
    expect(Buffer.concat(tiny).toString()).toBe('abc');
  });
});

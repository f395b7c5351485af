import { Readable } from 'node:stream';
import { GraphConflictError } from '../errors/graph-errors';
import { bufferSource, streamSource } from './chunk-source';
import { download, parseContentRange } from './download';
import { G, fakeClient } from './test-client';
import {
  ATTACHMENT_CHUNK_MAX,
  DRIVE_CHUNK_MAX,
  DRIVE_CHUNK_UNIT,
  attachmentChunkSize,
  contentRange,
  driveChunkSize,
  nextExpectedOffset,
  planChunks,
  uploadAttachment,
  uploadDriveFile,
} from './upload-session';

describe('upload chunk math', () => {
  it('rounds drive chunks down to 320 KiB multiples below 60 MiB', () => {
    expect(driveChunkSize(1_000_000)).toBe(3 * DRIVE_CHUNK_UNIT);
    expect(driveChunkSize(10)).toBe(DRIVE_CHUNK_UNIT);
    const max = driveChunkSize(1e12);
    expect(max % DRIVE_CHUNK_UNIT).toBe(0);
    expect(max).toBeLessThan(DRIVE_CHUNK_MAX);
    expect(driveChunkSize() % DRIVE_CHUNK_UNIT).toBe(0);
  });

  it('keeps attachment chunks under 4 MB', () => {
    expect(attachmentChunkSize(10 * 1024 * 1024)).toBeLessThan(ATTACHMENT_CHUNK_MAX);
    expect(attachmentChunkSize()).toBe(3 * 1024 * 1024);
  });

  it('plans inclusive ranges that cover every byte once', () => {
    expect(planChunks(10, 4)).toEqual([
      { start: 0, end: 3 },
      { start: 4, end: 7 },
      { start: 8, end: 9 },
    ]);
    expect(planChunks(8, 4, 4)).toEqual([{ start: 4, end: 7 }]);
    expect(contentRange({ start: 4, end: 7 }, 10)).toBe('bytes 4-7/10');
  });

  it('reads the resume point from nextExpectedRanges', () => {
    expect(nextExpectedOffset(['26-'])).toBe(26);
    expect(nextExpectedOffset(['40-50', '12-20'])).toBe(12);
    expect(nextExpectedOffset([])).toBeUndefined();
  });
});

/** A fake upload endpoint that keeps what it received and answers like Graph. */
function uploadServer(size: number, opts: { failChunkAt?: number; finalStatus?: number; progressStatus?: number } = {}) {
  const received = Buffer.alloc(size);
  let next = 0;
  let failed = false;
  return {
    received,
    handler(req: { method: string; url: string; headers: Record<string, string>; body?: Buffer }) {
      if (req.url.endsWith('createUploadSession')) return { status: 200, body: { uploadUrl: 'https://upload.test/s/1?tempauth=x', nextExpectedRanges: ['0-'] } };
      if (req.method === 'GET') return { status: 200, body: { nextExpectedRanges: [`${next}-`] } };
      if (req.method === 'DELETE') return { status: 204 };
      const m = /bytes (\d+)-(\d+)\/(\d+)/.exec(req.headers['content-range'])!;
      const start = Number(m[1]);
      const end = Number(m[2]);
      if (opts.failChunkAt !== undefined && start === opts.failChunkAt && !failed) {
        failed = true;
        req.body!.copy(received, start); // the service kept the chunk, the answer got lost
        next = end + 1;
        return { status: 502 };
      }
      if (start !== next) return { status: 416, body: { error: { code: 'invalidRange' } } };
      req.body!.copy(received, start);
      next = end + 1;
      if (next >= size) return { status: opts.finalStatus ?? 201, headers: { location: 'https://graph.test/v1.0/att/1' }, body: { id: 'item-1', size } };
      return { status: opts.progressStatus ?? 202, body: { nextExpectedRanges: [`${next}-`] } };
    },
  };
}

describe('uploadDriveFile', () => {
  it('uploads 320 KiB-multiple chunks to the upload URL without the token and resumes after a lost answer', async () => {
    const size = DRIVE_CHUNK_UNIT * 5 + 123;
    const content = Buffer.alloc(size, 7).map((_, i) => i % 251);
    const server = uploadServer(size, { failChunkAt: DRIVE_CHUNK_UNIT * 2 });
    const { client, transport } = fakeClient((r) => server.handler(r));
    const result = await uploadDriveFile(client, { driveId: 'd', parentId: 'root', name: 'report final.pdf', source: bufferSource(Buffer.from(content)), chunkSize: DRIVE_CHUNK_UNIT * 2, conflictBehavior: 'fail' });
    expect(result.item).toEqual({ id: 'item-1', size });
    expect(server.received.equals(Buffer.from(content))).toBe(true);
    const create = transport.requests[0];
    expect(create.url).toBe(`${G}/drives/d/items/root:/report%20final.pdf:/createUploadSession`);
    expect(JSON.parse(create.body!.toString())).toEqual({ item: { '@microsoft.graph.conflictBehavior': 'fail', name: 'report final.pdf' } });
    const puts = transport.requests.filter((r) => r.method === 'PUT');
    expect(puts.every((p) => p.headers.authorization === undefined)).toBe(true);
    expect(puts.map((p) => p.headers['content-range'])).toEqual([
      `bytes 0-${2 * DRIVE_CHUNK_UNIT - 1}/${size}`,
      `bytes ${2 * DRIVE_CHUNK_UNIT}-${4 * DRIVE_CHUNK_UNIT - 1}/${size}`,
      `bytes ${4 * DRIVE_CHUNK_UNIT}-${size - 1}/${size}`,
    ]);
    expect(transport.requests.some((r) => r.method === 'GET' && r.url.startsWith('https://upload.test'))).toBe(true);
  });

  it('reports a name clash as a conflict', async () => {
    const { client } = fakeClient(() => ({ status: 409, body: { error: { code: 'nameAlreadyExists', message: 'exists' } } }));
    await expect(uploadDriveFile(client, { driveId: 'd', parentId: 'root', name: 'a', source: bufferSource(Buffer.from('x')), conflictBehavior: 'fail' })).rejects.toBeInstanceOf(GraphConflictError);
  });
});

describe('uploadAttachment', () => {
  it('sends chunks under 4 MB with Content-Range and no Authorization, from a one-pass stream', async () => {
    const size = 9 * 1024 * 1024;
    const content = Buffer.alloc(size, 1);
    const server = uploadServer(size, { progressStatus: 200 }); // Outlook answers 200 until the last chunk
    const { client, transport } = fakeClient((r) => server.handler(r));
    const stream = Readable.from((function* () {
      for (let i = 0; i < size; i += 65_536) yield content.subarray(i, i + 65_536);
    })());
    const result = await uploadAttachment(client, { mailbox: 'alice', parentPath: '/users/alice/messages/m1', name: 'big.zip', contentType: 'application/zip', source: streamSource(stream, size) });
    expect(result.location).toBe('https://graph.test/v1.0/att/1');
    expect(server.received.equals(content)).toBe(true);
    const create = JSON.parse(transport.requests[0].body!.toString());
    expect(create).toEqual({ AttachmentItem: { attachmentType: 'file', name: 'big.zip', size, contentType: 'application/zip' } });
    const puts = transport.requests.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(3);
    expect(puts.every((p) => p.body!.length < 4 * 1024 * 1024 && !p.headers.authorization)).toBe(true);
  });

  it('refuses attachments over 150 MB', async () => {
    const { client } = fakeClient(() => ({ status: 200 }));
    await expect(uploadAttachment(client, { mailbox: 'a', parentPath: '/users/a/messages/m', name: 'x', source: { size: 151 * 1024 * 1024, read: async () => Buffer.alloc(0) } })).rejects.toThrow(/at most/);
  });
});

describe('download', () => {
  it('parses Content-Range', () => {
    expect(parseContentRange('bytes 100-199/1000')).toEqual({ start: 100, end: 199, total: 1000 });
    expect(parseContentRange('bytes 0-9/*')).toEqual({ start: 0, end: 9, total: undefined });
    expect(parseContentRange('nonsense')).toBeUndefined();
  });

  it('resumes with Range after the stream breaks and delivers every byte once', async () => {
    const content = Buffer.from('0123456789abcdefghij');
    const { client, transport } = fakeClient((req) => {
      const range = req.headers.range;
      if (!range) {
        const broken = new Readable({ read() {} });
        broken.push(content.subarray(0, 7));
        setImmediate(() => broken.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
        return { status: 200, headers: { 'content-length': String(content.length), etag: '"v1"' }, body: broken };
      }
      const start = Number(/bytes=(\d+)-/.exec(range)![1]);
      return { status: 206, headers: { 'content-range': `bytes ${start}-${content.length - 1}/${content.length}`, 'content-length': String(content.length - start), etag: '"v1"' }, body: content.subarray(start) };
    });
    const chunks: Buffer[] = [];
    for await (const c of download(client, { path: '/drives/d/items/i/content', pacing: { workload: 'sharepoint', kind: 'download' } })) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe(content.toString());
    expect(transport.requests.map((r) => r.headers.range)).toEqual([undefined, 'bytes=7-']);
  });

  it('skips already delivered bytes when the server ignores Range', async () => {
    const content = Buffer.from('abcdefghij');
    let n = 0;
    const { client } = fakeClient(() => {
      n++;
      if (n === 1) {
        const broken = new Readable({ read() {} });
        broken.push(content.subarray(0, 4));
        setImmediate(() => broken.destroy(Object.assign(new Error('reset'), { code: 'ECONNRESET' })));
        return { status: 200, headers: { 'content-length': '10' }, body: broken };
      }
      return { status: 200, body: content };
    });
    const chunks: Buffer[] = [];
    for await (const c of download(client, { path: `${G}/x/content`, pacing: { workload: 'sharepoint', kind: 'download' } })) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('abcdefghij');
  });

  it('fails rather than splice two versions when the ETag changes', async () => {
    let n = 0;
    const { client } = fakeClient(() => {
      n++;
      if (n === 1) {
        const broken = new Readable({ read() {} });
        broken.push(Buffer.from('abc'));
        setImmediate(() => broken.destroy(Object.assign(new Error('reset'), { code: 'ECONNRESET' })));
        return { status: 200, headers: { 'content-length': '10', etag: '"v1"' }, body: broken };
      }
      return { status: 206, headers: { etag: '"v2"', 'content-range': 'bytes 3-9/10' }, body: Buffer.from('defghij') };
    });
    const read = async () => {
      for await (const _ of download(client, { path: '/x/content', pacing: { workload: 'sharepoint', kind: 'download' } })) void _;
    };
    await expect(read()).rejects.toBeInstanceOf(GraphConflictError);
  });
});

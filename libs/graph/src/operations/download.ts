import { Readable } from 'node:stream';
import { HoldfastError } from '@holdfast/contracts';
import { GraphConflictError, GraphError, GraphTransientError } from '../errors/graph-errors';
import { headerValue } from '../errors/retry-after';
import { GraphClient, GraphStreamResponse } from '../http/graph-client';
import { PacingTarget } from '../pacing/pacer';

export interface DownloadOptions {
  /** `/drives/{d}/items/{i}/content`, `/users/{u}/messages/{m}/$value`, or a pre-authenticated downloadUrl. */
  readonly path: string;
  readonly pacing: PacingTarget;
  /** Resume attempts after the stream breaks. Default 5. */
  readonly maxResumes?: number;
  /** Start at this byte. */
  readonly offset?: number;
  readonly signal?: AbortSignal;
}

/** Parses `Content-Range: bytes 100-199/1000`. */
export function parseContentRange(value: string | undefined): { start: number; end: number; total?: number } | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/i.exec(value?.trim() ?? '');
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

/**
 * A download streamed with backpressure. When the connection breaks mid-way it asks again
 * with `Range: bytes=<received>-` and carries on; a server that ignores Range (200) has the
 * bytes already delivered skipped. A changed ETag between attempts fails the download
 * (the file changed under us) instead of splicing two versions.
 */
export function download(client: GraphClient, options: DownloadOptions): Readable {
  let offset = options.offset ?? 0;
  let etag: string | undefined;
  let total: number | undefined;
  async function* run(): AsyncGenerator<Buffer> {
    for (let resumes = 0; ; resumes++) {
      const res: GraphStreamResponse = await client.stream({
        path: options.path,
        pacing: options.pacing,
        immutableId: options.pacing.workload === 'exchange',
        headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
        signal: options.signal,
      });
      const tag = headerValue(res.headers, 'etag');
      if (etag && tag && tag !== etag) {
        res.body.destroy();
        throw new GraphConflictError(`the content changed while it was downloaded (ETag ${etag} became ${tag})`);
      }
      etag = etag ?? tag;
      let skip = 0;
      if (offset > 0) {
        if (res.status === 206) {
          const cr = parseContentRange(headerValue(res.headers, 'content-range'));
          if (cr && cr.start !== offset) {
            res.body.destroy();
            throw new GraphError('unexpected', `asked for bytes from ${offset} but got ${cr.start}`);
          }
          total = cr?.total ?? total;
        } else {
          skip = offset; // Range ignored: the whole content again
        }
      } else {
        const len = Number(headerValue(res.headers, 'content-length') ?? NaN);
        if (res.status === 206) total = parseContentRange(headerValue(res.headers, 'content-range'))?.total;
        else if (!Number.isNaN(len)) total = len;
      }
      try {
        for await (const chunk of res.body) {
          let b = chunk as Buffer;
          if (skip > 0) {
            const drop = Math.min(skip, b.length);
            skip -= drop;
            b = b.subarray(drop);
            if (b.length === 0) continue;
          }
          offset += b.length;
          yield b;
        }
        if (total !== undefined && offset < total) throw new GraphTransientError(`download ended at ${offset} of ${total} bytes`);
        return;
      } catch (err) {
        res.body.destroy();
        const resumable = err instanceof GraphError && err.kind === 'transient';
        if (!resumable || resumes >= (options.maxResumes ?? 5) || options.signal?.aborted) throw err;
        client.metrics.add('holdfast.graph.retries', 1, { workload: options.pacing.workload, kind: 'resume' });
      }
    }
  }
  if (offset < 0) throw new HoldfastError('validation_failed', 'download offset must be >= 0');
  return Readable.from(run(), { objectMode: false });
}

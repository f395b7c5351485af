import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { GraphHttpError } from '../framework/graph-error';
import type { ContentRequest, GraphResponse, SimContext } from '../framework/sim-types';
import { generatedChunks } from './content/generated-content';
import { QuickXorHash } from './content/quick-xor-hash';
import { FilesAccess } from './files-journal';
import { renderItem, type DownloadTokenPayload } from './files-render';
import type { FilesRoutes } from './files.routes';
import { parseRange } from './files.routes';
import type { ContentRef } from './model/drive-store';
import { acceptFragment, nextExpectedRanges } from './model/upload-session';

/** The pre-authenticated content host: downloads (with Range) and upload-session fragments. */
export function registerContentRoutes(ctx: SimContext, fa: FilesAccess, routes: FilesRoutes): void {
  const uploadDir = path.join(ctx.options.stateDir, 'uploads');

  const tenantOf = (id: string) => {
    const t = ctx.world.tenant(id);
    if (!t) throw new GraphHttpError(404, 'itemNotFound', 'The resource could not be found.');
    return t;
  };

  ctx.contentRoute({
    name: 'files.download',
    method: ['GET', 'HEAD'],
    path: 'files/download/:token',
    throttle: (req) => {
      const p = ctx.content.verify<DownloadTokenPayload>(req.params.token);
      return p ? { tenantId: p.t, appId: p.a ?? 'content', scopes: [{ kind: 'sharepoint', ru: 1 }] } : undefined;
    },
    handler: (req: ContentRequest, res: GraphResponse) => {
      const p = ctx.content.verify<DownloadTokenPayload>(req.params.token);
      if (!p) throw new GraphHttpError(401, 'unauthenticated', 'The download URL is invalid or has expired.');
      const tenant = tenantOf(p.t);
      const store = fa.drive(tenant, p.d);
      const item = store.items.get(p.i);
      const version = item?.versions.find((v) => v.id === p.v);
      if (!item || item.deleted || !version) throw new GraphHttpError(404, 'itemNotFound', 'The resource could not be found.');
      const size = version.size;
      const range = parseRange(req.headers.range as string | undefined, size);
      res.header('Accept-Ranges', 'bytes');
      res.header('ETag', `"{${item.uniqueId.toUpperCase()}},${item.eTagVersion}"`);
      res.header('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(item.name)}`);
      if (range === 'unsatisfiable') {
        res.header('Content-Range', `bytes */${size}`);
        throw new GraphHttpError(416, 'invalidRange', 'The requested range is not satisfiable.', { 'Content-Range': `bytes */${size}` });
      }
      const [start, end] = range ?? [0, size];
      if (range) res.header('Content-Range', `bytes ${start}-${end - 1}/${size}`);
      const status = range ? 206 : 200;
      const contentType = item.mimeType ?? 'application/octet-stream';
      if (req.method === 'HEAD') {
        res.header('Content-Length', end - start);
        return res.send(Buffer.alloc(0), contentType, status);
      }
      res.stream(contentStream(ctx, version.content, start, end), { contentType, length: end - start, status });
    },
  });

  const session = (req: ContentRequest) => {
    const p = ctx.content.verify<{ t: string; s: string }>(req.params.token);
    if (!p) throw new GraphHttpError(404, 'itemNotFound', 'The upload session was not found or has expired.');
    const tenant = tenantOf(p.t);
    const s = fa.state(tenant).uploadSessions.get(p.s);
    if (!s) throw new GraphHttpError(404, 'itemNotFound', 'The upload session was not found or has expired.');
    return { tenant, s };
  };
  const statusBody = (s: { expiresAt: number; totalSize?: number; received: number }) => ({
    expirationDateTime: new Date(s.expiresAt).toISOString(),
    nextExpectedRanges: nextExpectedRanges(s as never),
  });

  ctx.contentRoute({
    name: 'files.upload.status',
    method: 'GET',
    path: 'files/upload/:token',
    handler: (req, res) => res.json(statusBody(session(req).s)),
  });
  ctx.contentRoute({
    name: 'files.upload.cancel',
    method: 'DELETE',
    path: 'files/upload/:token',
    handler: (req, res) => {
      const { tenant, s } = session(req);
      fa.state(tenant).uploadSessions.delete(s.id);
      rmSync(path.join(uploadDir, s.id), { force: true });
      res.empty(204);
    },
  });
  ctx.contentRoute({
    name: 'files.upload.put',
    method: 'PUT',
    path: 'files/upload/:token',
    throttle: (req) => {
      const p = ctx.content.verify<{ t: string; s: string; a?: string }>(req.params.token);
      return p ? { tenantId: p.t, appId: p.a ?? 'content', scopes: [{ kind: 'sharepoint', ru: 2 }] } : undefined;
    },
    handler: async (req, res) => {
      const { tenant, s } = session(req);
      const data = await req.body();
      const decision = acceptFragment(s, req.headers['content-range'] as string | undefined, data.length, Date.now());
      if (decision.kind === 'error') {
        if (decision.status === 404) fa.state(tenant).uploadSessions.delete(s.id);
        throw new GraphHttpError(decision.status, decision.code, decision.message);
      }
      mkdirSync(uploadDir, { recursive: true });
      const file = path.join(uploadDir, s.id);
      const fh = await open(file, 'a');
      try {
        await fh.write(data);
      } finally {
        await fh.close();
      }
      if (decision.kind === 'accepted') return res.json(statusBody(s), 202);
      // last fragment: hash, move into the blob store, create the item
      const content = await finishBlob(ctx, file, decision.total);
      const store = fa.drive(tenant, s.driveId);
      const parent = store.get(s.parentId);
      if (!parent) throw new GraphHttpError(404, 'itemNotFound', 'The destination folder no longer exists.');
      let result;
      try {
        result = routes.commitFile(tenant, store, parent, s.name, s.conflictBehavior, content, s.createdBy);
      } catch (e) {
        // keep the session (Graph keeps it until expiry so the app can commit differently)
        s.received = 0;
        s.totalSize = undefined;
        throw e;
      }
      fa.state(tenant).uploadSessions.delete(s.id);
      s.completedItemId = result.item.id;
      const json = renderItem({ tenantId: tenant.id, content: ctx.content }, store, result.item);
      res.json(json, result.created ? 201 : 200);
    },
  });
}

async function finishBlob(ctx: SimContext, file: string, size: number) {
  const actual = statSync(file).size;
  if (actual !== size) throw new GraphHttpError(500, 'generalException', `Upload stored ${actual} bytes, expected ${size}.`);
  const qx = new QuickXorHash();
  const sha = createHash('sha256');
  for await (const chunk of createReadStream(file)) {
    qx.update(chunk as Buffer);
    sha.update(chunk as Buffer);
  }
  const blobId = sha.digest('hex');
  const target = ctx.world.blobs.path(blobId);
  mkdirSync(path.dirname(target), { recursive: true });
  if (existsSync(target)) rmSync(file, { force: true });
  else renameSync(file, target);
  return { kind: 'blob' as const, blobId, size, quickXorHash: qx.digestBase64(), sha256: blobId };
}

/** Streams [start, end) of stored or generated content without reading what comes before. */
export function contentStream(ctx: SimContext, content: ContentRef, start: number, end: number): Readable | AsyncIterable<Buffer> {
  if (end <= start) return (async function* () {})();
  if (content.kind === 'blob') return createReadStream(ctx.world.blobs.path(content.blobId), { start, end: end - 1 });
  return (async function* () {
    for (const piece of generatedChunks(content, start, end, 1 << 20)) yield piece;
  })();
}


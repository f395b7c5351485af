import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** s3rver (pure JS S3 server) on 127.0.0.1, a free port, and a throw-away folder. */
export async function startS3Server(buckets: string[]): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const S3rver = require('s3rver');
  const dir = mkdtempSync(path.join(tmpdir(), 'hf-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: buckets.map((name) => ({ name })) });
  const addr = (await server.run()) as { port: number };
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  return {
    endpoint: `http://127.0.0.1:${addr.port}`,
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

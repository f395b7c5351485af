import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalBackend } from '../backend/local.backend';
import { Repository, type RepositoryInitOptions } from '../engine/repository';
export { seededBytes } from './seeded-bytes';

export const TEST_PASSWORD = 'correct horse battery staple';
export const CHEAP_SCRYPT = { N: 1024, r: 8, p: 1 };

export function tempDir(name = 'hf-repo-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), name));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function initLocal(dir: string, opts: Partial<RepositoryInitOptions> = {}): Promise<Repository> {
  return Repository.init(new LocalBackend(dir, { fsync: false }), { password: TEST_PASSWORD, scrypt: CHEAP_SCRYPT, ...opts });
}

export async function openLocal(dir: string, opts: Partial<RepositoryInitOptions> = {}): Promise<Repository> {
  return Repository.open(new LocalBackend(dir, { fsync: false }), { password: TEST_PASSWORD, ...opts });
}

export function randomText(length: number): string {
  const words = ['invoice', 'meeting', 'project', 'quarterly', 'report', 'please', 'review', 'attached', 'thanks', 'regards', 'the', 'and', 'budget'];
  const r = randomBytes(length);
  let s = '';
  for (let i = 0; s.length < length; i++) s += words[r[i % r.length] % words.length] + (i % 12 === 11 ? '.\r\n' : ' ');
  return s.slice(0, length);
}

export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}

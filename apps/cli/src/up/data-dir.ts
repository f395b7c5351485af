import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A secret kept in a file of the data folder (mode 0600), created on first use, so restarts
 * of the all-in-one mode keep the same administrator token and master key.
 */
export function fileSecret(dataDir: string, name: string, create: () => string): string {
  const file = path.join(dataDir, name);
  if (existsSync(file)) {
    const value = readFileSync(file, 'utf8').trim();
    if (value) return value;
  }
  mkdirSync(dataDir, { recursive: true });
  const value = create();
  writeFileSync(file, value + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return value;
}

export const newAdminToken = () => `hf_${randomBytes(32).toString('base64url')}`;
export const newMasterKey = () => randomBytes(32).toString('base64');
export const newRepositoryPassword = () => randomBytes(24).toString('base64url');

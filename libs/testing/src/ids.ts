import { randomBytes } from 'node:crypto';

/** A short random suffix for names that must not collide between test runs. */
export function uniqueSuffix(): string {
  return randomBytes(5).toString('hex');
}

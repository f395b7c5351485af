import { readFileSync } from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

/** The version of this Holdfast build (the repository's package.json). */
export function holdfastVersion(): string {
  if (!cached) {
    const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../../../../package.json'), 'utf8')) as { version: string };
    cached = pkg.version;
  }
  return cached;
}

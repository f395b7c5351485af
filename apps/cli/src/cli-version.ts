import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The version of this Holdfast checkout (the repository's package.json). */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

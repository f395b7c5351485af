import { lstat, mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { HoldfastError } from '@holdfast/contracts';

/** Longest file or folder name written (UTF-8 bytes); most file systems allow 255. */
export const MAX_NAME_BYTES = 180;

const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i;

function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const b = Buffer.byteLength(ch);
    if (bytes + b > maxBytes) break;
    out += ch;
    bytes += b;
  }
  return out;
}

/**
 * A name that is safe as ONE path segment on Linux, macOS and Windows: no separators, no
 * control or reserved characters, not `.`/`..`, no leading dot, no trailing dot or space,
 * not a reserved device name, at most MAX_NAME_BYTES bytes (the extension is kept).
 */
export function safeName(name: string | undefined | null, ext = '', fallback = 'unnamed'): string {
  let base = String(name ?? '')
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    .replace(/[/\\:*?"<>|]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, (m) => '_'.repeat(m.length))
    .replace(/[. ]+$/, '');
  if (!base) base = fallback;
  if (RESERVED.test(base) || RESERVED.test(base + ext)) base = `_${base}`;
  const room = MAX_NAME_BYTES - Buffer.byteLength(ext);
  base = truncateUtf8(base, room).replace(/[. ]+$/, '') || fallback;
  return base + ext;
}

/** Folder path (`/`-separated, `%2F`-escaped names) to safe path segments. */
export function safeFolderSegments(folderPath: string): string[] {
  return folderPath
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => safeName(s.replace(/%2F/gi, '/').replace(/%25/g, '%'), '', 'folder'));
}

/** Hands out names unique within each folder, case-insensitively: `a.eml`, `a (2).eml`, ... */
export class UniqueNames {
  private readonly used = new Map<string, Set<string>>();

  take(folder: string, name: string, ext: string): string {
    const key = folder.toLowerCase();
    let set = this.used.get(key);
    if (!set) {
      set = new Set();
      this.used.set(key, set);
    }
    let candidate = safeName(name, ext);
    for (let n = 2; set.has(candidate.toLowerCase()); n++) {
      const suffix = ` (${n})`;
      candidate = safeName(truncateUtf8(safeName(name, '').slice(0), MAX_NAME_BYTES - Buffer.byteLength(ext + suffix)) + suffix, ext);
    }
    set.add(candidate.toLowerCase());
    return candidate;
  }
}

/** Joins safe segments under root and proves the result stays inside it. */
export function resolveInside(root: string, segments: string[]): string {
  const base = path.resolve(root);
  const full = path.resolve(base, ...segments);
  if (full !== base && !full.startsWith(base + path.sep)) {
    throw new HoldfastError('validation_failed', `refusing to write outside ${base}: ${segments.join('/')}`);
  }
  return full;
}

/** Creates a folder under root; refuses when any existing part is a link leading elsewhere. */
export async function makeFolderInside(root: string, segments: string[]): Promise<string> {
  const realRoot = await realpath(path.resolve(root));
  const dir = resolveInside(realRoot, segments);
  await mkdir(dir, { recursive: true });
  const real = await realpath(dir);
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
    throw new HoldfastError('validation_failed', `refusing to write outside ${realRoot}: ${segments.join('/')} leads to ${real}`);
  }
  const st = await lstat(dir);
  if (!st.isDirectory()) throw new HoldfastError('validation_failed', `${dir} is not a folder`);
  return dir;
}

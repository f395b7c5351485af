import path from 'node:path';
import { MAX_NAME_BYTES, resolveInside, safeFolderSegments, safeName, UniqueNames } from './safe-names';

describe('safe names', () => {
  it.each([
    ['..', '__'],
    ['.', '_'],
    ['../../etc/passwd', '___.._etc_passwd'],
    ['/etc/shadow', '_etc_shadow'],
    ['C:\\Windows\\system32', 'C__Windows_system32'],
    ['a\u0000b\u001fc', 'abc'],
    ['trailing dots...', 'trailing dots'],
    ['  spaced  ', 'spaced'],
    ['.hidden', '_hidden'],
    ['', 'unnamed'],
    ['\u202Egnp.exe', 'gnp.exe'],
  ])('makes %j one harmless segment', (input, expected) => {
    const out = safeName(input);
    expect(out).toBe(expected);
    expect(out).not.toMatch(/[/\\]/);
    expect(out === '.' || out === '..').toBe(false);
  });

  it('prefixes reserved Windows device names, with or without extension', () => {
    expect(safeName('CON')).toBe('_CON');
    expect(safeName('nul', '.eml')).toBe('_nul.eml');
    expect(safeName('com1.txt', '.eml')).toBe('_com1.txt.eml');
    expect(safeName('console')).toBe('console');
  });

  it('caps long names in bytes without splitting characters and keeps the extension', () => {
    const long = safeName('日本語'.repeat(200), '.eml');
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(long.endsWith('.eml')).toBe(true);
    expect(long).not.toContain('\uFFFD');
    expect(Buffer.from(long).toString('utf8')).toBe(long);
  });

  it('normalizes unicode to NFC', () => {
    expect(safeName('Cafe\u0301')).toBe('Caf\u00e9');
  });

  it('turns folder paths into safe segments, unescaping %2F inside names', () => {
    expect(safeFolderSegments('Inbox/Reports%2F2025/../x')).toEqual(['Inbox', 'Reports_2025', '__', 'x']);
    expect(safeFolderSegments('')).toEqual([]);
  });

  it('hands out unique names per folder, case-insensitively', () => {
    const u = new UniqueNames();
    expect(u.take('Inbox', 'Hello', '.eml')).toBe('Hello.eml');
    expect(u.take('Inbox', 'hello', '.eml')).toBe('hello (2).eml');
    expect(u.take('Inbox', 'HELLO', '.eml')).toBe('HELLO (3).eml');
    expect(u.take('Other', 'Hello', '.eml')).toBe('Hello.eml');
    const long = 'y'.repeat(500);
    const a = u.take('Inbox', long, '.eml');
    const b = u.take('Inbox', long, '.eml');
    expect(a).not.toBe(b);
    expect(Buffer.byteLength(b)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(b.endsWith(' (2).eml')).toBe(true);
  });

  it('refuses paths that resolve outside the root', () => {
    const root = path.resolve('/tmp/export-root');
    expect(resolveInside(root, ['a', 'b.eml'])).toBe(path.join(root, 'a', 'b.eml'));
    expect(() => resolveInside(root, ['..', 'x'])).toThrow(/outside/);
    expect(() => resolveInside(root, ['/etc/passwd'])).toThrow(/outside/);
  });
});

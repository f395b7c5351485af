import { DriveStore } from '../model/drive-store';
import { generateDriveContent } from './drive-generator';

function build(seed: number, files = 300): DriveStore {
  const d = new DriveStore({
    id: 'b!x', name: 'OneDrive', description: '', driveType: 'business', owner: { kind: 'user', id: 'u', displayName: 'U' },
    siteId: 's', siteWebUrl: 'https://x', listId: 'l', webUrl: 'https://x', createdDateTime: '2024-01-01T00:00:00Z', rootId: 'ROOT', quotaTotal: 1e12,
  });
  d.createRoot({ id: 'ROOT', uniqueId: 'r', at: '2024-01-01T00:00:00Z', by: { id: 'u', displayName: 'U' } });
  generateDriveContent(d, {
    seed, files, maxDepth: 7, largeFileRate: 0.02, hugeFileBytes: 20 * 1024 ** 3, anchor: '2026-01-01T00:00:00Z',
    owner: { id: 'u', displayName: 'U' }, editors: [{ id: 'v', displayName: 'Vé' }],
  });
  return d;
}

describe('generateDriveContent', () => {
  it('is deterministic per seed', () => {
    const a = [...build(1).walk()].map((i) => `${i.id}|${i.name}|${i.versions.map((v) => v.size).join(',')}`);
    const b = [...build(1).walk()].map((i) => `${i.id}|${i.name}|${i.versions.map((v) => v.size).join(',')}`);
    const c = [...build(2).walk()].map((i) => `${i.id}|${i.name}`);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a.map((x) => x.split('|').slice(0, 2).join('|')));
  });

  it('builds a deep tree with unicode names, versions, a size mix and one huge file', () => {
    const d = build(7);
    const items = [...d.walk()];
    const files = items.filter((i) => !i.folder);
    expect(files).toHaveLength(301);
    expect(Math.max(...items.map((i) => i.depth))).toBe(8); // a file at the bottom of the 7-deep chain
    expect(items.some((i) => /[^\x00-\x7f]/.test(i.name))).toBe(true);
    expect(files.some((f) => f.versions.length > 1)).toBe(true);
    const sizes = files.map((f) => d.current(f)!.size);
    expect(sizes.filter((s) => s < 1024 * 1024).length).toBeGreaterThan(files.length / 3);
    expect(Math.max(...sizes)).toBe(20 * 1024 ** 3);
    // names are unique per folder (case-insensitively)
    for (const folder of items.filter((i) => i.folder)) {
      const names = d.children(folder.id).map((c) => c.name.toLowerCase());
      expect(new Set(names).size).toBe(names.length);
    }
  });
});

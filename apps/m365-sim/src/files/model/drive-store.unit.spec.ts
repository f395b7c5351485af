import { DriveStore, IdentityRef, NewItemInput } from './drive-store';
import type { GeneratedContent } from '../content/generated-content';

const by: IdentityRef = { id: 'u1', displayName: 'Zoë Ångström' };
let n = 0;
const input = (): NewItemInput => ({ id: `I${String(++n).padStart(4, '0')}`, uniqueId: `g${n}`, at: `2026-01-01T00:00:${String(n % 60).padStart(2, '0')}Z`, by });
const content = (size: number): GeneratedContent => ({ kind: 'generated', seed: `c${size}`, size, flavor: 'text' });

function newDrive(): DriveStore {
  const d = new DriveStore({
    id: 'b!drive', name: 'OneDrive', description: '', driveType: 'business', owner: { kind: 'user', id: 'u1', displayName: 'Zoë' },
    siteId: 's', siteWebUrl: 'https://x', listId: 'l', webUrl: 'https://x/Documents', createdDateTime: '2025-01-01T00:00:00Z', rootId: 'ROOT', quotaTotal: 1e12,
  });
  d.createRoot({ id: 'ROOT', uniqueId: 'root', at: '2025-01-01T00:00:00Z', by });
  return d;
}

describe('DriveStore', () => {
  it('creates folders and files, resolves unicode paths case-insensitively, sums sizes', () => {
    const d = newDrive();
    const docs = d.createFolder('ROOT', 'Документы', 'fail', input()).item;
    const sub = d.createFolder(docs.id, '日本語 フォルダ', 'fail', input()).item;
    const f = d.putFile(sub.id, 'Résumé.docx', 'fail', content(1234), 'application/octet-stream', input()).item;
    expect(d.resolvePath('ROOT', 'документы/日本語 フォルダ/résumé.DOCX')?.id).toBe(f.id);
    expect(d.parentPath(f)).toBe('/drive/root:/Документы/日本語 フォルダ');
    expect(d.size(d.root)).toBe(1234);
    expect(d.children(docs.id).map((i) => i.name)).toEqual(['日本語 フォルダ']);
  });

  it('applies conflict behaviours fail, replace (new version) and rename', () => {
    const d = newDrive();
    d.putFile('ROOT', 'a.txt', 'fail', content(1), 'text/plain', input());
    expect(() => d.putFile('ROOT', 'A.TXT', 'fail', content(2), 'text/plain', input())).toThrow(expect.objectContaining({ status: 409, code: 'nameAlreadyExists' }));
    const replaced = d.putFile('ROOT', 'a.txt', 'replace', content(3), 'text/plain', input());
    expect(replaced.created).toBe(false);
    expect(replaced.item.versions.map((v) => [v.id, v.size])).toEqual([['1.0', 1], ['2.0', 3]]);
    const renamed = d.putFile('ROOT', 'a.txt', 'rename', content(4), 'text/plain', input());
    expect(renamed.item.name).toBe('a 1.txt');
    expect(() => d.createFolder('ROOT', 'bad:name', 'fail', input())).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('moves and renames, refusing a move into a descendant', () => {
    const d = newDrive();
    const a = d.createFolder('ROOT', 'a', 'fail', input()).item;
    const b = d.createFolder(a.id, 'b', 'fail', input()).item;
    const f = d.putFile(b.id, 'f.txt', 'fail', content(5), 'text/plain', input()).item;
    expect(() => d.update(a.id, { parentId: b.id }, 't', by)).toThrow(expect.objectContaining({ status: 400 }));
    d.update(b.id, { parentId: 'ROOT', name: 'bee' }, '2026-02-01T00:00:00Z', by);
    expect(d.resolvePath('ROOT', 'bee/f.txt')?.id).toBe(f.id);
    expect(f.depth).toBe(2);
    expect(d.children(a.id)).toEqual([]);
  });

  it('delta windows list parents first and tombstones after the initial round', () => {
    const d = newDrive();
    const a = d.createFolder('ROOT', 'a', 'fail', input()).item;
    const f = d.putFile(a.id, 'f.txt', 'fail', content(5), 'text/plain', input()).item;
    const initial = d.window(0, d.seq);
    expect(initial.map((i) => i.id)).toEqual(['ROOT', a.id, f.id]);
    const mark = d.seq;
    const g = d.putFile('ROOT', 'g.txt', 'fail', content(6), 'text/plain', input()).item;
    d.update(f.id, { name: 'renamed.txt' }, 't', by);
    d.delete(a.id, 't', by);
    const changes = d.window(mark, d.seq);
    expect(changes.map((i) => [i.id, i.deleted])).toEqual(
      expect.arrayContaining([['ROOT', false], [g.id, false], [a.id, true], [f.id, true]]),
    );
    expect(changes[0].id).toBe('ROOT');
    expect(d.window(0, d.seq).map((i) => i.id)).toEqual(['ROOT', g.id]);
    expect(d.get(f.id)).toBeUndefined();
  });
});

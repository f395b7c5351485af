import { seedEvents } from './calendar-seed';
import { seedContactFolders, seedContacts } from './contact-seed';
import { ROOT_KEY, seedMailFolders, splitMessageCounts } from './mail-folder-seed';

describe('seeded mailbox content', () => {
  it('builds a folder tree with well-known, hidden and nested unicode folders, the same for the same seed', () => {
    const folders = seedMailFolders(42, 'adele@contoso.example');
    expect(seedMailFolders(42, 'adele@contoso.example')).toEqual(folders);
    const byKey = new Map(folders.map((f) => [f.key, f]));
    for (const wk of ['inbox', 'sentitems', 'drafts', 'deleteditems', 'junkemail', 'archive', 'outbox', 'conversationhistory', 'recoverableitemsdeletions']) {
      expect(folders.some((f) => f.wellKnownName === wk)).toBe(true);
    }
    expect(folders.filter((f) => f.isHidden && f.parentKey === ROOT_KEY).length).toBeGreaterThan(0);
    expect(byKey.get('recoverableitemsdeletions')?.isHidden).toBe(true);
    // every parent exists; some user folder is three levels below the root
    for (const f of folders) if (f.parentKey) expect(byKey.has(f.parentKey)).toBe(true);
    const depth = (k: string): number => (byKey.get(k)?.parentKey ? 1 + depth(byKey.get(k)!.parentKey!) : 0);
    expect(Math.max(...folders.map((f) => depth(f.key)))).toBeGreaterThanOrEqual(3);
    expect(folders.some((f) => /[^\x00-\x7f]/.test(f.displayName) && f.key.startsWith('u'))).toBe(true);
  });

  it('splits the message total exactly by weight', () => {
    const folders = seedMailFolders(1, 'x@y.example');
    const counts = splitMessageCounts(folders, 1001);
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(1001);
    expect(counts.get('inbox')!).toBeGreaterThan(counts.get('sentitems')!);
    expect(counts.get(ROOT_KEY)).toBe(0);
  });

  it('seeds contacts into the default and child folders, and recurring series with exceptions', () => {
    const folders = seedContactFolders();
    const contacts = seedContacts(5, 'x@y.example', 30);
    expect(new Set(contacts.map((c) => c.folderKey))).toEqual(new Set(folders.map((f) => f.key)));
    expect(new Set(contacts.map((c) => c.key)).size).toBe(30);
    const events = seedEvents(5, 'x@y.example');
    const series = events.filter((e) => e.recurrence);
    expect(series.length).toBeGreaterThanOrEqual(3);
    expect(series.some((e) => e.exceptions?.length && e.cancelledDates?.length)).toBe(true);
  });
});

import { SeededRandom } from './seeded-random';

/**
 * The seeded folder tree of a mailbox: Exchange's well-known folders (Graph's English display names),
 * nested user folders with unicode names and hidden folders. Generated messages are split between the
 * folders by weight; each folder has its own index space so listings never scan other folders.
 */
export interface SeedMailFolder {
  /** Stable key inside the mailbox ('inbox', 'u3', ...). */
  readonly key: string;
  readonly wellKnownName?: string;
  readonly displayName: string;
  /** null for the root of the tree (msgfolderroot) and the recoverable items root. */
  readonly parentKey: string | null;
  readonly isHidden: boolean;
  /** Share of the mailbox's generated messages. */
  readonly weight: number;
  /** Its generated messages were sent by the owner. */
  readonly sent?: boolean;
  /** Its generated messages are drafts. */
  readonly drafts?: boolean;
}

export const ROOT_KEY = 'msgfolderroot';
export const RECOVERABLE_ROOT_KEY = 'recoverableitemsroot';

/** Well-known names Graph accepts in place of a mail folder id. */
export const WELL_KNOWN_FOLDER_NAMES = [
  'msgfolderroot', 'inbox', 'sentitems', 'drafts', 'deleteditems', 'junkemail', 'archive', 'outbox',
  'conversationhistory', 'recoverableitemsdeletions', 'syncissues', 'conflicts', 'localfailures', 'serverfailures',
  'clutter', 'scheduled', 'searchfolders',
] as const;

const USER_FOLDER_NAMES: readonly string[][] = [
  ['Projects', '2024', '2025'],
  ['Kunden', 'Müller GmbH', 'Société Générale'],
  ['日本語フォルダ', '会議'],
  ['Ελληνικά έγγραφα'],
  ['📁 Personal', 'Receipts & Invoices'],
  ['Отчёты', 'Q1', 'Q2'],
  ['Newsletters'],
];

export function seedMailFolders(seed: string | number, mailbox: string): SeedMailFolder[] {
  const rnd = new SeededRandom(String(seed), mailbox, 'folders');
  const f: SeedMailFolder[] = [
    { key: ROOT_KEY, wellKnownName: 'msgfolderroot', displayName: 'Top of Information Store', parentKey: null, isHidden: false, weight: 0 },
    { key: 'inbox', wellKnownName: 'inbox', displayName: 'Inbox', parentKey: ROOT_KEY, isHidden: false, weight: 40 },
    { key: 'sentitems', wellKnownName: 'sentitems', displayName: 'Sent Items', parentKey: ROOT_KEY, isHidden: false, weight: 15, sent: true },
    { key: 'drafts', wellKnownName: 'drafts', displayName: 'Drafts', parentKey: ROOT_KEY, isHidden: false, weight: 1, sent: true, drafts: true },
    { key: 'deleteditems', wellKnownName: 'deleteditems', displayName: 'Deleted Items', parentKey: ROOT_KEY, isHidden: false, weight: 4 },
    { key: 'junkemail', wellKnownName: 'junkemail', displayName: 'Junk Email', parentKey: ROOT_KEY, isHidden: false, weight: 2 },
    { key: 'archive', wellKnownName: 'archive', displayName: 'Archive', parentKey: ROOT_KEY, isHidden: false, weight: 8 },
    { key: 'outbox', wellKnownName: 'outbox', displayName: 'Outbox', parentKey: ROOT_KEY, isHidden: false, weight: 0 },
    { key: 'conversationhistory', wellKnownName: 'conversationhistory', displayName: 'Conversation History', parentKey: ROOT_KEY, isHidden: false, weight: 0 },
    { key: 'syncissues', wellKnownName: 'syncissues', displayName: 'Sync Issues', parentKey: ROOT_KEY, isHidden: false, weight: 0 },
    { key: 'conflicts', wellKnownName: 'conflicts', displayName: 'Conflicts', parentKey: 'syncissues', isHidden: false, weight: 0 },
    { key: 'localfailures', wellKnownName: 'localfailures', displayName: 'Local Failures', parentKey: 'syncissues', isHidden: false, weight: 0 },
    { key: 'serverfailures', wellKnownName: 'serverfailures', displayName: 'Server Failures', parentKey: 'syncissues', isHidden: false, weight: 0 },
    { key: 'h1', displayName: 'Conversation Action Settings', parentKey: ROOT_KEY, isHidden: true, weight: 0 },
    { key: 'h2', displayName: 'Quick Step Settings', parentKey: ROOT_KEY, isHidden: true, weight: 0 },
    { key: 'h3', displayName: 'ExternalContacts', parentKey: ROOT_KEY, isHidden: true, weight: 1 },
    // outside the visible tree: only reachable by its well-known name
    { key: RECOVERABLE_ROOT_KEY, displayName: 'Recoverable Items', parentKey: null, isHidden: true, weight: 0 },
    { key: 'recoverableitemsdeletions', wellKnownName: 'recoverableitemsdeletions', displayName: 'Deletions', parentKey: RECOVERABLE_ROOT_KEY, isHidden: true, weight: 2 },
  ];
  // a varying subset of user folder groups, nested under Inbox or Archive (one level deeper for the third name)
  let n = 0;
  for (const group of USER_FOLDER_NAMES) {
    if (!rnd.chance(0.7)) continue;
    const parent = rnd.chance(0.75) ? 'inbox' : 'archive';
    const top = `u${++n}`;
    f.push({ key: top, displayName: group[0], parentKey: parent, isHidden: false, weight: rnd.int(1, 6) });
    let prev = top;
    for (let i = 1; i < group.length; i++) {
      const key = `u${++n}`;
      // second child nests under the first child, making three levels
      f.push({ key, displayName: group[i], parentKey: i === 1 ? top : prev, isHidden: false, weight: rnd.int(0, 3) });
      prev = key;
    }
  }
  return f;
}

/** How many generated messages each folder holds (largest-remainder split of the total by weight). */
export function splitMessageCounts(folders: readonly SeedMailFolder[], total: number): Map<string, number> {
  const sum = folders.reduce((s, f) => s + f.weight, 0);
  const out = new Map<string, number>();
  if (sum === 0 || total <= 0) {
    for (const f of folders) out.set(f.key, 0);
    return out;
  }
  const shares = folders.map((f) => ({ key: f.key, exact: (total * f.weight) / sum }));
  let given = 0;
  for (const s of shares) {
    const n = Math.floor(s.exact);
    out.set(s.key, n);
    given += n;
  }
  const rest = [...shares].sort((a, b) => b.exact - Math.floor(b.exact) - (a.exact - Math.floor(a.exact)) || a.key.localeCompare(b.key));
  for (let i = 0; given < total; i++, given++) out.set(rest[i].key, (out.get(rest[i].key) ?? 0) + 1);
  return out;
}

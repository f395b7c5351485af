import type { InventoryObject } from '@holdfast/contracts';
import { mailboxOf, personalSiteKey, siteParents } from '../discovery/graph-discovery';
import { chunks, diffInventory, fingerprint, totalsByKind, type KnownObject } from './inventory-diff';

const user = (id: string, name: string, extra: Partial<InventoryObject> = {}): InventoryObject => ({ objectId: id, kind: 'user', name, licensed: true, mailbox: 'user', ...extra });
const known = (o: InventoryObject): KnownObject => ({ kind: o.kind, objectId: o.objectId, name: o.name, fingerprint: fingerprint(o) });

describe('inventory diff', () => {
  it('finds new, changed and removed objects; unchanged ones are not reported', () => {
    const a = user('a', 'Adele');
    const b = user('b', 'Ben');
    const c = user('c', 'Cleo');
    const diff = diffInventory([known(a), known(b), known(c)], [a, user('b', 'Ben', { licensed: false, mailbox: 'none' }), user('d', 'Dana')]);
    expect(diff.added.map((o) => o.objectId)).toEqual(['d']);
    expect(diff.changed.map((o) => o.objectId)).toEqual(['b']);
    expect(diff.removed).toEqual([{ objectId: 'c', kind: 'user', name: 'Cleo' }]);
  });

  it('keys objects by kind and id (a group and its team share the id) and ignores duplicates', () => {
    const group: InventoryObject = { objectId: 'g', kind: 'group', name: 'Sales', mailbox: 'group' };
    const team: InventoryObject = { objectId: 'g', kind: 'team', name: 'Sales', channels: 2 };
    expect(diffInventory([known(group)], [group, team, team]).added).toEqual([team]);
  });

  it('chunks events and counts totals by kind', () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(totalsByKind([{ kind: 'user' }, { kind: 'user' }, { kind: 'team' }])).toMatchObject({ user: 2, team: 1, site: 0, onedrive: 0 });
  });
});

describe('discovery rules', () => {
  it('tells user, shared and missing mailboxes apart from licences and sign-in state', () => {
    expect(mailboxOf({ assignedLicenses: [{ skuId: 'x' }], accountEnabled: true, mail: 'a@x' })).toBe('user');
    expect(mailboxOf({ assignedLicenses: [], accountEnabled: false, mail: 'shared@x' })).toBe('shared');
    expect(mailboxOf({ assignedLicenses: [], accountEnabled: true, mail: null })).toBe('none');
  });

  it('derives the personal site key of a user and the parent of subsites', () => {
    expect(personalSiteKey('Amelie.Muller@contoso.onmicrosoft.com')).toBe('amelie_muller_contoso_onmicrosoft_com');
    const sites = [
      { id: 'h,root,w0', webUrl: 'https://c.sharepoint.com' },
      { id: 'h,mkt,w1', webUrl: 'https://c.sharepoint.com/sites/Marketing' },
      { id: 'h,mkt,w2', webUrl: 'https://c.sharepoint.com/sites/Marketing/Projects' },
      { id: 'h,mkt,w3', webUrl: 'https://c.sharepoint.com/sites/Marketing/Projects/Q1' },
    ];
    expect(Object.fromEntries(siteParents(sites))).toEqual({ 'h,mkt,w2': 'h,mkt,w1', 'h,mkt,w3': 'h,mkt,w2' });
  });
});

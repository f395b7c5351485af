import { applySelect, evalFilter, filterProperties, parseFilter } from './odata';
import { ChangeLog } from './delta';
import { SlidingWindow, ThrottleEngine, sharepointBudget } from './throttle';
import { compilePattern, matchPattern, normalisePath, parsePrefer } from './http';

describe('$filter', () => {
  const user = { displayName: 'Zoë Müller', userPrincipalName: 'zoe@contoso.com', accountEnabled: true, assignedLicenses: [{ skuId: 'a' }], groupTypes: ['Unified'], createdDateTime: '2024-01-02T00:00:00Z' };
  const t = (f: string) => !!evalFilter(parseFilter(f), user);

  it('evaluates comparisons, functions, lambdas, $count, and/or/not (strings ignore case)', () => {
    expect(t("displayName eq 'zoë müller'")).toBe(true);
    expect(t("startswith(userPrincipalName,'ZOE')")).toBe(true);
    expect(t("endswith(userPrincipalName,'.org')")).toBe(false);
    expect(t("groupTypes/any(c:c eq 'Unified')")).toBe(true);
    expect(t("groupTypes/any(c:c eq 'DynamicMembership')")).toBe(false);
    expect(t('assignedLicenses/$count ne 0')).toBe(true);
    expect(t('accountEnabled eq true and not(accountEnabled eq false)')).toBe(true);
    expect(t("createdDateTime ge 2024-01-01T00:00:00Z")).toBe(true);
    expect(t("displayName in ('a','Zoë Müller')")).toBe(true);
    expect(filterProperties(parseFilter("receivedDateTime ge 2024-01-01T00:00:00Z and x eq 1"))).toEqual(['receivedDateTime', 'x']);
  });

  it('rejects syntax errors with 400', () => {
    expect(() => parseFilter("displayName eq 'x' and")).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => parseFilter('(a eq 1')).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('$select keeps id and annotations', () => {
    expect(applySelect({ id: '1', '@odata.type': 'x', a: 1, b: 2 }, ['B'])).toEqual({ id: '1', '@odata.type': 'x', b: 2 });
  });
});

describe('ChangeLog', () => {
  it('returns the latest change per id after a position, in sequence order', () => {
    const log = new ChangeLog();
    const p0 = log.head;
    log.record('a', 'created');
    log.record('b', 'created');
    const p1 = log.head;
    log.record('a', 'updated');
    log.record('b', 'deleted');
    log.record('c', 'created');
    expect(log.since(p0).map((c) => [c.id, c.kind])).toEqual([['a', 'updated'], ['b', 'deleted'], ['c', 'created']]);
    expect(log.since(p1, p1 + 2).map((c) => c.id)).toEqual(['a', 'b']);
    expect(log.since(log.head)).toEqual([]);
  });
});

describe('throttling', () => {
  it('slides the window and computes when capacity returns', () => {
    const w = new SlidingWindow(1000);
    w.add(0, 5);
    w.add(500, 5);
    expect(w.total(600)).toBe(10);
    expect(w.waitMs(600, 10, 1)).toBe(400); // the first bucket leaves at t=1000
    expect(w.total(1000)).toBe(5);
    expect(w.total(1500)).toBe(0);
  });

  it('caps concurrency per app+mailbox at 4 and releases', () => {
    const e = new ThrottleEngine('realistic', 1);
    const scopes = [{ kind: 'outlook' as const, mailbox: 'm1' }];
    const held = [1, 2, 3, 4].map(() => e.admit('app', 't', 10, scopes));
    expect(held.every((h) => h.ok)).toBe(true);
    const fifth = e.admit('app', 't', 10, scopes);
    expect(fifth.ok).toBe(false);
    expect(e.admit('other-app', 't', 10, scopes).ok).toBe(true);
    if (held[0].ok) held[0].release();
    expect(e.admit('app', 't', 10, scopes).ok).toBe(true);
  });

  it('applies the global per-application limit across mailboxes', () => {
    const e = new ThrottleEngine('realistic', 1, { globalAppRequests: 3 });
    const at = (m: string) => e.admit('app', 't', 10, [{ kind: 'outlook', mailbox: m }], 1000);
    const r = ['a', 'b', 'c', 'd'].map((m) => {
      const x = at(m);
      if (x.ok) x.release();
      return x.ok;
    });
    expect(r).toEqual([true, true, true, false]);
    expect(e.admit('other', 't', 10, [], 1000).ok).toBe(true);
  });

  it('picks the SharePoint budget by licence count', () => {
    expect([500, 1001, 5001, 15001, 50001].map(sharepointBudget)).toEqual([1250, 2500, 3750, 5000, 6250]);
  });
});

describe('routing helpers', () => {
  it('matches case-insensitive literals, params and rest params; normalises key syntax', () => {
    const p = compilePattern('/users/:userId/mailFolders/:folderId/messages');
    expect(matchPattern(p, '/users/a@b.com/mailfolders/inbox/messages')).toEqual({ userId: 'a@b.com', folderId: 'inbox' });
    expect(matchPattern(p, '/users/a/mailFolders/inbox/messages/x')).toBeUndefined();
    expect(matchPattern(compilePattern('/drives/:d/root/*rest'), '/drives/1/root/a/b')).toEqual({ d: '1', rest: 'a/b' });
    expect(normalisePath("/users('a%40b.com')/messages")).toBe('/users/a@b.com/messages');
    expect(parsePrefer('odata.maxpagesize=50, IdType="ImmutableId"')).toMatchObject({ maxPageSize: 50, immutableId: true });
  });
});

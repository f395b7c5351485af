import { HoldfastError } from '@holdfast/contracts';
import { deltaPages, deltaQuery } from './delta';
import { pageAll } from './paging';
import { G, fakeClient } from './test-client';

describe('pageAll', () => {
  it('follows nextLink through empty pages until there is none', async () => {
    const { client, transport } = fakeClient((req) => {
      if (req.url.includes('skip=2')) return { status: 200, body: { value: [{ id: 'c' }] } };
      if (req.url.includes('skip=1')) return { status: 200, body: { value: [], '@odata.nextLink': `${G}/users?skip=2` } };
      return { status: 200, body: { value: [{ id: 'a' }, { id: 'b' }], '@odata.nextLink': `${G}/users?skip=1` } };
    });
    const users = await pageAll<{ id: string }>(client, { path: '/users', query: { $top: 2 } });
    expect(users.map((u) => u.id)).toEqual(['a', 'b', 'c']);
    expect(transport.requests).toHaveLength(3);
    expect(transport.requests[1].url).toBe(`${G}/users?skip=1`);
  });

  it('refuses a nextLink that points at another host', async () => {
    const { client } = fakeClient(() => ({ status: 200, body: { value: [], '@odata.nextLink': 'https://evil.test/v1.0/users?skip=1' } }));
    await expect(pageAll(client, { path: '/users' })).rejects.toBeInstanceOf(HoldfastError);
  });
});

describe('deltaQuery', () => {
  const path = '/users/alice/mailFolders/inbox/messages/delta';

  it('returns merged items, removals and the new deltaLink', async () => {
    const { client } = fakeClient((req) => {
      if (req.url.includes('page=2'))
        return {
          status: 200,
          body: {
            value: [{ id: '1', isRead: true }, { id: '2', '@removed': { reason: 'deleted' } }, { id: '4', '@removed': { reason: 'changed' } }],
            '@odata.deltaLink': `${G}${path}?deltatoken=t2`,
          },
        };
      return { status: 200, body: { value: [{ id: '1', subject: 'hi', isRead: false }, { id: '2', subject: 'x' }, { id: '3' }], '@odata.nextLink': `${G}${path}?page=2` } };
    });
    const r = await deltaQuery<{ id: string; subject?: string; isRead?: boolean }>(client, { initialPath: path, pacing: { workload: 'exchange', mailbox: 'alice' } });
    if (r.kind !== 'changes') throw new Error('expected changes');
    expect(r.fullEnumeration).toBe(true);
    expect(r.deltaLink).toBe(`${G}${path}?deltatoken=t2`);
    expect(r.items).toEqual([
      { id: '1', subject: 'hi', isRead: true },
      { id: '3' },
    ]);
    expect(r.removed).toEqual([
      { id: '2', reason: 'deleted' },
      { id: '4', reason: 'changed' },
    ]);
  });

  it('treats the drive deleted facet as a removal', async () => {
    const { client } = fakeClient(() => ({
      status: 200,
      body: { value: [{ id: 'f1', name: 'a.txt', file: {} }, { id: 'f2', deleted: { state: 'deleted' } }], '@odata.deltaLink': `${G}/drives/d/root/delta?token=x` },
    }));
    const r = await deltaQuery(client, { initialPath: '/drives/d/root/delta', deltaLink: `${G}/drives/d/root/delta?token=w` });
    if (r.kind !== 'changes') throw new Error('expected changes');
    expect(r.fullEnumeration).toBe(false);
    expect(r.items.map((i) => i.id)).toEqual(['f1']);
    expect(r.removed).toEqual([{ id: 'f2', reason: 'deleted' }]);
  });

  it('starts over with a full enumeration when the stored state has expired', async () => {
    const { client, transport } = fakeClient((req) => {
      if (req.url.includes('deltatoken=old')) return { status: 410, body: { error: { code: 'syncStateNotFound', message: 'gone' } } };
      return { status: 200, body: { value: [{ id: 'a' }], '@odata.deltaLink': `${G}${path}?deltatoken=new` } };
    });
    const r = await deltaQuery(client, { initialPath: path, deltaLink: `${G}${path}?deltatoken=old`, query: { $select: 'id' } });
    if (r.kind !== 'changes') throw new Error('expected changes');
    expect(r.fullEnumeration).toBe(true);
    expect(r.resyncReason).toBe('syncStateNotFound');
    expect(r.deltaLink).toContain('deltatoken=new');
    expect(transport.requests[1].url).toBe(`${G}${path}?%24select=id`);
  });

  it('signals the resync instead when asked to', async () => {
    const { client } = fakeClient(() => ({ status: 400, body: { error: { code: 'resyncChangesApplyDifferences' } } }));
    const r = await deltaQuery(client, { initialPath: '/drives/d/root/delta', deltaLink: `${G}/drives/d/root/delta?token=old`, onExpired: 'signal' });
    expect(r).toEqual({ kind: 'resync-required', reason: 'resyncChangesApplyDifferences', restartUrl: undefined });
  });

  it('streams pages in order with the deltaLink on the last', async () => {
    const { client } = fakeClient((req) =>
      req.url.includes('p=2')
        ? { status: 200, body: { value: [{ id: 'x', '@removed': { reason: 'deleted' } }], '@odata.deltaLink': `${G}/d?t=1` } }
        : { status: 200, body: { value: [{ id: 'x' }], '@odata.nextLink': `${G}/d?p=2` } },
    );
    const seen = [];
    for await (const p of deltaPages(client, { initialPath: '/d' })) seen.push(p);
    expect(seen.map((p) => [p.upserts.length, p.removed.length, p.deltaLink])).toEqual([
      [1, 0, undefined],
      [0, 1, `${G}/d?t=1`],
    ]);
  });
});

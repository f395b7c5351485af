import { HoldfastError } from '@holdfast/contracts';
import { Pacer } from '../pacing/pacer';
import { BatchRequest, batch, inferPacing, planBatches } from './batch';
import { fakeClient } from './test-client';

const get = (id: string, mailbox = 'alice', dependsOn?: string[]): BatchRequest => ({ id, method: 'GET', url: `/users/${mailbox}/messages/${id}`, ...(dependsOn ? { dependsOn } : {}) });

describe('planBatches', () => {
  it('splits into envelopes of at most 20', () => {
    const reqs = Array.from({ length: 45 }, (_, i) => get(`r${i}`));
    expect(planBatches(reqs).map((e) => e.length)).toEqual([20, 20, 5]);
  });

  it('keeps a dependsOn chain in one envelope', () => {
    const reqs = [...Array.from({ length: 19 }, (_, i) => get(`a${i}`)), get('p'), get('c', 'alice', ['p'])];
    const envelopes = planBatches(reqs);
    const withP = envelopes.find((e) => e.some((r) => r.id === 'p'))!;
    expect(withP.some((r) => r.id === 'c')).toBe(true);
    expect(envelopes.every((e) => e.length <= 20)).toBe(true);
  });

  it('rejects duplicate ids, unknown dependencies, cycles and over-long chains', () => {
    expect(() => planBatches([get('a'), get('a')])).toThrow(/duplicate/);
    expect(() => planBatches([get('a', 'x', ['zz'])])).toThrow(/unknown id/);
    expect(() => planBatches([get('a', 'x', ['b']), get('b', 'x', ['a'])])).toThrow(HoldfastError);
    const chain = Array.from({ length: 21 }, (_, i) => get(`c${i}`, 'x', i ? [`c${i - 1}`] : undefined));
    expect(() => planBatches(chain)).toThrow(/does not fit/);
  });
});

describe('inferPacing', () => {
  it('finds the mailbox of Outlook paths and the workload of others', () => {
    expect(inferPacing('GET', '/users/bob%40contoso.com/mailFolders/inbox')).toEqual({ workload: 'exchange', mailbox: 'bob@contoso.com' });
    expect(inferPacing('GET', '/drives/d/items/i')).toEqual({ workload: 'sharepoint', kind: 'single' });
    expect(inferPacing('POST', '/sites/s/lists')).toEqual({ workload: 'sharepoint', kind: 'write' });
    expect(inferPacing('GET', '/teams/t/channels')).toEqual({ workload: 'teams', kind: 'other' });
    expect(inferPacing('GET', '/users')).toEqual({ workload: 'directory' });
  });
});

describe('batch', () => {
  type Sub = { id: string; method: string; url: string; dependsOn?: string[]; headers?: Record<string, string> };

  it('re-sends a throttled sub-request after its own Retry-After and 424 dependants with it', async () => {
    const pacer = new Pacer();
    const sent: string[][] = [];
    const { client, metrics } = fakeClient((req) => {
      const { requests } = JSON.parse(req.body!.toString()) as { requests: Sub[] };
      sent.push(requests.map((r) => r.id));
      const round = sent.length;
      return {
        status: 200,
        body: {
          responses: requests.map((r) => {
            if (round === 1 && r.id === 'b') return { id: r.id, status: 429, headers: { 'Retry-After': '0.01' }, body: { error: { code: 'ApplicationThrottled' } } };
            if (round === 1 && r.id === 'c') return { id: r.id, status: 424, body: { error: { code: 'FailedDependency' } } };
            return { id: r.id, status: 200, body: { id: r.id, deps: r.dependsOn ?? [] } };
          }),
        },
      };
    }, { pacer });
    const results = await batch(client, [get('a'), get('b', 'bob'), get('c', 'bob', ['b'])]);
    expect(sent).toEqual([['a', 'b', 'c'], ['b', 'c']]);
    expect([...results.values()].every((r) => r.status === 200)).toBe(true);
    expect(results.get('c')!.body).toEqual({ id: 'c', deps: ['b'] });
    expect(metrics.get('holdfast.graph.throttled')).toBe(1);
    // Only bob's mailbox was paused.
    expect(pacer.inspect('contoso', 'app-a', { workload: 'exchange', mailbox: 'bob' }).pausedUntil).toBeGreaterThan(0);
    expect(pacer.inspect('contoso', 'app-a', { workload: 'exchange', mailbox: 'alice' }).pausedUntil).toBe(0);
  });

  it('keeps 424s final when what they depend on failed for good', async () => {
    const { client, transport } = fakeClient((req) => {
      const { requests } = JSON.parse(req.body!.toString()) as { requests: Sub[] };
      return { status: 200, body: { responses: requests.map((r) => (r.id === 'p' ? { id: 'p', status: 404, body: { error: { code: 'ErrorItemNotFound' } } } : { id: r.id, status: 424 })) } };
    });
    const results = await batch(client, [get('p'), get('c', 'alice', ['p'])]);
    expect(results.get('p')!.error?.kind).toBe('not_found');
    expect(results.get('c')!.status).toBe(424);
    expect(transport.requests).toHaveLength(1);
  });

  it('counts every sub-request against its own mailbox and sends relative URLs with content types', async () => {
    const pacer = new Pacer({ mailbox: { windowLimit: 1000 } });
    const { client, transport } = fakeClient((req) => {
      const { requests } = JSON.parse(req.body!.toString()) as { requests: Sub[] };
      return { status: 200, body: { responses: requests.map((r) => ({ id: r.id, status: 201 })) } };
    }, { pacer });
    const reqs: BatchRequest[] = [
      ...Array.from({ length: 25 }, (_, i) => get(`a${i}`, 'alice')),
      { id: 'w', method: 'POST', url: 'https://graph.test/v1.0/users/bob/mailFolders', body: { displayName: 'x' } },
    ];
    const results = await batch(client, reqs);
    expect(results.size).toBe(26);
    expect(transport.requests).toHaveLength(2);
    expect(pacer.inspect('contoso', 'app-a', { workload: 'exchange', mailbox: 'alice' }).used).toBe(25);
    expect(pacer.inspect('contoso', 'app-a', { workload: 'exchange', mailbox: 'bob' }).used).toBe(1);
    const subs = transport.requests.flatMap((r) => (JSON.parse(r.body!.toString()) as { requests: Sub[] }).requests);
    const w = subs.find((s) => s.id === 'w')!;
    expect(w.url).toBe('/users/bob/mailFolders');
    expect(w.headers!['Content-Type']).toBe('application/json');
    expect(transport.requests.every((r) => r.url === 'https://graph.test/v1.0/$batch')).toBe(true);
  });

  it('retries transient sub-request failures and gives up after maxRounds', async () => {
    const { client, transport } = fakeClient((req) => {
      const { requests } = JSON.parse(req.body!.toString()) as { requests: Sub[] };
      return { status: 200, body: { responses: requests.map((r) => ({ id: r.id, status: 503 })) } };
    });
    const results = await batch(client, [get('a')], { maxRounds: 3 });
    expect(transport.requests).toHaveLength(3);
    expect(results.get('a')!.error?.kind).toBe('transient');
  });
});

import { ManualClock, flush } from '../clock';
import { InMemoryGraphMetrics } from '../metrics';
import { Pacer, PacingLease, PaceRequest } from './pacer';
import { InMemorySharedLimiter } from './shared-limiter';

const T = 'tenant-1';
const mbx = (mailbox: string, apps: string[] = ['app-a']): PaceRequest => ({ tenantId: T, apps, target: { workload: 'exchange', mailbox } });

function track(p: Promise<PacingLease>, into: PacingLease[]): void {
  void p.then((l) => into.push(l));
}

describe('Pacer', () => {
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock();
  });

  it('lets at most 4 requests per mailbox run at once and admits the next on release', async () => {
    const pacer = new Pacer({ clock });
    const granted: PacingLease[] = [];
    for (let i = 0; i < 6; i++) track(pacer.acquire(mbx('alice')), granted);
    await flush();
    expect(granted).toHaveLength(4);
    expect(pacer.inspect(T, 'app-a', { workload: 'exchange', mailbox: 'alice' }).inflight).toBe(4);
    granted[0].release();
    granted[0].release(); // idempotent
    await flush();
    expect(granted).toHaveLength(5);
    expect(pacer.waiting).toBe(1);
  });

  it('treats mailboxes independently: a full mailbox does not hold up another', async () => {
    const pacer = new Pacer({ clock });
    const granted: PacingLease[] = [];
    for (let i = 0; i < 5; i++) track(pacer.acquire(mbx('alice')), granted);
    track(pacer.acquire(mbx('bob')), granted);
    await flush();
    expect(granted).toHaveLength(5);
    expect(granted[4].appId).toBe('app-a');
    expect(pacer.inspect(T, 'app-a', { workload: 'exchange', mailbox: 'bob' }).inflight).toBe(1);
  });

  it('keeps the sliding window: the 11th request of a 10-per-minute window waits for the oldest to leave', async () => {
    const pacer = new Pacer({ clock, mailbox: { windowLimit: 10, windowMs: 60_000, maxConcurrent: 100 } });
    const granted: PacingLease[] = [];
    for (let i = 0; i < 10; i++) {
      const l = await pacer.acquire(mbx('alice'));
      l.release();
      await clock.advance(1_000);
    }
    track(pacer.acquire(mbx('alice')), granted);
    await clock.advance(40_000); // t=50s: the first request (t=0) is still inside the window
    expect(granted).toHaveLength(0);
    await clock.advance(11_000); // t=61s: it has left
    expect(granted).toHaveLength(1);
  });

  it('pauses only the throttled mailbox until Retry-After has passed', async () => {
    const metrics = new InMemoryGraphMetrics();
    const pacer = new Pacer({ clock, metrics });
    const first = await pacer.acquire(mbx('alice'));
    first.throttled(5_000);
    first.release();
    const alice: PacingLease[] = [];
    const bob: PacingLease[] = [];
    track(pacer.acquire(mbx('alice')), alice);
    track(pacer.acquire(mbx('bob')), bob);
    await flush();
    expect(bob).toHaveLength(1);
    expect(alice).toHaveLength(0);
    await clock.advance(4_999);
    expect(alice).toHaveLength(0);
    await clock.advance(1);
    expect(alice).toHaveLength(1);
    expect(alice[0].waitedMs).toBe(5_000);
    expect(metrics.get('holdfast.graph.wait_ms')).toBe(5_000);
  });

  it('rotates across the application pool: the least loaded app takes the next request', async () => {
    const pacer = new Pacer({ clock });
    const apps = ['app-a', 'app-b'];
    const leases = await Promise.all(Array.from({ length: 8 }, () => pacer.acquire(mbx('alice', apps))));
    const byApp = leases.reduce<Record<string, number>>((acc, l) => ({ ...acc, [l.appId]: (acc[l.appId] ?? 0) + 1 }), {});
    expect(byApp).toEqual({ 'app-a': 4, 'app-b': 4 });
    // Both apps full: the ninth waits; when app-b frees a slot it goes to app-b.
    const more: PacingLease[] = [];
    track(pacer.acquire(mbx('alice', apps)), more);
    await flush();
    expect(more).toHaveLength(0);
    leases.find((l) => l.appId === 'app-b')!.release();
    await flush();
    expect(more.map((l) => l.appId)).toEqual(['app-b']);
  });

  it('moves to the other application while one is paused by Retry-After', async () => {
    const pacer = new Pacer({ clock });
    const apps = ['app-a', 'app-b'];
    const l = await pacer.acquire(mbx('alice', apps));
    expect(l.appId).toBe('app-a');
    l.throttled(30_000);
    l.release();
    const next = await pacer.acquire(mbx('alice', apps));
    expect(next.appId).toBe('app-b');
  });

  it('charges SharePoint resource units by request kind against the tenant budget of the licence tier', async () => {
    const shared = new InMemorySharedLimiter(clock);
    const pacer = new Pacer({ clock, shared, sharePoint: { safety: 1 } });
    pacer.setTenantLicences(T, 500); // 1,250 RU per minute
    expect(pacer.sharePointBudget(T).limit).toBe(1_250);
    const sp = (kind: 'single' | 'multi' | 'permissions'): PaceRequest => ({ tenantId: T, apps: ['app-a'], target: { workload: 'sharepoint', kind } });
    (await pacer.acquire(sp('single'))).release();
    (await pacer.acquire(sp('multi'))).release();
    (await pacer.acquire(sp('permissions'))).release();
    expect(shared.used(`sp|${T}|app-a`)).toBe(8);
    // Spend the rest of the minute's budget, then the next request waits for the window.
    for (let i = 0; i < (1_250 - 8) / 2; i++) (await pacer.acquire(sp('multi'))).release();
    expect(shared.used(`sp|${T}|app-a`)).toBe(1_250);
    const waiting: PacingLease[] = [];
    track(pacer.acquire(sp('single')), waiting);
    await clock.advance(30_000);
    expect(waiting).toHaveLength(0);
    await clock.advance(31_000);
    expect(waiting).toHaveLength(1);
  });

  it('gives a bigger SharePoint budget to a bigger tenant', () => {
    const pacer = new Pacer({ clock, sharePoint: { safety: 1 } });
    pacer.setTenantLicences('big', 20_000);
    expect(pacer.sharePointBudget('big').limit).toBe(5_000);
    expect(pacer.sharePointBudget('unknown').limit).toBe(1_250);
  });

  it('keeps Teams under its per-second limit', async () => {
    const pacer = new Pacer({ clock, teams: { safety: 1 } });
    const req: PaceRequest = { tenantId: T, apps: ['app-a'], target: { workload: 'teams', kind: 'message' } };
    for (let i = 0; i < 20; i++) (await pacer.acquire(req)).release();
    const waiting: PacingLease[] = [];
    track(pacer.acquire(req), waiting);
    await flush();
    expect(waiting).toHaveLength(0);
    await clock.advance(1_100);
    expect(waiting).toHaveLength(1);
  });

  it('enforces the whole-application limit across tenants', async () => {
    const pacer = new Pacer({ clock, app: { limit: 3, windowMs: 10_000 } });
    for (const t of ['t1', 't2', 't3']) (await pacer.acquire({ tenantId: t, apps: ['app-a'], target: { workload: 'directory' } })).release();
    const waiting: PacingLease[] = [];
    track(pacer.acquire({ tenantId: 't4', apps: ['app-a'], target: { workload: 'directory' } }), waiting);
    await clock.advance(5_000);
    expect(waiting).toHaveLength(0);
    await clock.advance(6_000);
    expect(waiting).toHaveLength(1);
  });

  it('holds min(n, 4) slots and n window units for a $batch share', async () => {
    const pacer = new Pacer({ clock, mailbox: { windowLimit: 25, windowMs: 60_000 } });
    const lease = await pacer.acquire({ ...mbx('alice'), count: 20, slots: 20 });
    expect(pacer.inspect(T, 'app-a', { workload: 'exchange', mailbox: 'alice' })).toMatchObject({ inflight: 4, used: 20 });
    const single: PacingLease[] = [];
    track(pacer.acquire(mbx('alice')), single);
    await flush();
    expect(single).toHaveLength(0);
    lease.release();
    await flush();
    expect(single).toHaveLength(1);
  });

  it('serves one mailbox first-come first-served', async () => {
    const pacer = new Pacer({ clock, mailbox: { maxConcurrent: 1 } });
    const first = await pacer.acquire(mbx('alice'));
    const order: string[] = [];
    void pacer.acquire({ ...mbx('alice'), slots: 1 }).then((l) => { order.push('second'); l.release(); });
    void pacer.acquire(mbx('alice')).then((l) => { order.push('third'); l.release(); });
    await flush();
    first.release();
    await flush();
    await flush();
    expect(order).toEqual(['second', 'third']);
  });

  it('stops waiting when the caller aborts', async () => {
    const pacer = new Pacer({ clock });
    const l = await pacer.acquire(mbx('alice'));
    l.throttled(60_000);
    const ac = new AbortController();
    const p = pacer.acquire({ ...mbx('alice'), signal: ac.signal });
    ac.abort(new Error('job cancelled'));
    await expect(p).rejects.toThrow('job cancelled');
    expect(pacer.waiting).toBe(0);
  });

  it('counts a long request in the window from when its answer came, not from when it left', async () => {
    const pacer = new Pacer({ clock, mailbox: { windowLimit: 1, windowMs: 60_000, maxConcurrent: 10 } });
    const slow = await pacer.acquire(mbx('alice'));
    await clock.advance(50_000); // a 50 s download
    slow.release();
    const next: PacingLease[] = [];
    track(pacer.acquire(mbx('alice')), next);
    await clock.advance(15_000); // 65 s after it left, 15 s after it ended
    expect(next).toHaveLength(0);
    await clock.advance(46_000);
    expect(next).toHaveLength(1);
  });

  it('keeps counting a request in the window for as long as it is in flight', async () => {
    const pacer = new Pacer({ clock, mailbox: { windowLimit: 1, windowMs: 1_000, maxConcurrent: 10 } });
    const inFlight = await pacer.acquire(mbx('alice'));
    const next: PacingLease[] = [];
    track(pacer.acquire(mbx('alice')), next);
    await clock.advance(5_000); // far beyond the window, but Graph may only just have counted it
    expect(next).toHaveLength(0);
    inFlight.release();
    await clock.advance(999);
    expect(next).toHaveLength(0);
    await clock.advance(20);
    expect(next).toHaveLength(1);
  });
});

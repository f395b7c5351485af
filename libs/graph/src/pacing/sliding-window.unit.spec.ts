import { ManualClock } from '../clock';
import { backoffDelay, retryDecision, DEFAULT_RETRY } from '../http/retry-policy';
import { GraphNotFoundError, GraphThrottledError, GraphTransientError } from '../errors/graph-errors';
import { InMemorySharedLimiter } from './shared-limiter';
import { SlidingWindow } from './sliding-window';

describe('SlidingWindow', () => {
  it('never lets more than the limit into any window', () => {
    const w = new SlidingWindow(100, 10_000, 1_000);
    let admitted = 0;
    const times: number[] = [];
    for (let t = 0; t < 60_000; t += 37) {
      if (w.waitFor(t) === 0) {
        w.add(t);
        admitted++;
        times.push(t);
      }
    }
    for (let i = 0; i + 100 < times.length; i++) expect(times[i + 100] - times[i]).toBeGreaterThanOrEqual(10_000);
    expect(admitted).toBeGreaterThan(500);
  });

  it('says how long until units fit, and refunds', () => {
    const w = new SlidingWindow(3, 1_000, 100);
    w.add(0, 2);
    w.add(500, 1);
    expect(w.waitFor(600)).toBe(500); // the bucket at 0 leaves at 100 + 1000
    w.refund(1);
    expect(w.used(600)).toBe(2);
    expect(w.waitFor(600)).toBe(0);
    expect(w.waitFor(600, 10)).toBeGreaterThan(0); // more than the limit waits for an empty window
  });
});

describe('InMemorySharedLimiter', () => {
  it('charges all keys or none', async () => {
    const clock = new ManualClock();
    const l = new InMemorySharedLimiter(clock);
    const budget = { limit: 5, windowMs: 1_000 };
    expect(await l.take([{ key: 'a', cost: 4, budget }])).toEqual({ granted: true });
    const d = await l.take([
      { key: 'b', cost: 1, budget },
      { key: 'a', cost: 2, budget },
    ]);
    expect(d).toMatchObject({ granted: false, key: 'a', reason: 'budget' });
    expect(l.used('b')).toBe(0);
  });

  it('re-dates settled charges so a window frees from when the answer came', async () => {
    const clock = new ManualClock();
    const l = new InMemorySharedLimiter(clock);
    const budget = { limit: 1, windowMs: 1_000 };
    const charges = [{ key: 'teams|t|app|other', cost: 1, budget }];
    const chargedAt = clock.now();
    expect(await l.take(charges)).toEqual({ granted: true });
    await clock.advance(400);
    await l.settle(charges, chargedAt);
    await clock.advance(700); // 1.1 s after the charge, 0.7 s after the answer
    expect(await l.take(charges)).toMatchObject({ granted: false, reason: 'budget' });
    await clock.advance(400);
    expect(await l.take(charges)).toEqual({ granted: true });
  });

  it('blocks a paused key for everybody until the pause ends', async () => {
    const clock = new ManualClock();
    const l = new InMemorySharedLimiter(clock);
    await l.pause('sp|t|app', clock.now() + 3_000);
    expect(await l.take([{ key: 'sp|t|app', cost: 0 }])).toMatchObject({ granted: false, retryAfterMs: 3_000, reason: 'paused' });
    await clock.advance(3_000);
    expect(await l.take([{ key: 'sp|t|app', cost: 0 }])).toEqual({ granted: true });
  });
});

describe('retry policy', () => {
  it('backs off exponentially with jitter inside [ceiling/2, ceiling]', () => {
    const opts = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffDelay(1, opts, () => 0)).toBe(50);
    expect(backoffDelay(1, opts, () => 0.999)).toBe(99);
    expect(backoffDelay(3, opts, () => 0)).toBe(200);
    expect(backoffDelay(10, opts, () => 0.999)).toBeLessThanOrEqual(1_000);
  });

  it('retries transient up to maxAttempts, throttled via the pacer, and never the rest', () => {
    const s = (transientFailures: number, throttles = 0) => ({ transientFailures, throttles });
    expect(retryDecision(new GraphTransientError('x'), s(0), DEFAULT_RETRY)).toMatchObject({ retry: true, throttled: false });
    expect(retryDecision(new GraphTransientError('x'), s(DEFAULT_RETRY.maxAttempts - 1), DEFAULT_RETRY)).toEqual({ retry: false });
    expect(retryDecision(new GraphThrottledError('x', 1000, true), s(0, 0), DEFAULT_RETRY)).toEqual({ retry: true, delayMs: 0, throttled: true });
    expect(retryDecision(new GraphNotFoundError('x'), s(0), DEFAULT_RETRY)).toEqual({ retry: false });
  });
});

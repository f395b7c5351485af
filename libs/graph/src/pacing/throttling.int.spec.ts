import { RunningSimulator, startSimulator } from '@holdfast/testing';
import { GraphThrottledError } from '../errors/graph-errors';
import { simulatorClient } from '../testing/simulator-client.int-helper';
import { Pacer } from './pacer';

interface User {
  id: string;
  mail?: string;
}

/**
 * Realistic throttling, time-scaled: the simulator's 10-minute mailbox window becomes 5 s
 * (time scale 120) and its limit is lowered to 20 requests, so the limits bite within seconds.
 */
describe('pacing against the simulator’s throttling', () => {
  const TIME_SCALE = 120;
  const WINDOW_MS = 600_000 / TIME_SCALE;
  const LIMIT = 20;
  const REQUESTS = 30;
  let sim: RunningSimulator;
  let mailbox: string;

  beforeAll(async () => {
    sim = await startSimulator({ users: 2, messagesPerUser: 10, throttle: 'realistic', timeScale: TIME_SCALE, modules: ['directory', 'exchange'] });
    await sim.control('POST', '/throttle', { limits: { outlookRequests: LIMIT }, reset: true });
    const { client } = simulatorClient(sim);
    const users = await client.get<{ value: User[] }>('/users', { query: { $select: 'id,mail' } });
    mailbox = (users.value.find((u) => u.mail) ?? users.value[0]).id;
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
  });

  const burst = (client: ReturnType<typeof simulatorClient>['client']) =>
    Promise.allSettled(
      Array.from({ length: REQUESTS }, () =>
        client.get(`/users/${mailbox}/messages`, { query: { $top: 1, $select: 'id' }, pacing: { workload: 'exchange', mailbox } }),
      ),
    );

  it('a client without pacing gets throttled; the paced client stays under the limits and gets (almost) no 429', async () => {
    // Naive: no concurrency cap, no window, and no retry, so every 429 shows.
    const naivePacer = new Pacer({ mailbox: { maxConcurrent: 1_000, windowLimit: 1_000_000 } });
    const naive = simulatorClient(sim, { pacer: naivePacer, retry: { maxThrottleRetries: 0 } });
    const naiveResults = await burst(naive.client);
    const naiveThrottled = naiveResults.filter((r) => r.status === 'rejected' && r.reason instanceof GraphThrottledError).length;
    expect(naiveThrottled).toBeGreaterThan(REQUESTS / 4);

    await sim.control('POST', '/throttle', { reset: true });
    const before = (await sim.control<{ throttled: number }>('GET', '/metrics')).throttled;

    // Paced: 4 concurrent, 90% of the window limit, Retry-After honoured.
    const pacer = new Pacer({ mailbox: { maxConcurrent: 4, windowLimit: Math.floor(LIMIT * 0.9), windowMs: WINDOW_MS } });
    const paced = simulatorClient(sim, { pacer });
    const pacedResults = await burst(paced.client);
    expect(pacedResults.every((r) => r.status === 'fulfilled')).toBe(true);
    const m = await sim.control<{ throttled: number; throttledByReason: unknown; peakConcurrencyByMailbox: unknown }>('GET', '/metrics');
    console.log(JSON.stringify({ r: m.throttledByReason, p: m.peakConcurrencyByMailbox }));
    const after = m.throttled;
    expect(paced.metrics.get('holdfast.graph.throttled')).toBeLessThanOrEqual(1);
    expect(after - before).toBeLessThanOrEqual(1);
    expect(paced.metrics.get('holdfast.graph.throttled')).toBeLessThan(naiveThrottled);
    // The pacer really waited for the window rather than firing everything at once.
    expect(paced.metrics.get('holdfast.graph.wait_ms')).toBeGreaterThan(0);
  }, 60_000);

  it('a client that only survives throttling (Retry-After, no pacing) finishes but collects many 429s', async () => {
    await sim.control('POST', '/throttle', { reset: true });
    const survivor = simulatorClient(sim, { pacer: new Pacer({ mailbox: { maxConcurrent: 1_000, windowLimit: 1_000_000 } }), retry: { maxThrottleRetries: 50 } });
    const results = await burst(survivor.client);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(survivor.metrics.get('holdfast.graph.throttled')).toBeGreaterThan(REQUESTS / 4);
  }, 60_000);
});

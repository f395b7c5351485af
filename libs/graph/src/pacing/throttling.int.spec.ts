import { RunningSimulator, startSimulator } from '@holdfast/testing';
import { GraphThrottledError } from '../errors/graph-errors';
import { NodeHttpTransport } from '../http/transport';
import { simulatorClient } from '../testing/simulator-client.int-helper';
import { InMemoryGraphMetrics } from '../metrics';
import { batch } from '../operations/batch';
import { Pacer } from './pacer';

interface User {
  id: string;
  mail?: string;
}

/**
 * Realistic throttling, time-scaled: the simulator's 10-minute mailbox window becomes 1.25 s
 * (time scale 480) and its limit is lowered to 20 requests, so the limits bite within seconds.
 */
describe('pacing against the simulator’s throttling', () => {
  const TIME_SCALE = 480;
  const WINDOW_MS = 600_000 / TIME_SCALE;
  const LIMIT = 20;
  const REQUESTS = 30;
  let sim: RunningSimulator;
  let mailbox: string;
  // One connection pool for every client: TLS handshakes with the simulator are slow, and
  // what is measured here is throttling, not connection setup.
  let transport: NodeHttpTransport;

  beforeAll(async () => {
    sim = await startSimulator({ users: 2, messagesPerUser: 10, throttle: 'realistic', timeScale: TIME_SCALE, modules: ['directory', 'exchange', 'teams'] });
    await sim.control('POST', '/throttle', { limits: { outlookRequests: LIMIT }, reset: true });
    transport = new NodeHttpTransport({ ca: sim.caPem });
    const { client } = simulatorClient(sim, { transport });
    const users = await client.get<{ value: User[] }>('/users', { query: { $select: 'id,mail' } });
    mailbox = (users.value.find((u) => u.mail) ?? users.value[0]).id;
  }, 60_000);
  afterAll(async () => {
    transport?.close();
    await sim?.stop();
  });

  // `naive` gives every request its own pacing key, so nothing is held back or paused.
  const burst = (client: ReturnType<typeof simulatorClient>['client'], naive = false) =>
    Promise.allSettled(
      Array.from({ length: REQUESTS }, (_, i) =>
        client.get(`/users/${mailbox}/messages`, { query: { $top: 1, $select: 'id' }, pacing: { workload: 'exchange', mailbox: naive ? `${mailbox}#${i}` : mailbox } }),
      ),
    );

  it('a client without pacing gets throttled; the paced client stays under the limits and gets (almost) no 429', async () => {
    // Naive: no pacing and no retry, so every 429 shows.
    const naive = simulatorClient(sim, { transport, retry: { maxThrottleRetries: 0 } });
    const naiveResults = await burst(naive.client, true);
    const naiveThrottled = naiveResults.filter((r) => r.status === 'rejected' && r.reason instanceof GraphThrottledError).length;
    expect(naiveThrottled).toBeGreaterThan(REQUESTS / 4);

    await sim.control('POST', '/throttle', { reset: true });
    const before = (await sim.control<{ throttled: number }>('GET', '/metrics')).throttled;

    // Paced: 4 concurrent, 90% of the window limit, Retry-After honoured.
    const metrics = new InMemoryGraphMetrics();
    const pacer = new Pacer({ metrics, mailbox: { maxConcurrent: 4, windowLimit: Math.floor(LIMIT * 0.9), windowMs: WINDOW_MS } });
    const paced = simulatorClient(sim, { transport, pacer, metrics });
    const pacedResults = await burst(paced.client);
    expect(pacedResults.every((r) => r.status === 'fulfilled')).toBe(true);
    const after = (await sim.control<{ throttled: number }>('GET', '/metrics')).throttled;
    expect(paced.metrics.get('holdfast.graph.throttled')).toBeLessThanOrEqual(1);
    expect(after - before).toBeLessThanOrEqual(1);
    expect(paced.metrics.get('holdfast.graph.throttled')).toBeLessThan(naiveThrottled);
    // The pacer really waited for the window rather than firing everything at once.
    expect(paced.metrics.get('holdfast.graph.wait_ms')).toBeGreaterThan(0);
  }, 60_000);

  it('a client that only survives throttling (Retry-After, no pacing) finishes but collects many 429s', async () => {
    await sim.control('POST', '/throttle', { reset: true });
    const survivor = simulatorClient(sim, { transport, pacer: new Pacer({ mailbox: { maxConcurrent: 1_000, windowLimit: 1_000_000 } }), retry: { maxThrottleRetries: 50 } });
    const results = await burst(survivor.client);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(survivor.metrics.get('holdfast.graph.throttled')).toBeGreaterThan(REQUESTS / 4);
  }, 60_000);

  it('inside $batch, throttled sub-requests come back with their own Retry-After and are re-sent until all succeed', async () => {
    await sim.control('POST', '/throttle', { reset: true });
    const metrics = new InMemoryGraphMetrics();
    // No local pacing, so the simulator's limits are what stops the sub-requests.
    const pacer = new Pacer({ metrics, mailbox: { maxConcurrent: 1_000, windowLimit: 1_000_000 } });
    const { client } = simulatorClient(sim, { transport, pacer, metrics });
    const requests = Array.from({ length: REQUESTS }, (_, i) => ({ id: `r${i}`, method: 'GET' as const, url: `/users/${mailbox}/messages?$top=1&$select=id` }));
    const results = await batch(client, requests, { concurrency: 2, maxRounds: 20 });
    expect([...results.values()].map((r) => r.status)).toEqual(requests.map(() => 200));
    expect(metrics.get('holdfast.graph.throttled')).toBeGreaterThan(0);
    expect(metrics.get('holdfast.graph.retries')).toBeGreaterThan(0);

    // Paced: each envelope holds 4 slots of the mailbox and counts its sub-requests in the window.
    await sim.control('POST', '/throttle', { reset: true });
    const pacedMetrics = new InMemoryGraphMetrics();
    const paced = simulatorClient(sim, { transport, metrics: pacedMetrics, pacer: new Pacer({ metrics: pacedMetrics, mailbox: { maxConcurrent: 4, windowLimit: LIMIT, windowMs: WINDOW_MS } }) });
    const pacedResults = await batch(paced.client, requests, { concurrency: 2, maxRounds: 20 });
    expect([...pacedResults.values()].every((r) => r.status === 200)).toBe(true);
    expect(pacedMetrics.get('holdfast.graph.throttled')).toBeLessThanOrEqual(1);
    expect(pacedMetrics.get('holdfast.graph.throttled')).toBeLessThan(metrics.get('holdfast.graph.throttled'));
  }, 60_000);

  it('keeps Teams calls under the per-second limit of the application in the tenant', async () => {
    await sim.control('POST', '/throttle', { timeScale: 1, reset: true });
    try {
      const teamsCalls = (client: ReturnType<typeof simulatorClient>['client'], n: number) =>
        Promise.allSettled(Array.from({ length: n }, () => client.get('/teams', { query: { $top: 1 }, pacing: { workload: 'teams', kind: 'other' } })));
      const naive = simulatorClient(sim, { transport, pacer: new Pacer({ teams: { safety: 100 } }), retry: { maxThrottleRetries: 0 } });
      const naiveResults = await teamsCalls(naive.client, 45);
      const naiveThrottled = naiveResults.filter((r) => r.status === 'rejected' && r.reason instanceof GraphThrottledError).length;
      expect(naiveThrottled).toBeGreaterThan(0);

      await sim.control('POST', '/throttle', { reset: true });
      const metrics = new InMemoryGraphMetrics();
      const paced = simulatorClient(sim, { transport, metrics, pacer: new Pacer({ metrics }) }); // default: 90 % of 30 per second
      const pacedResults = await teamsCalls(paced.client, 45);
      expect(pacedResults.every((r) => r.status === 'fulfilled')).toBe(true);
      expect(metrics.get('holdfast.graph.throttled')).toBeLessThanOrEqual(1);
      expect(metrics.get('holdfast.graph.wait_ms')).toBeGreaterThan(0);
    } finally {
      await sim.control('POST', '/throttle', { timeScale: TIME_SCALE, reset: true });
    }
  }, 60_000);
});

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { RecordedEvent } from '@holdfast/contracts';
import { testNamespace, testNatsUrl } from '@holdfast/testing';
import { PostgresDeadLetterStore } from './dead-letter.repository';
import { handleIdempotently } from './idempotent-handler';
import { JetStreamBus } from './jetstream-bus';
import { OutboxRelay } from './outbox-relay';
import { createMessagingDatabase, type MessagingDatabase } from './__tests__/messaging-database';
import { waitFor } from './__tests__/test-events';

/**
 * Real process deaths (SIGKILL: no finally blocks, no acks, connections cut) at the
 * dangerous points, against real JetStream and Postgres.
 */
const ROOT = path.resolve(__dirname, '../../..');
const CHILD = path.join(__dirname, '__tests__/crash-child.ts');
const DELIVERY = { ackWaitMs: 1_000, backoffMs: [50], maxDeliver: 5 };

describe('crash recovery with real process deaths (JetStream + Postgres)', () => {
  let m: MessagingDatabase;
  let bus: JetStreamBus;
  let namespace: string;
  const installationId = randomUUID();

  beforeAll(async () => {
    m = await createMessagingDatabase();
  });

  afterAll(async () => {
    await m.close();
  });

  beforeEach(async () => {
    await m.reset();
    namespace = testNamespace('crash');
    bus = await JetStreamBus.connect({
      servers: testNatsUrl(),
      namespace,
      installationId,
      deadLetters: new PostgresDeadLetterStore(m.pool),
      delivery: DELIVERY,
    });
    await bus.ensureTopology();
  });

  afterEach(async () => {
    await bus.destroyTopology();
    await bus.close();
  });

  /** Runs the child until it dies; resolves with the signal that ended it. */
  function runChild(mode: string, durable = 'projector'): Promise<NodeJS.Signals | number | null> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/ts-run.js'), CHILD, mode], {
        cwd: ROOT,
        env: {
          ...process.env,
          HF_DB_URL: m.db.url,
          HF_NATS_URL: testNatsUrl(),
          HF_NS: namespace,
          HF_INSTALLATION: installationId,
          HF_DURABLE: durable,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += String(d)));
      const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (code !== null && code !== 0) reject(new Error(`child ${mode} failed (${code}): ${stderr}`));
        else resolve(signal ?? code);
      });
    });
  }

  async function projector(durable = 'projector') {
    const deliveries: { eventId: string; count: number; applied: boolean }[] = [];
    await bus.subscribeEvents({ durable, ...DELIVERY }, async (e: RecordedEvent, ctx) => {
      const r = await handleIdempotently(m.pool, durable, e, async (tx) => {
        await tx.query('INSERT INTO effects (consumer, event_id) VALUES ($1, $2)', [durable, e.eventId]);
      });
      deliveries.push({ eventId: e.eventId, count: ctx.deliveryCount, applied: r.applied });
    });
    return deliveries;
  }

  it('a relay killed after publishing and before its checkpoint commit loses and duplicates nothing', async () => {
    const deliveries = await projector();
    const events = await m.append(4);
    expect(await runChild('relay')).toBe('SIGKILL');
    const relay = new OutboxRelay({ store: m.store, bus, pool: m.pool });
    expect(await relay.checkpoint()).toBe('0');
    await waitFor(() => deliveries.length === 4, 'the events the dead relay published');

    const more = await m.append(1);
    expect(await relay.runOnce()).toMatchObject({ published: 5, duplicates: 4 });
    await waitFor(() => deliveries.length === 5, 'the later event');
    const ids = [...events, ...more].map((e) => e.eventId);
    expect(deliveries.map((d) => d.eventId)).toEqual(ids);
    expect((await m.effects()).map((r) => r.event_id)).toEqual(ids);
  });

  it('a consumer killed after its commit and before the ack is redelivered with no second effect', async () => {
    const [event] = await m.append(1);
    await new OutboxRelay({ store: m.store, bus, pool: m.pool }).drain();
    expect(await runChild('consumer-after')).toBe('SIGKILL');
    expect((await m.effects()).map((r) => r.event_id)).toEqual([event.eventId]);

    const deliveries = await projector();
    await waitFor(() => deliveries.length === 1, 'the redelivery');
    expect(deliveries[0]).toEqual({ eventId: event.eventId, count: 2, applied: false });
    expect(await m.effects()).toHaveLength(1);
  });

  it('a consumer killed inside its transaction leaves no effect; the redelivery applies it once', async () => {
    const [event] = await m.append(1);
    await new OutboxRelay({ store: m.store, bus, pool: m.pool }).drain();
    expect(await runChild('consumer-before')).toBe('SIGKILL');

    const deliveries = await projector();
    await waitFor(() => deliveries.length === 1, 'the redelivery');
    expect(deliveries[0]).toEqual({ eventId: event.eventId, count: 2, applied: true });
    expect((await m.effects()).map((r) => r.event_id)).toEqual([event.eventId]);
  });
});

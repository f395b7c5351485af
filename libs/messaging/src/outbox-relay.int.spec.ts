import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@holdfast/contracts';
import { ConcurrencyError, EVENTS_NOTIFY_CHANNEL } from '@holdfast/event-store';
import { testNamespace, testNatsUrl } from '@holdfast/testing';
import { PostgresDeadLetterStore } from './dead-letter.repository';
import { handleIdempotently } from './idempotent-handler';
import { InProcessBus } from './in-process-bus';
import { JetStreamBus } from './jetstream-bus';
import type { AckContext, MessageBus } from './message-bus.port';
import { OutboxRelay } from './outbox-relay';
import { createMessagingDatabase, type MessagingDatabase } from './__tests__/messaging-database';
import { sleep, waitFor } from './__tests__/test-events';
import { baseHeaders, encodeJson, HEADER, SCHEMA } from './wire-format';

const DELIVERY = { ackWaitMs: 1_000, backoffMs: [50, 100], maxDeliver: 3 };

type RawPublisher = MessageBus & {
  publishRaw(subject: string, data: Uint8Array, msgId: string, headers: Record<string, string>): Promise<unknown>;
  destroyTopology?(): Promise<void>;
};

const adapters: [string, (m: MessagingDatabase) => Promise<RawPublisher>][] = [
  [
    'JetStreamBus',
    async (m) =>
      JetStreamBus.connect({
        servers: testNatsUrl(),
        namespace: testNamespace('relay'),
        installationId: randomUUID(),
        deadLetters: new PostgresDeadLetterStore(m.pool),
        delivery: DELIVERY,
        duplicateWindowMs: 60_000,
      }),
  ],
  [
    'InProcessBus',
    async (m) =>
      new InProcessBus({
        namespace: 'relay',
        installationId: randomUUID(),
        deadLetters: new PostgresDeadLetterStore(m.pool),
        delivery: DELIVERY,
      }),
  ],
];

describe.each(adapters)('OutboxRelay and idempotent consumers over %s', (_name, makeBus) => {
  let m: MessagingDatabase;
  let bus: RawPublisher;

  beforeAll(async () => {
    m = await createMessagingDatabase();
  });

  afterAll(async () => {
    await m.close();
  });

  beforeEach(async () => {
    await m.reset();
    bus = await makeBus(m);
    await bus.ensureTopology();
  });

  afterEach(async () => {
    await bus.destroyTopology?.();
    await bus.close();
  });

  /** A projector that applies each event through the inbox and records every delivery. */
  async function projector(
    durable = 'projector',
    behaviour: (e: RecordedEvent, ctx: AckContext, applied: boolean) => Promise<void> = async () => undefined,
  ) {
    const deliveries: { eventId: string; count: number; applied: boolean }[] = [];
    const sub = await bus.subscribeEvents({ durable, ...DELIVERY }, async (e, ctx) => {
      const r = await handleIdempotently(m.pool, durable, e, async (tx) => {
        await tx.query('INSERT INTO effects (consumer, event_id) VALUES ($1, $2)', [durable, e.eventId]);
        await behaviour(e, ctx, true);
      });
      deliveries.push({ eventId: e.eventId, count: ctx.deliveryCount, applied: r.applied });
      if (!r.applied) await behaviour(e, ctx, false);
    });
    return { deliveries, sub };
  }

  const append = (n: number, tenantId?: string) => m.append(n, tenantId);

  it('publishes every appended event once, in log order, with message id = event id, and advances the checkpoint', async () => {
    const p = await projector();
    const events = await append(6);
    const relay = new OutboxRelay({ store: m.store, bus, pool: m.pool, batchSize: 4 });
    expect(await relay.drain()).toBe(6);
    expect(await relay.checkpoint()).toBe(events[5].globalPosition);
    expect(await relay.drain()).toBe(0);
    await waitFor(async () => (await m.effects()).length === 6, 'six effects');
    expect(p.deliveries.map((d) => d.eventId)).toEqual(events.map((e) => e.eventId));
  });

  it('loses and duplicates nothing when the relay dies between publish and checkpoint commit', async () => {
    const p = await projector();
    const first = await append(5);
    const dying = new OutboxRelay({
      store: m.store,
      bus,
      pool: m.pool,
      beforeCheckpointCommit: async () => {
        throw new Error('relay process killed');
      },
    });
    await expect(dying.runOnce()).rejects.toThrow('relay process killed');
    expect(await dying.checkpoint()).toBe('0');

    const later = await append(2);
    const restarted = new OutboxRelay({ store: m.store, bus, pool: m.pool });
    const result = await restarted.runOnce();
    expect(result).toMatchObject({ published: 7, duplicates: 5, position: later[1].globalPosition });

    const all = [...first, ...later].map((e) => e.eventId);
    await waitFor(async () => (await m.effects()).length === 7, 'seven effects');
    await sleep(200);
    const effects = await m.effects();
    expect(effects.map((r) => r.event_id)).toEqual(all);
    // the stream dropped the republished copies: nothing reached the consumer twice
    expect(p.deliveries.map((d) => d.eventId)).toEqual(all);
  });

  it('absorbs a copy the duplicate window no longer catches: delivered again, applied once', async () => {
    const p = await projector();
    const [event] = await append(1);
    await new OutboxRelay({ store: m.store, bus, pool: m.pool }).drain();
    await waitFor(() => p.deliveries.length === 1, 'the first delivery');
    // the same event published again under another message id (as after a window expiry)
    const h = baseHeaders({ namespace: bus.namespace, installationId: bus.installationId }, SCHEMA.event, event.tenantId, undefined);
    const subject = `${bus.namespace}.evt.${event.tenantId}.${event.type}`;
    await bus.publishRaw(subject, encodeJson(event), `late-copy-${event.eventId}`, h);
    await waitFor(() => p.deliveries.length === 2, 'the late copy');
    expect(p.deliveries.map((d) => d.applied)).toEqual([true, false]);
    expect(await m.effects()).toHaveLength(1);
  });

  it('lets one of two writers at the same stream version win; only the winner reaches consumers', async () => {
    const p = await projector();
    const streamId = `run-${randomUUID()}`;
    await m.store.appendToStream('tenant-a', streamId, [{ type: 'RunRequested', data: {} }], { expectedVersion: 'no_stream' });
    const outcomes = await Promise.allSettled([
      m.store.appendToStream('tenant-a', streamId, [{ type: 'RunStarted', data: { by: 'writer-1' } }], { expectedVersion: 1 }),
      m.store.appendToStream('tenant-a', streamId, [{ type: 'RunCancelled', data: { by: 'writer-2' } }], { expectedVersion: 1 }),
    ]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].reason).toBeInstanceOf(ConcurrencyError);
    expect(lost[0].reason).toMatchObject({ code: 'concurrency_conflict' });

    await m.store.waitForVisibility();
    await new OutboxRelay({ store: m.store, bus, pool: m.pool }).drain();
    const stream = await m.store.readStream(streamId);
    expect(stream.map((e) => e.streamVersion)).toEqual([1, 2]);
    await waitFor(() => p.deliveries.length === 2, 'both events of the stream');
    await sleep(100);
    expect(p.deliveries.map((d) => d.eventId)).toEqual(stream.map((e) => e.eventId));
  });

  it('reprocesses without double effects when a handler fails before or after its commit', async () => {
    const [first, second] = await append(2);
    // fails inside its transaction on the first delivery: the inbox row rolls back with the work
    let failedOnce = false;
    const p = await projector('fails-before-commit', async (e) => {
      if (e.eventId === first.eventId && !failedOnce) {
        failedOnce = true;
        throw new Error('crash inside the transaction');
      }
    });
    // commits, then fails before the ack: the redelivery finds its inbox row
    const afterCommit: { eventId: string; count: number; applied: boolean }[] = [];
    await bus.subscribeEvents({ durable: 'fails-after-commit', ...DELIVERY }, async (e, ctx) => {
      const r = await handleIdempotently(m.pool, 'fails-after-commit', e, async (tx) => {
        await tx.query('INSERT INTO effects (consumer, event_id) VALUES ($1, $2)', ['fails-after-commit', e.eventId]);
      });
      afterCommit.push({ eventId: e.eventId, count: ctx.deliveryCount, applied: r.applied });
      if (ctx.deliveryCount === 1) throw new Error('died after commit, before ack');
    });
    await new OutboxRelay({ store: m.store, bus, pool: m.pool }).drain();

    await waitFor(() => p.deliveries.length === 2, 'both events applied by the first consumer');
    expect(p.deliveries).toEqual([
      { eventId: first.eventId, count: 2, applied: true },
      { eventId: second.eventId, count: 1, applied: true },
    ]);
    await waitFor(() => afterCommit.length === 4, 'deliveries and redeliveries of the second consumer');
    expect(afterCommit).toEqual([
      { eventId: first.eventId, count: 1, applied: true },
      { eventId: first.eventId, count: 2, applied: false },
      { eventId: second.eventId, count: 1, applied: true },
      { eventId: second.eventId, count: 2, applied: false },
    ]);
    const effects = await m.effects();
    const count = (consumer: string, id: string) => effects.filter((r) => r.consumer === consumer && r.event_id === id).length;
    for (const consumer of ['fails-before-commit', 'fails-after-commit']) {
      expect([count(consumer, first.eventId), count(consumer, second.eventId)]).toEqual([1, 1]);
    }
  });

  it('lets only one of two relay instances publish a batch at a time', async () => {
    const p = await projector();
    await append(20);
    const a = new OutboxRelay({ store: m.store, bus, pool: m.pool, batchSize: 5, pollIntervalMs: 20 });
    const b = new OutboxRelay({ store: m.store, bus, pool: m.pool, batchSize: 5, pollIntervalMs: 20 });
    const results = await Promise.all([
      (async () => {
        const rs = [];
        for (let i = 0; i < 8; i++) rs.push(await a.runOnce());
        return rs;
      })(),
      (async () => {
        const rs = [];
        for (let i = 0; i < 8; i++) rs.push(await b.runOnce());
        return rs;
      })(),
    ]);
    const flat = results.flat();
    expect(flat.reduce((n, r) => n + r.published, 0)).toBe(20);
    expect(flat.reduce((n, r) => n + r.duplicates, 0)).toBe(0);
    await waitFor(() => p.deliveries.length === 20, 'twenty deliveries');
  });

  it('runs in the background, picks up later appends, and stops', async () => {
    const p = await projector();
    const relay = new OutboxRelay({ store: m.store, bus, pool: m.pool, pollIntervalMs: 50 });
    relay.start();
    await append(2);
    relay.wake();
    await waitFor(() => p.deliveries.length === 2, 'the first appends');
    await append(1);
    await waitFor(() => p.deliveries.length === 3, 'the later append');
    await relay.stop();
    await append(1);
    await sleep(200);
    expect(p.deliveries).toHaveLength(3);
  });

  it('sets aside an event the bus can never publish instead of stopping at it', async () => {
    const p = await projector();
    const [before] = await append(1);
    const bad = await m.store.appendToStream('tenant-a', `run-${randomUUID()}`, [{ type: 'Run.Requested', data: {} }], {
      expectedVersion: 'no_stream',
    });
    const [after] = await append(1);
    const result = await new OutboxRelay({ store: m.store, bus, pool: m.pool }).runOnce();
    expect(result.position).toBe(after.globalPosition);
    await waitFor(() => p.deliveries.length === 2, 'the good events');
    expect(p.deliveries.map((d) => d.eventId)).toEqual([before.eventId, after.eventId]);
    const letters = await new PostgresDeadLetterStore(m.pool).list();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ consumer: 'relay:events', reason: 'unpublishable', messageId: bad.events[0].eventId });
  });

  it('publishes at once on the event store\'s append notification when listening', async () => {
    const p = await projector();
    const relay = new OutboxRelay({ store: m.store, bus, pool: m.pool, pollIntervalMs: 60_000, listenUrl: m.db.url });
    relay.start();
    try {
      // the first loop round finds nothing and then sleeps a minute unless a NOTIFY wakes it
      await waitFor(async () => (await m.pool.query('SELECT 1 FROM messaging_relay_checkpoints')).rowCount === 1, 'the first round');
      await sleep(200);
      await append(1); // visible in the log, but the relay sleeps
      await m.pool.query('SELECT pg_notify($1, $2)', [EVENTS_NOTIFY_CHANNEL, 'tenant-a']); // as the store does on commit
      await waitFor(() => p.deliveries.length === 1, 'the notified event', 20_000);
    } finally {
      await relay.stop();
    }
  });

  it('records foreign messages in the dead_letters table instead of applying them', async () => {
    const p = await projector();
    const [event] = await append(1);
    const h = baseHeaders({ namespace: bus.namespace, installationId: 'previous-installation' }, SCHEMA.event, event.tenantId, undefined);
    await bus.publishRaw(`${bus.namespace}.evt.${event.tenantId}.${event.type}`, encodeJson(event), event.eventId, h);
    await waitFor(async () => (await new PostgresDeadLetterStore(m.pool).list()).length === 1, 'the dead letter');
    const [letter] = await new PostgresDeadLetterStore(m.pool).list();
    expect(letter).toMatchObject({ reason: 'foreign_installation', messageId: event.eventId, tenantId: event.tenantId });
    expect(letter.headers[HEADER.installation]).toBe('previous-installation');
    expect(p.deliveries).toHaveLength(0);
    expect(await m.effects()).toHaveLength(0);
  });
});

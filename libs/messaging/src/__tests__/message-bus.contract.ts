import { HoldfastError, type RecordedEvent } from '@holdfast/contracts';
import { startTelemetry } from '@holdfast/telemetry';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import type { MemoryDeadLetterSink } from '../dead-letter.repository';
import { PoisonMessageError } from '../delivery-policy';
import type { AckContext, MessageBus, PublishResult, TaskMessage } from '../message-bus.port';
import { eventSubjectPatterns, TopologyNames } from '../topology-naming';
import { encodeJson, HEADER, SCHEMA, type WireHeaders } from '../wire-format';
import { deferred, recordedEvent, sleep, waitFor } from './test-events';

/** Settings every contract test uses: short waits so redelivery happens within the test. */
export const CONTRACT_DELIVERY = { ackWaitMs: 1_000, backoffMs: [50, 100], maxDeliver: 3 } as const;

export interface BusHarness {
  readonly bus: MessageBus;
  readonly deadLetters: MemoryDeadLetterSink;
  /** Another bus on the same backend, like a second process (same namespace and installation). */
  peer(): Promise<MessageBus>;
  /** Puts bytes with arbitrary headers on a subject, as a foreign or old producer would. */
  publishRaw(subject: string, data: Uint8Array, msgId: string, headers: WireHeaders): Promise<PublishResult>;
  cleanup(): Promise<void>;
}

/**
 * The behaviour every MessageBus adapter must have. Run it with a factory for each
 * adapter (`messageBusContract('JetStreamBus', ...)`, `messageBusContract('InProcessBus', ...)`).
 */
export function messageBusContract(name: string, createHarness: () => Promise<BusHarness>): void {
  describe(`MessageBus contract: ${name}`, () => {
    let h: BusHarness;
    let bus: MessageBus;
    let names: TopologyNames;

    beforeAll(() => {
      // context manager + W3C propagator, so trace context can cross the bus
      startTelemetry({ serviceName: 'messaging-contract' });
    });

    beforeEach(async () => {
      h = await createHarness();
      bus = h.bus;
      names = new TopologyNames(bus.namespace);
      await bus.ensureTopology();
    });

    afterEach(async () => {
      await h.cleanup();
    });

    function collect(): { events: RecordedEvent[]; ctxs: AckContext[]; handler: (e: RecordedEvent, c: AckContext) => Promise<void> } {
      const events: RecordedEvent[] = [];
      const ctxs: AckContext[] = [];
      return {
        events,
        ctxs,
        handler: async (e, c) => {
          events.push(e);
          ctxs.push(c);
        },
      };
    }

    describe('events', () => {
      it('delivers a published event, whole, with tenant and correlation, to a durable consumer', async () => {
        const c = collect();
        await bus.subscribeEvents({ durable: 'reader', ...CONTRACT_DELIVERY }, c.handler);
        const event = recordedEvent({ tenantId: 'tenant-x', type: 'RunRequested', data: { runId: 'r1', n: 3 } });
        const result = await bus.publishEvent(event);
        expect(result.duplicate).toBe(false);
        await waitFor(() => c.events.length === 1, 'the event');
        expect(c.events[0]).toEqual(event);
        expect(c.ctxs[0]).toMatchObject({
          tenantId: 'tenant-x',
          correlationId: event.metadata.correlationId,
          messageId: event.eventId,
          deliveryCount: 1,
          redelivered: false,
          subject: `${bus.namespace}.evt.tenant-x.RunRequested`,
        });
      });

      it('drops a second publish of the same event id (Nats-Msg-Id = eventId)', async () => {
        const c = collect();
        await bus.subscribeEvents({ durable: 'dedupe', ...CONTRACT_DELIVERY }, c.handler);
        const a = recordedEvent();
        const b = recordedEvent();
        const first = await bus.publishEvent(a);
        const again = await bus.publishEvent(a);
        await bus.publishEvent(b);
        expect(again).toEqual({ sequence: first.sequence, duplicate: true });
        await waitFor(() => c.events.some((e) => e.eventId === b.eventId), 'the event after the duplicate');
        expect(c.events.map((e) => e.eventId)).toEqual([a.eventId, b.eventId]);
      });

      it('delivers events in publish order to a consumer with one message in flight', async () => {
        const c = collect();
        const events = Array.from({ length: 20 }, () => recordedEvent());
        for (const e of events) await bus.publishEvent(e);
        await bus.subscribeEvents({ durable: 'ordered', ...CONTRACT_DELIVERY }, c.handler);
        await waitFor(() => c.events.length === 20, 'twenty events');
        expect(c.events.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
      });

      it('keeps a durable consumer position across subscriptions', async () => {
        const c = collect();
        const sub = await bus.subscribeEvents({ durable: 'resume', ...CONTRACT_DELIVERY }, c.handler);
        const early = [recordedEvent(), recordedEvent()];
        for (const e of early) await bus.publishEvent(e);
        await waitFor(() => c.events.length === 2, 'the early events');
        await sub.close();

        const late = [recordedEvent(), recordedEvent()];
        for (const e of late) await bus.publishEvent(e);
        const again = collect();
        await bus.subscribeEvents({ durable: 'resume', ...CONTRACT_DELIVERY }, again.handler);
        await waitFor(() => again.events.length === 2, 'the late events');
        expect(again.events.map((e) => e.eventId)).toEqual(late.map((e) => e.eventId));
      });

      it('starts a new consumer with startFrom "new" after the events already stored', async () => {
        await bus.publishEvent(recordedEvent());
        const c = collect();
        await bus.subscribeEvents({ durable: 'fresh', startFrom: 'new', ...CONTRACT_DELIVERY }, c.handler);
        const later = recordedEvent();
        await bus.publishEvent(later);
        await waitFor(() => c.events.length >= 1, 'the new event');
        await sleep(100);
        expect(c.events.map((e) => e.eventId)).toEqual([later.eventId]);
      });

      it('filters by subject pattern: event type and tenant', async () => {
        const byType = collect();
        const byTenant = collect();
        await bus.subscribeEvents(
          { durable: 'by-type', subjects: eventSubjectPatterns(['RunRequested', 'RunFinished']), ...CONTRACT_DELIVERY },
          byType.handler,
        );
        await bus.subscribeEvents({ durable: 'by-tenant', subjects: ['tenant-b.*'], ...CONTRACT_DELIVERY }, byTenant.handler);
        const requested = recordedEvent({ type: 'RunRequested', tenantId: 'tenant-a' });
        const other = recordedEvent({ type: 'ObjectDiscovered', tenantId: 'tenant-b' });
        const finished = recordedEvent({ type: 'RunFinished', tenantId: 'tenant-b' });
        for (const e of [requested, other, finished]) await bus.publishEvent(e);
        await waitFor(() => byType.events.length === 2 && byTenant.events.length === 2, 'filtered events');
        await sleep(100);
        expect(byType.events.map((e) => e.eventId)).toEqual([requested.eventId, finished.eventId]);
        expect(byTenant.events.map((e) => e.eventId)).toEqual([other.eventId, finished.eventId]);
      });

      it('applies changed subject patterns of a durable consumer at its next subscription', async () => {
        const first = collect();
        const sub = await bus.subscribeEvents({ durable: 'refilter', subjects: ['*.TypeA'], ...CONTRACT_DELIVERY }, first.handler);
        await bus.publishEvent(recordedEvent({ type: 'TypeA' }));
        await waitFor(() => first.events.length === 1, 'the TypeA event');
        await sub.close();
        const second = collect();
        await bus.subscribeEvents({ durable: 'refilter', subjects: ['*.TypeB'], ...CONTRACT_DELIVERY }, second.handler);
        const a = recordedEvent({ type: 'TypeA' });
        const b = recordedEvent({ type: 'TypeB' });
        await bus.publishEvent(a);
        await bus.publishEvent(b);
        await waitFor(() => second.events.length >= 1, 'the TypeB event');
        await sleep(100);
        expect(second.events.map((e) => e.eventId)).toEqual([b.eventId]);
      });

      it('gives every durable consumer its own copy of each event', async () => {
        const a = collect();
        const b = collect();
        await bus.subscribeEvents({ durable: 'fan-a', ...CONTRACT_DELIVERY }, a.handler);
        await bus.subscribeEvents({ durable: 'fan-b', ...CONTRACT_DELIVERY }, b.handler);
        const e = recordedEvent();
        await bus.publishEvent(e);
        await waitFor(() => a.events.length === 1 && b.events.length === 1, 'both copies');
      });

      it('shares one durable consumer between two subscribers without handling an event twice', async () => {
        const seen: string[] = [];
        const other = await h.peer();
        const handler = async (e: RecordedEvent) => {
          seen.push(e.eventId);
        };
        await bus.subscribeEvents({ durable: 'shared', maxAckPending: 10, ...CONTRACT_DELIVERY }, handler);
        await other.subscribeEvents({ durable: 'shared', maxAckPending: 10, ...CONTRACT_DELIVERY }, handler);
        const events = Array.from({ length: 30 }, () => recordedEvent());
        for (const e of events) await bus.publishEvent(e);
        await waitFor(() => seen.length >= 30, 'thirty events');
        await sleep(100);
        expect([...seen].sort()).toEqual(events.map((e) => e.eventId).sort());
      });

      it('redelivers after a transient failure, with a growing delivery count', async () => {
        const counts: number[] = [];
        await bus.subscribeEvents({ durable: 'flaky', ...CONTRACT_DELIVERY }, async (_e, ctx) => {
          counts.push(ctx.deliveryCount);
          if (ctx.deliveryCount < 2) throw new HoldfastError('unavailable', 'graph is down');
        });
        await bus.publishEvent(recordedEvent());
        await waitFor(() => counts.length === 2, 'the redelivery');
        await sleep(100);
        expect(counts).toEqual([1, 2]);
        expect(h.deadLetters.letters).toHaveLength(0);
      });

      it('redelivers when the handler naks explicitly', async () => {
        const counts: number[] = [];
        await bus.subscribeEvents({ durable: 'nakker', ...CONTRACT_DELIVERY }, async (_e, ctx) => {
          counts.push(ctx.deliveryCount);
          if (ctx.deliveryCount === 1) ctx.nak(10);
        });
        await bus.publishEvent(recordedEvent());
        await waitFor(() => counts.length === 2, 'the redelivery');
        expect(counts).toEqual([1, 2]);
      });

      it('dead-letters a message that keeps failing after maxDeliver and moves on', async () => {
        const poison = recordedEvent({ tenantId: 'tenant-p' });
        const next = recordedEvent();
        const handled: string[] = [];
        let attempts = 0;
        await bus.subscribeEvents({ durable: 'poisoned', ...CONTRACT_DELIVERY }, async (e) => {
          if (e.eventId === poison.eventId) {
            attempts++;
            throw new Error('cannot apply');
          }
          handled.push(e.eventId);
        });
        await bus.publishEvent(poison);
        await bus.publishEvent(next);
        await waitFor(() => handled.length === 1, 'the event after the poison');
        expect(attempts).toBe(CONTRACT_DELIVERY.maxDeliver);
        expect(h.deadLetters.letters).toHaveLength(1);
        expect(h.deadLetters.letters[0]).toMatchObject({
          consumer: names.eventConsumer('poisoned'),
          messageId: poison.eventId,
          tenantId: 'tenant-p',
          reason: 'max_deliveries',
          deliveries: CONTRACT_DELIVERY.maxDeliver,
          subject: names.eventSubject('tenant-p', poison.type),
        });
        expect(h.deadLetters.letters[0].detail).toMatch(/cannot apply/);
        expect(JSON.parse(Buffer.from(h.deadLetters.letters[0].payload).toString())).toEqual(poison);
      });

      it('dead-letters at once on a non-retryable error or PoisonMessageError, and on term()', async () => {
        const bad = recordedEvent({ type: 'Bad' });
        const poison = recordedEvent({ type: 'Poison' });
        const termed = recordedEvent({ type: 'Termed' });
        const attempts: string[] = [];
        await bus.subscribeEvents({ durable: 'strict', ...CONTRACT_DELIVERY }, async (e, ctx) => {
          attempts.push(e.type);
          if (e.type === 'Bad') throw new HoldfastError('validation_failed', 'no such job');
          if (e.type === 'Poison') throw new PoisonMessageError('corrupt manifest reference');
          await ctx.term('refused by handler');
        });
        for (const e of [bad, poison, termed]) await bus.publishEvent(e);
        await waitFor(() => h.deadLetters.letters.length === 3, 'three dead letters');
        expect(attempts).toEqual(['Bad', 'Poison', 'Termed']);
        expect(h.deadLetters.letters.map((l) => [l.messageId, l.reason, l.deliveries])).toEqual([
          [bad.eventId, 'non_retryable', 1],
          [poison.eventId, 'non_retryable', 1],
          [termed.eventId, 'termed_by_handler', 1],
        ]);
        expect(h.deadLetters.letters[0].detail).toBe('validation_failed: no such job');
        expect(h.deadLetters.letters[2].detail).toBe('refused by handler');
      });

      it('dead-letters messages of another installation or an unknown schema without handling them', async () => {
        const c = collect();
        await bus.subscribeEvents({ durable: 'guarded', ...CONTRACT_DELIVERY }, c.handler);
        const foreign = recordedEvent({ tenantId: 'tenant-a' });
        const subject = names.eventSubject('tenant-a', foreign.type);
        const good: WireHeaders = {
          [HEADER.namespace]: bus.namespace,
          [HEADER.installation]: bus.installationId,
          [HEADER.schema]: SCHEMA.event,
          [HEADER.tenant]: 'tenant-a',
        };
        await h.publishRaw(subject, encodeJson(foreign), foreign.eventId, {
          ...good,
          [HEADER.installation]: 'some-older-installation',
        });
        const oddSchema = recordedEvent();
        await h.publishRaw(subject, encodeJson(oddSchema), oddSchema.eventId, { ...good, [HEADER.schema]: 'holdfast.event.v99' });
        await h.publishRaw(subject, new Uint8Array([0xff, 0xfe, 0x00]), 'garbage-1', good);
        const otherTenant = recordedEvent({ tenantId: 'tenant-b' });
        await h.publishRaw(subject, encodeJson(otherTenant), otherTenant.eventId, good);
        const fine = recordedEvent();
        await bus.publishEvent(fine);
        await waitFor(() => c.events.length === 1, 'the proper event');
        await waitFor(() => h.deadLetters.letters.length === 4, 'four dead letters');
        expect(c.events.map((e) => e.eventId)).toEqual([fine.eventId]);
        expect(h.deadLetters.letters.map((l) => [l.messageId, l.reason])).toEqual([
          [foreign.eventId, 'foreign_installation'],
          [oddSchema.eventId, 'unknown_schema'],
          ['garbage-1', 'malformed'],
          [otherTenant.eventId, 'malformed'],
        ]);
        expect(h.deadLetters.letters[2].payload).toEqual(new Uint8Array([0xff, 0xfe, 0x00]));
      });

      it('redelivers to another subscriber when a handler hangs past the ack wait (crashed process)', async () => {
        const stuck = deferred();
        const firstSeen = deferred();
        const other = await h.peer();
        const sub = await bus.subscribeEvents({ durable: 'crashy', ...CONTRACT_DELIVERY }, async (_e, ctx) => {
          firstSeen.resolve();
          await stuck.promise; // never acks while the other takes over
          expect(ctx.settled).toBe(false);
        });
        const event = recordedEvent();
        await bus.publishEvent(event);
        await firstSeen.promise;
        const taken: { id: string; count: number }[] = [];
        await other.subscribeEvents({ durable: 'crashy', ...CONTRACT_DELIVERY }, async (e, ctx) => {
          taken.push({ id: e.eventId, count: ctx.deliveryCount });
        });
        await waitFor(() => taken.length === 1, 'the redelivery to the other subscriber');
        expect(taken[0]).toEqual({ id: event.eventId, count: 2 });
        stuck.resolve();
        await sub.close();
      });

      it('dead-letters a message whose handler never finishes (a crash loop) once maxDeliver is used up', async () => {
        const stuck = deferred();
        const started = deferred();
        const spec = { durable: 'crash-loop', ...CONTRACT_DELIVERY, maxDeliver: 1 };
        const sub = await bus.subscribeEvents(spec, async () => {
          started.resolve();
          await stuck.promise; // as if the process died inside the handler
        });
        const event = recordedEvent();
        await bus.publishEvent(event);
        await started.promise;
        // the "restarted process" subscribes; the redelivery exceeds maxDeliver
        let restartedCalls = 0;
        const other = await h.peer();
        await other.subscribeEvents(spec, async () => void restartedCalls++);
        await waitFor(() => h.deadLetters.letters.length === 1, 'the dead letter');
        expect(restartedCalls).toBe(0); // not handed to a handler again
        expect(h.deadLetters.letters[0]).toMatchObject({ messageId: event.eventId, reason: 'max_deliveries', deliveries: 2 });
        stuck.resolve();
        await sub.close();
      });

      it('does not redeliver while the handler reports working()', async () => {
        let deliveries = 0;
        const done = deferred();
        await bus.subscribeEvents({ durable: 'slow', ...CONTRACT_DELIVERY }, async (_e, ctx) => {
          deliveries++;
          for (let i = 0; i < 6; i++) {
            await sleep(CONTRACT_DELIVERY.ackWaitMs / 4);
            ctx.working();
          }
          done.resolve();
        });
        await bus.publishEvent(recordedEvent());
        await done.promise;
        await sleep(CONTRACT_DELIVERY.ackWaitMs * 1.2);
        expect(deliveries).toBe(1);
      });

      it('waits for a running handler when a subscription closes', async () => {
        let finished = false;
        const started = deferred();
        const sub = await bus.subscribeEvents({ durable: 'closing', ...CONTRACT_DELIVERY }, async () => {
          started.resolve();
          await sleep(200);
          finished = true;
        });
        await bus.publishEvent(recordedEvent());
        await started.promise;
        await sub.close();
        expect(finished).toBe(true);
      });

      it('carries the W3C trace context from the producer into the consumer', async () => {
        const traceIds: (string | undefined)[] = [];
        await bus.subscribeEvents({ durable: 'traced', ...CONTRACT_DELIVERY }, async () => {
          traceIds.push(trace.getSpanContext(context.active())?.traceId);
        });
        const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
        const active = trace.setSpanContext(context.active(), {
          traceId,
          spanId: '00f067aa0ba902b7',
          traceFlags: TraceFlags.SAMPLED,
        });
        await context.with(active, () => bus.publishEvent(recordedEvent()));
        // an event from the store carries the trace of the request that appended it
        const storedTrace = '0af7651916cd43dd8448eb211c80319c';
        await bus.publishEvent(recordedEvent({ metadata: { traceparent: `00-${storedTrace}-b7ad6b7169203331-01` } }));
        await waitFor(() => traceIds.length === 2, 'two traced events');
        expect(traceIds).toEqual([traceId, storedTrace]);
      });

      it('refuses a subject token that would break the subject layout', async () => {
        await expect(bus.publishEvent(recordedEvent({ tenantId: 'a.b' }))).rejects.toMatchObject({ code: 'validation_failed' });
        await expect(bus.publishEvent(recordedEvent({ type: 'Run*' }))).rejects.toMatchObject({ code: 'validation_failed' });
      });
    });

    describe('work queues', () => {
      it('gives each task to exactly one of several workers and drops duplicate task ids', async () => {
        const workers = [bus, await h.peer(), await h.peer()];
        const handledBy = new Map<string, number[]>();
        for (const [i, w] of workers.entries()) {
          await w.processTasks({ queue: 'backup', concurrency: 2, ...CONTRACT_DELIVERY }, async (task: TaskMessage) => {
            handledBy.set(task.dedupeId, [...(handledBy.get(task.dedupeId) ?? []), i]);
            await sleep(5);
          });
        }
        const results: PublishResult[] = [];
        for (let n = 0; n < 30; n++) {
          results.push(
            await bus.publishTask({ queue: 'backup', type: 'BackupObject', tenantId: 'tenant-a', dedupeId: `run1:obj${n}`, data: { n } }),
          );
        }
        // a retried expansion of the same run publishes the same ids again
        for (let n = 0; n < 5; n++) {
          results.push(
            await bus.publishTask({ queue: 'backup', type: 'BackupObject', tenantId: 'tenant-a', dedupeId: `run1:obj${n}`, data: { n } }),
          );
        }
        expect(results.filter((r) => r.duplicate)).toHaveLength(5);
        await waitFor(() => handledBy.size === 30, 'thirty tasks');
        await sleep(200);
        expect([...handledBy.values()].every((by) => by.length === 1)).toBe(true);
      });

      it('delivers tasks published before any worker started, with their fields', async () => {
        await bus.publishTask({
          queue: 'restore',
          type: 'RestoreItem',
          tenantId: 'tenant-r',
          dedupeId: 'rs1:item1',
          data: { item: 'i1' },
          correlationId: 'corr-1',
        });
        const got: TaskMessage[] = [];
        const ctxs: AckContext[] = [];
        await bus.processTasks({ queue: 'restore', ...CONTRACT_DELIVERY }, async (t, c) => {
          got.push(t);
          ctxs.push(c);
        });
        await waitFor(() => got.length === 1, 'the task');
        expect(got[0]).toMatchObject({
          queue: 'restore',
          type: 'RestoreItem',
          tenantId: 'tenant-r',
          dedupeId: 'rs1:item1',
          data: { item: 'i1' },
          correlationId: 'corr-1',
          schemaVersion: 1,
        });
        expect(ctxs[0]).toMatchObject({ tenantId: 'tenant-r', correlationId: 'corr-1', subject: names.taskSubject('restore', 'tenant-r') });
      });

      it('keeps queues apart', async () => {
        const a: string[] = [];
        const b: string[] = [];
        await bus.processTasks({ queue: 'qa', ...CONTRACT_DELIVERY }, async (t) => void a.push(t.dedupeId));
        await bus.processTasks({ queue: 'qb', ...CONTRACT_DELIVERY }, async (t) => void b.push(t.dedupeId));
        await bus.publishTask({ queue: 'qa', type: 'T', tenantId: 't', dedupeId: 'x', data: {} });
        await bus.publishTask({ queue: 'qb', type: 'T', tenantId: 't', dedupeId: 'x', data: {} });
        await waitFor(() => a.length === 1 && b.length === 1, 'one task per queue');
      });

      it('retries a transient failure, dead-letters a poison task, and finishes the rest', async () => {
        const attempts = new Map<string, number>();
        const done: string[] = [];
        await bus.processTasks({ queue: 'mixed', ...CONTRACT_DELIVERY }, async (t, ctx) => {
          attempts.set(t.dedupeId, ctx.deliveryCount);
          if (t.dedupeId === 'flaky' && ctx.deliveryCount === 1) throw new HoldfastError('throttled', '429 from graph');
          if (t.dedupeId === 'poison') throw new PoisonMessageError('object no longer exists');
          done.push(t.dedupeId);
        });
        for (const id of ['flaky', 'poison', 'fine']) {
          await bus.publishTask({ queue: 'mixed', type: 'BackupObject', tenantId: 'tenant-m', dedupeId: id, data: {} });
        }
        await waitFor(() => done.length === 2 && h.deadLetters.letters.length === 1, 'tasks to settle');
        expect(done.sort()).toEqual(['fine', 'flaky']);
        expect(attempts.get('flaky')).toBe(2);
        expect(h.deadLetters.letters[0]).toMatchObject({
          consumer: names.taskConsumer('mixed'),
          messageId: names.taskMessageId('mixed', 'tenant-m', 'poison'),
          tenantId: 'tenant-m',
          reason: 'non_retryable',
        });
      });

      it('hands a task held by a hung worker to another worker after the ack wait', async () => {
        const stuck = deferred();
        const started = deferred();
        const other = await h.peer();
        const sub = await bus.processTasks({ queue: 'hang', ...CONTRACT_DELIVERY }, async () => {
          started.resolve();
          await stuck.promise;
        });
        await bus.publishTask({ queue: 'hang', type: 'T', tenantId: 't', dedupeId: 'only', data: {} });
        await started.promise;
        const counts: number[] = [];
        await other.processTasks({ queue: 'hang', ...CONTRACT_DELIVERY }, async (_t, ctx) => void counts.push(ctx.deliveryCount));
        await waitFor(() => counts.length === 1, 'the takeover');
        expect(counts).toEqual([2]);
        stuck.resolve();
        await sub.close();
      });

      it('ack removes a task for good: a restarted worker does not see it again', async () => {
        const first: string[] = [];
        const sub = await bus.processTasks({ queue: 'once', ...CONTRACT_DELIVERY }, async (t) => void first.push(t.dedupeId));
        await bus.publishTask({ queue: 'once', type: 'T', tenantId: 't', dedupeId: 'a', data: {} });
        await waitFor(() => first.length === 1, 'the task');
        await sub.close();
        const second: string[] = [];
        await bus.processTasks({ queue: 'once', ...CONTRACT_DELIVERY }, async (t) => void second.push(t.dedupeId));
        await bus.publishTask({ queue: 'once', type: 'T', tenantId: 't', dedupeId: 'b', data: {} });
        await waitFor(() => second.length === 1, 'the next task');
        await sleep(100);
        expect(second).toEqual(['b']);
      });
    });

    describe('request/reply', () => {
      it('answers a request with the handler result, passing tenant and correlation', async () => {
        await bus.respond<{ a: number; b: number }, { sum: number; tenant?: string; corr?: string }>(
          'calc',
          'add',
          async (req, ctx) => ({ sum: req.a + req.b, tenant: ctx.tenantId, corr: ctx.correlationId }),
        );
        const other = await h.peer();
        const answer = await other.request('calc', 'add', { a: 2, b: 3 }, { tenantId: 'tenant-q', correlationId: 'c-9' });
        expect(answer).toEqual({ sum: 5, tenant: 'tenant-q', corr: 'c-9' });
      });

      it('carries a HoldfastError across with code, message and details', async () => {
        await bus.respond('auth', 'token', async () => {
          throw new HoldfastError('permissions_missing', 'Mail.Read is not granted', { permission: 'Mail.Read' });
        });
        const err = await bus.request('auth', 'token', {}).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(HoldfastError);
        expect(err).toMatchObject({
          code: 'permissions_missing',
          message: 'Mail.Read is not granted',
          details: { permission: 'Mail.Read' },
        });
      });

      it('hides the message of an unexpected error behind code internal', async () => {
        await bus.respond('inventory', 'list', async () => {
          throw new Error('password=hunter2 leaked in a driver message');
        });
        const err = await bus.request('inventory', 'list', {}).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'internal' });
        expect((err as Error).message).not.toMatch(/hunter2/);
      });

      it("rejects with 'timeout' when the responder is too slow", async () => {
        const release = deferred();
        await bus.respond('slow', 'op', async () => {
          await release.promise;
          return 1;
        });
        const err = await bus.request('slow', 'op', {}, { timeoutMs: 150 }).catch((e: unknown) => e);
        release.resolve();
        expect(err).toBeInstanceOf(HoldfastError);
        expect(err).toMatchObject({ code: 'timeout' });
      });

      it("rejects with 'unavailable' when nobody answers, also after the responder closed", async () => {
        const err = await bus.request('nobody', 'home', {}, { timeoutMs: 2_000 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(HoldfastError);
        expect(err).toMatchObject({ code: 'unavailable' });

        const sub = await bus.respond('brief', 'op', async () => 'here');
        expect(await bus.request('brief', 'op', {})).toBe('here');
        await sub.close();
        await expect(bus.request('brief', 'op', {}, { timeoutMs: 2_000 })).rejects.toMatchObject({ code: 'unavailable' });
      });

      it('lets each request be answered by exactly one of several responders', async () => {
        let calls = 0;
        const other = await h.peer();
        await bus.respond('shared', 'op', async () => ++calls);
        await other.respond('shared', 'op', async () => ++calls);
        for (let i = 0; i < 10; i++) await bus.request('shared', 'op', {});
        expect(calls).toBe(10);
      });
    });

    describe('lifecycle', () => {
      it('ensureTopology can run again (every instance calls it at boot)', async () => {
        const spec = { durable: 'declared', startFrom: 'new' as const, ...CONTRACT_DELIVERY };
        await bus.ensureTopology({ eventConsumers: [spec], taskQueues: [{ queue: 'declared', ...CONTRACT_DELIVERY }] });
        await bus.ensureTopology({ eventConsumers: [spec] });
        const c = collect();
        await bus.publishEvent(recordedEvent());
        // declared at boot, the consumer has kept the event published before anyone subscribed
        await bus.subscribeEvents(spec, c.handler);
        await waitFor(() => c.events.length === 1, 'the event kept for the declared consumer');
      });

      it('reports health: ok while open, not ok after close', async () => {
        const other = await h.peer();
        expect(await other.health()).toMatchObject({ ok: true, kind: other.kind });
        await other.close();
        expect(await other.health()).toMatchObject({ ok: false, kind: other.kind });
      });

      it('refuses to publish after close', async () => {
        const other = await h.peer();
        await other.close();
        await expect(other.publishEvent(recordedEvent())).rejects.toMatchObject({ code: 'unavailable' });
      });
    });
  });
}

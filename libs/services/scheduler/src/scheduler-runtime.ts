import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { BACKUP_QUEUE, HoldfastError, INVENTORY_RPC, RecoveryPointCreated, RunCompleted, type InventoryPage, type JobSource } from '@holdfast/contracts';
import { ProjectionRunner, type PostgresEventStore } from '@holdfast/event-store';
import { eventSubjectPatterns, type MessageBus, type Subscription } from '@holdfast/messaging';
import { EVENT_STORE, MESSAGE_BUS, PG_POOL } from '@holdfast/service-kit';
import type { Pool } from 'pg';
import { schedulerJobsProjection } from './jobs/jobs.projection';
import type { PlannableObject } from './runs/run-plan';
import { RunOrchestrator } from './runs/run-orchestrator.usecase';
import { SCHEDULER_CONFIG, type SchedulerConfig } from './scheduler.config';
import { ScheduleTicker } from './schedules/schedule-ticker.usecase';

/**
 * Mailboxes of an organization from the inventory service (request/reply), in its order.
 * Group membership is not resolved yet: a `groups` source plans every mailbox of the
 * organization minus exclusions.
 */
export function inventoryObjectResolver(bus: MessageBus) {
  return async (tenantId: string, organizationId: string, source: JobSource): Promise<PlannableObject[]> => {
    if (source.kind === 'mailboxes') return [];
    const out: PlannableObject[] = [];
    for (let offset = 0; ; offset += 5000) {
      const page = await bus.request<InventoryPage>('inventory', INVENTORY_RPC.list, { tenantId, organizationId, limit: 5000, offset }, { tenantId, timeoutMs: 30_000 });
      for (const item of page.items as readonly { objectId: string; address?: string; kind: string; mailbox?: string }[]) {
        if ((item.kind === 'user' || item.kind === 'shared-mailbox') && item.mailbox !== 'none') out.push({ objectId: item.objectId, ...(item.address ? { address: item.address } : {}) });
      }
      if (offset + 5000 >= page.total) return out;
    }
  };
}

/** Request/reply methods of the scheduler (service `scheduler`). */
export const SCHEDULER_RPC = {
  /** { runId, objectId, reason } -> RunState: a worker gave up on an object */
  recordFailure: 'run-record-failure',
  /** { jobId, runId?, requestedBy? } -> RunState */
  startRun: 'run-start',
  /** { runId, requestedBy? } -> RunState */
  stopRun: 'run-stop',
  /** { runId, requestedBy? } -> RunState */
  retryFailed: 'run-retry',
} as const;

/**
 * The scheduler at work: keeps its job list current, ticks the schedules, records object
 * outcomes from workers' RecoveryPointCreated and starts chained jobs on RunCompleted.
 */
@Injectable()
export class SchedulerRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly orchestrator: RunOrchestrator;
  readonly ticker: ScheduleTicker;
  private runner?: ProjectionRunner;
  private subscription?: Subscription;
  private readonly responders: Subscription[] = [];
  private timer?: NodeJS.Timeout;
  private ticking = false;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(EVENT_STORE) private readonly store: PostgresEventStore,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {
    this.orchestrator = new RunOrchestrator({ store, bus, resolveObjects: inventoryObjectResolver(bus) });
    this.ticker = new ScheduleTicker(pool, this.orchestrator);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.ensureTopology({ taskQueues: [{ queue: BACKUP_QUEUE }] });
    this.runner = new ProjectionRunner({ pool: this.pool, store: this.store, projections: [schedulerJobsProjection], listenUrl: this.config.DATABASE_URL });
    this.runner.start();
    this.subscription = await this.bus.subscribeEvents(
      { durable: 'scheduler-run-outcomes', subjects: eventSubjectPatterns([RecoveryPointCreated.type, RunCompleted.type]) },
      async (event, ctx) => {
        if (RecoveryPointCreated.is(event)) {
          await this.orchestrator.recordRecoveryPoint(event.tenantId, { type: event.type, data: RecoveryPointCreated.parse(event.data) });
        } else if (RunCompleted.is(event)) {
          const d = RunCompleted.parse(event.data);
          await this.ticker.onRunCompleted(event.tenantId, { jobId: d.jobId, runId: d.runId, status: d.status, completedAt: d.completedAt });
        }
        await ctx.ack();
      },
    );
    const tenantOf = (ctx: { tenantId?: string }) => {
      if (!ctx.tenantId) throw new HoldfastError('validation_failed', 'a tenant id is required');
      return ctx.tenantId;
    };
    type Body = { runId?: string; jobId?: string; objectId?: string; reason?: string; requestedBy?: string };
    this.responders.push(
      await this.bus.respond<Body, unknown>('scheduler', SCHEDULER_RPC.recordFailure, async (p, ctx) =>
        this.orchestrator.recordFailure(tenantOf(ctx), String(p.runId), String(p.objectId), String(p.reason ?? 'failed')),
      ),
      await this.bus.respond<Body, unknown>('scheduler', SCHEDULER_RPC.startRun, async (p, ctx) =>
        this.orchestrator.startRun({ tenantId: tenantOf(ctx), jobId: String(p.jobId), runId: p.runId ?? randomUUID(), trigger: 'manual', requestedBy: p.requestedBy ?? 'api' }),
      ),
      await this.bus.respond<Body, unknown>('scheduler', SCHEDULER_RPC.stopRun, async (p, ctx) => this.orchestrator.stop(tenantOf(ctx), String(p.runId), p.requestedBy ?? 'api')),
      await this.bus.respond<Body, unknown>('scheduler', SCHEDULER_RPC.retryFailed, async (p, ctx) =>
        this.orchestrator.retryFailed(tenantOf(ctx), String(p.runId), p.requestedBy ?? 'api'),
      ),
    );
    this.timer = setInterval(() => void this.tickOnce(), this.config.HOLDFAST_SCHEDULER_TICK_SECONDS * 1000);
    this.timer.unref();
  }

  private async tickOnce(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.ticker.tick(new Date());
    } catch {
      // the next tick tries again; evaluation is idempotent
    } finally {
      this.ticking = false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.subscription?.close();
    for (const r of this.responders) await r.close();
    await this.runner?.stop();
  }
}

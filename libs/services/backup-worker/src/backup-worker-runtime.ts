import { readFileSync } from 'node:fs';
import {
  AUTH_RPC,
  AUTH_RPC_SLOW_TIMEOUT_MS,
  AUTH_SERVICE,
  BACKUP_QUEUE,
  HoldfastError,
  type BackupMailboxTaskData,
  type BrokeredToken,
  type OrganizationConnection,
} from '@holdfast/contracts';
import type { PostgresEventStore } from '@holdfast/event-store';
import { brokerTokenProvider, GraphClient, Pacer } from '@holdfast/graph';
import type { AckContext, MessageBus, Subscription, TaskMessage } from '@holdfast/messaging';
import { backendFromLocation, Repository } from '@holdfast/repository';
import { EVENT_STORE, getLogger, MESSAGE_BUS, PG_POOL } from '@holdfast/service-kit';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { BACKUP_WORKER_CONFIG, type BackupWorkerConfig } from './backup-worker.config';
import { BackupObjectHandler } from './tasks/backup-object.usecase';

/** The scheduler's request/reply method a worker tells when it gives up on an object. */
const SCHEDULER_SERVICE = 'scheduler';
const SCHEDULER_RECORD_FAILURE = 'run-record-failure';
/** Deliveries of a backup task before it is dead-lettered (the queue's default). */
const BACKUP_MAX_DELIVER = 5;

/**
 * The backup worker at work: pulls BackupMailbox tasks from the work queue (as many at once
 * as HOLDFAST_WORKER_CONCURRENCY) and runs each with a Graph client for the task's
 * organization (tokens from the auth service's broker over request/reply, one Pacer per
 * process) and the repository at the task's destination.
 */
@Injectable()
export class BackupWorkerRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  /** Shared by every Graph client of this process: per-mailbox and tenant budgets hold across tasks. */
  readonly pacer = new Pacer();
  private readonly ca?: string;
  private readonly repositories = new Map<string, Promise<Repository>>();
  private subscription?: Subscription;
  private readonly log = getLogger('BackupWorker');

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(EVENT_STORE) private readonly store: PostgresEventStore,
    @Inject(BACKUP_WORKER_CONFIG) private readonly config: BackupWorkerConfig,
  ) {
    this.ca = readCa(config.HOLDFAST_GRAPH_CA_FILE);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.ensureTopology({ taskQueues: [{ queue: BACKUP_QUEUE }] });
    this.subscription = await this.bus.processTasks<BackupMailboxTaskData>(
      { queue: BACKUP_QUEUE, concurrency: this.config.HOLDFAST_WORKER_CONCURRENCY, maxDeliver: BACKUP_MAX_DELIVER },
      async (task, ctx) => {
        await this.run(task, ctx);
      },
    );
  }

  /** Runs one task; the Graph clients it opened are closed when it ends. */
  async run(task: TaskMessage<BackupMailboxTaskData>, ctx: AckContext): Promise<void> {
    const clients: GraphClient[] = [];
    const handler = new BackupObjectHandler({
      pool: this.pool,
      store: this.store,
      maxDeliver: BACKUP_MAX_DELIVER,
      graphFor: async (tenantId, organizationId) => {
        const graph = await this.graphFor(tenantId, organizationId);
        clients.push(graph);
        return graph;
      },
      openRepository: (location) => this.openRepository(location),
      reportFailure: (t, reason) => this.reportFailure(t, reason),
      logger: this.log,
    });
    try {
      const result = await handler.handle(task, ctx);
      this.log.info({ runId: task.data.runId, objectId: task.data.objectId, manifestId: result.manifestId, counts: result.counts }, 'backup task done');
    } catch (e) {
      this.log.warn({ runId: task.data?.runId, objectId: task.data?.objectId, type: task.type, code: (e as HoldfastError).code, err: (e as Error).message }, 'backup task failed');
      throw e;
    } finally {
      for (const c of clients) c.close();
    }
  }

  /** A Graph client for an organization: endpoints and applications from auth, tokens from its broker. */
  async graphFor(tenantId: string, organizationId: string): Promise<GraphClient> {
    const conn = await this.bus.request<OrganizationConnection>(AUTH_SERVICE, AUTH_RPC.connection, { tenantId, organizationId }, { tenantId, timeoutMs: AUTH_RPC_SLOW_TIMEOUT_MS });
    if (conn.applications.length === 0) throw new HoldfastError('not_found', `organization ${organizationId} has no application`);
    return new GraphClient({
      tenantId: conn.m365TenantId,
      cloud: { graphBaseUrl: conn.graphBaseUrl },
      apps: conn.applications.map((appId) => ({
        appId,
        tokenProvider: brokerTokenProvider(
          (r) =>
            this.bus.request<BrokeredToken>(
              AUTH_SERVICE,
              AUTH_RPC.token,
              { tenantId, organizationId, appId: r.appId, forceRefresh: r.forceRefresh },
              { tenantId, timeoutMs: AUTH_RPC_SLOW_TIMEOUT_MS },
            ),
          { tenantId: conn.m365TenantId, appId, scope: '' },
        ),
      })),
      ca: this.ca,
      pacer: this.pacer,
    });
  }

  /** The repository at a task's destination, opened once per location with HOLDFAST_REPOSITORY_PASSWORD. */
  openRepository(location: string): Promise<Repository> {
    let repo = this.repositories.get(location);
    if (!repo) {
      repo = (async () => {
        if (!location) throw new HoldfastError('validation_failed', 'the backup task names no repository');
        return Repository.open(backendFromLocation(location), { password: this.config.HOLDFAST_REPOSITORY_PASSWORD });
      })();
      repo.catch(() => this.repositories.delete(location));
      this.repositories.set(location, repo);
    }
    return repo;
  }

  private async reportFailure(task: BackupMailboxTaskData & { tenantId: string }, reason: string): Promise<void> {
    try {
      await this.bus.request(SCHEDULER_SERVICE, SCHEDULER_RECORD_FAILURE, { runId: task.runId, objectId: task.objectId, reason }, { tenantId: task.tenantId, timeoutMs: 30_000 });
    } catch (e) {
      // the original error is what the queue sees; the run stays open until the scheduler hears of it
      this.log.warn({ runId: task.runId, objectId: task.objectId, err: (e as Error).message }, 'could not report a failed backup task to the scheduler');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
    const repos = [...this.repositories.values()];
    this.repositories.clear();
    for (const r of repos) await r.then((repo) => repo.close()).catch(() => undefined);
  }
}

function readCa(file?: string): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new HoldfastError('validation_failed', `HOLDFAST_GRAPH_CA_FILE: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

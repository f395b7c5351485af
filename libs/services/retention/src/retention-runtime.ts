import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { RecoveryPointCreated } from '@holdfast/contracts';
import type { PostgresEventStore } from '@holdfast/event-store';
import { eventSubjectPatterns, type MessageBus, type Subscription } from '@holdfast/messaging';
import { backendFromLocation, Repository } from '@holdfast/repository';
import { EVENT_STORE, MESSAGE_BUS } from '@holdfast/service-kit';
import { ApplyRetention } from './apply/apply-retention.usecase';
import { RETENTION_CONFIG, type RetentionConfig } from './retention.config';

/** Applies the job's retention policy to an object's points after each new recovery point. */
@Injectable()
export class RetentionRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly retention: ApplyRetention;
  private subscription?: Subscription;
  private readonly repositories = new Map<string, Promise<Repository>>();

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(EVENT_STORE) store: PostgresEventStore,
    @Inject(RETENTION_CONFIG) private readonly config: RetentionConfig,
  ) {
    this.retention = new ApplyRetention({ store, openRepository: (location) => this.open(location) });
  }

  private open(location: string): Promise<Repository> {
    let repo = this.repositories.get(location);
    if (!repo) {
      repo = Repository.open(backendFromLocation(location), { password: this.config.HOLDFAST_REPOSITORY_PASSWORD });
      repo.catch(() => this.repositories.delete(location));
      this.repositories.set(location, repo);
    }
    return repo;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribeEvents(
      { durable: 'retention-points', subjects: eventSubjectPatterns([RecoveryPointCreated.type]) },
      async (event, ctx) => {
        const p = RecoveryPointCreated.parse(event.data);
        if (p.jobId) await this.retention.apply({ tenantId: event.tenantId, objectId: p.objectId, jobId: p.jobId, repository: p.repository });
        await ctx.ack();
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }
}

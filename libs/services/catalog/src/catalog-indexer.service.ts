import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { RecoveryPointCreated, RecoveryPointExpired } from '@holdfast/contracts';
import { eventSubjectPatterns, type MessageBus, type Subscription } from '@holdfast/messaging';
import { backendFromLocation, Repository } from '@holdfast/repository';
import { MESSAGE_BUS, PG_POOL } from '@holdfast/service-kit';
import type { Pool } from 'pg';
import { CATALOG_CONFIG, type CatalogConfig } from './catalog.config';
import { CatalogIndexRepository, type IndexPointResult } from './catalog-index.repository';
import { indexRecoveryPoint } from './index-recovery-point.usecase';

type CreatedData = ReturnType<typeof RecoveryPointCreated.parse>;

/**
 * Keeps the catalog in step with the recovery points: indexes each new point from the
 * repository (RecoveryPointCreated) and forgets expired ones (RecoveryPointExpired).
 * Both are idempotent, so redeliveries are harmless.
 */
@Injectable()
export class CatalogIndexer implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscription?: Subscription;
  private repository?: Promise<Repository>;
  readonly index: CatalogIndexRepository;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(CATALOG_CONFIG) private readonly config: CatalogConfig,
  ) {
    this.index = new CatalogIndexRepository(pool);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribeEvents(
      { durable: 'catalog-indexer', subjects: eventSubjectPatterns([RecoveryPointCreated.type, RecoveryPointExpired.type]) },
      async (event, ctx) => {
        if (RecoveryPointCreated.is(event)) await this.onRecoveryPointCreated(event.tenantId, RecoveryPointCreated.parse(event.data));
        else if (RecoveryPointExpired.is(event)) await this.index.forgetPoint(event.tenantId, RecoveryPointExpired.parse(event.data).recoveryPointId);
        await ctx.ack();
      },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
    const repo = await this.repository?.catch(() => undefined);
    await repo?.close();
  }

  private openRepository(): Promise<Repository> {
    this.repository ??= Repository.open(backendFromLocation(this.config.HOLDFAST_REPOSITORY), { password: this.config.HOLDFAST_REPOSITORY_PASSWORD });
    this.repository.catch(() => (this.repository = undefined));
    return this.repository;
  }

  /** Read access to one tenant of the repository (preview, attachments). */
  async openTenant(tenantId: string) {
    return (await this.openRepository()).openTenant(tenantId);
  }

  /** Indexes one new mailbox recovery point (its manifest's `mailbox` label names the address). */
  async onRecoveryPointCreated(tenantId: string, data: CreatedData): Promise<IndexPointResult> {
    const repo = await this.openRepository();
    const tenant = await repo.openTenant(tenantId);
    const info = await tenant.getManifest(data.recoveryPointId);
    return indexRecoveryPoint(tenant, this.index, {
      tenantId,
      organizationId: data.organizationId,
      objectId: data.objectId,
      mailbox: info.labels.mailbox ?? data.objectId,
      pointId: data.recoveryPointId,
      pointTime: data.pointTime,
    });
  }
}

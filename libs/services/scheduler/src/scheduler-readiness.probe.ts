import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, ReadinessRegistry, schemaReadinessProbe } from '@holdfast/service-kit';
import type { Pool } from 'pg';
import { SCHEDULER_CONFIG, type SchedulerConfig } from './scheduler.config';
import { schedulerMigrations } from './scheduler.migrations';

/** Ready when the scheduler service's migrations are applied. */
@Injectable()
export class SchedulerReadinessProbe {
  constructor(readiness: ReadinessRegistry, @Inject(PG_POOL) pool: Pool, @Inject(SCHEDULER_CONFIG) config: SchedulerConfig) {
    readiness.register(schemaReadinessProbe(pool, 'scheduler', 'scheduler', schedulerMigrations));
    void config;
  }
}

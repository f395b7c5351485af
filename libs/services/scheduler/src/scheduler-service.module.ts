import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@holdfast/service-kit';
import { SCHEDULER_CONFIG, schedulerConfigSchema } from './scheduler.config';
import { schedulerMigrations } from './scheduler.migrations';
import { SchedulerReadinessProbe } from './scheduler-readiness.probe';
import { SchedulerRuntime } from './scheduler-runtime';

/** Jobs, schedules and runs: time and chained triggers, windows, expansion into tasks. */
@Module({ providers: [SchedulerReadinessProbe, SchedulerRuntime] })
export class SchedulerServiceModule {}

/** How service-kit boots the scheduler service, alone or in the all-in-one process. */
export const schedulerService: ServiceDefinition = {
  name: 'scheduler',
  module: SchedulerServiceModule,
  configSchema: schedulerConfigSchema,
  configToken: SCHEDULER_CONFIG,
  migrations: schedulerMigrations,
};

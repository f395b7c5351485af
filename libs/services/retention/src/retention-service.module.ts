import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@holdfast/service-kit';
import { RETENTION_CONFIG, retentionConfigSchema } from './retention.config';
import { retentionMigrations } from './retention.migrations';
import { RetentionReadinessProbe } from './retention-readiness.probe';
import { RetentionRuntime } from './retention-runtime';

/** Recovery point lifecycle: GFS / keep-last, expiry, immutability, garbage collection. */
@Module({ providers: [RetentionReadinessProbe, RetentionRuntime] })
export class RetentionServiceModule {}

/** How service-kit boots the retention service, alone or in the all-in-one process. */
export const retentionService: ServiceDefinition = {
  name: 'retention',
  module: RetentionServiceModule,
  configSchema: retentionConfigSchema,
  configToken: RETENTION_CONFIG,
  migrations: retentionMigrations,
};

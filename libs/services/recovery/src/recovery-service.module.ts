import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@holdfast/service-kit';
import { RECOVERY_CONFIG, recoveryConfigSchema } from './recovery.config';
import { recoveryMigrations } from './recovery.migrations';
import { RecoveryReadinessProbe } from './recovery-readiness.probe';

/** Restore and export tasks, conflict policies, progress. */
@Module({ providers: [RecoveryReadinessProbe] })
export class RecoveryServiceModule {}

/** How service-kit boots the recovery service, alone or in the all-in-one process. */
export const recoveryService: ServiceDefinition = {
  name: 'recovery',
  module: RecoveryServiceModule,
  configSchema: recoveryConfigSchema,
  configToken: RECOVERY_CONFIG,
  migrations: recoveryMigrations,
};

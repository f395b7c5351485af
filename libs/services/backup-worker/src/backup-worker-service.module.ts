import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@holdfast/service-kit';
import { BACKUP_WORKER_CONFIG, backupWorkerConfigSchema } from './backup-worker.config';
import { backupWorkerMigrations } from './backup-worker.migrations';
import { BackupWorkerReadinessProbe } from './backup-worker-readiness.probe';
import { BackupWorkerRuntime } from './backup-worker-runtime';

/** Pulls backup tasks from the work queue, syncs objects from Graph into the repository. */
@Module({ providers: [BackupWorkerReadinessProbe, BackupWorkerRuntime] })
export class BackupWorkerServiceModule {}

/** How service-kit boots the backup-worker service, alone or in the all-in-one process. */
export const backupWorkerService: ServiceDefinition = {
  name: 'backup-worker',
  module: BackupWorkerServiceModule,
  configSchema: backupWorkerConfigSchema,
  configToken: BACKUP_WORKER_CONFIG,
  migrations: backupWorkerMigrations,
};

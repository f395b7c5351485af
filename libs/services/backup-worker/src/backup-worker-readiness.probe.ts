import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, ReadinessRegistry, schemaReadinessProbe, checkWritableFolder, localRepositoryPath } from '@holdfast/service-kit';
import type { Pool } from 'pg';
import { BACKUP_WORKER_CONFIG, type BackupWorkerConfig } from './backup-worker.config';
import { backupWorkerMigrations } from './backup-worker.migrations';

/** Ready when the backup-worker service's migrations are applied and its repository is writable. */
@Injectable()
export class BackupWorkerReadinessProbe {
  constructor(readiness: ReadinessRegistry, @Inject(PG_POOL) pool: Pool, @Inject(BACKUP_WORKER_CONFIG) config: BackupWorkerConfig) {
    readiness.register(schemaReadinessProbe(pool, 'backup-worker', 'backup_worker', backupWorkerMigrations));
    const folder = localRepositoryPath(config.HOLDFAST_REPOSITORY);
    if (folder) {
      readiness.register({ name: 'backup-worker.repository', check: () => checkWritableFolder(folder) });
    }
  }
}

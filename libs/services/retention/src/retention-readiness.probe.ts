import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, ReadinessRegistry, schemaReadinessProbe, checkWritableFolder, localRepositoryPath } from '@holdfast/service-kit';
import type { Pool } from 'pg';
import { RETENTION_CONFIG, type RetentionConfig } from './retention.config';
import { retentionMigrations } from './retention.migrations';

/** Ready when the retention service's migrations are applied and its repository is writable. */
@Injectable()
export class RetentionReadinessProbe {
  constructor(readiness: ReadinessRegistry, @Inject(PG_POOL) pool: Pool, @Inject(RETENTION_CONFIG) config: RetentionConfig) {
    readiness.register(schemaReadinessProbe(pool, 'retention', 'retention', retentionMigrations));
    const folder = localRepositoryPath(config.HOLDFAST_REPOSITORY);
    if (folder) {
      readiness.register({ name: 'retention.repository', check: () => checkWritableFolder(folder) });
    }
  }
}

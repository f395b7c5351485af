import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, ReadinessRegistry, schemaReadinessProbe, checkWritableFolder, localRepositoryPath } from '@holdfast/service-kit';
import type { Pool } from 'pg';
import { RECOVERY_CONFIG, type RecoveryConfig } from './recovery.config';
import { recoveryMigrations } from './recovery.migrations';

/** Ready when the recovery service's migrations are applied and its repository is writable. */
@Injectable()
export class RecoveryReadinessProbe {
  constructor(readiness: ReadinessRegistry, @Inject(PG_POOL) pool: Pool, @Inject(RECOVERY_CONFIG) config: RecoveryConfig) {
    readiness.register(schemaReadinessProbe(pool, 'recovery', 'recovery', recoveryMigrations));
    const folder = localRepositoryPath(config.HOLDFAST_REPOSITORY);
    if (folder) {
      readiness.register({ name: 'recovery.repository', check: () => checkWritableFolder(folder) });
    }
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, ReadinessRegistry, schemaReadinessProbe, checkWritableFolder, localRepositoryPath } from '@holdfast/service-kit';
import type { Pool } from 'pg';
import { CATALOG_CONFIG, type CatalogConfig } from './catalog.config';
import { catalogMigrations } from './catalog.migrations';

/** Ready when the catalog service's migrations are applied and its repository is writable. */
@Injectable()
export class CatalogReadinessProbe {
  constructor(readiness: ReadinessRegistry, @Inject(PG_POOL) pool: Pool, @Inject(CATALOG_CONFIG) config: CatalogConfig) {
    readiness.register(schemaReadinessProbe(pool, 'catalog', 'catalog', catalogMigrations));
    const folder = localRepositoryPath(config.HOLDFAST_REPOSITORY);
    if (folder) {
      readiness.register({ name: 'catalog.repository', check: () => checkWritableFolder(folder) });
    }
  }
}

import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@holdfast/service-kit';
import { CATALOG_CONFIG, catalogConfigSchema } from './catalog.config';
import { catalogMigrations } from './catalog.migrations';
import { CatalogReadinessProbe } from './catalog-readiness.probe';
import { CatalogIndexer } from './catalog-indexer.service';
import { CatalogBusHandlers } from './catalog-bus.handlers';

/** Indexes recovery point manifests for browse, search and preview. */
@Module({ providers: [CatalogReadinessProbe, CatalogIndexer, CatalogBusHandlers] })
export class CatalogServiceModule {}

/** How service-kit boots the catalog service, alone or in the all-in-one process. */
export const catalogService: ServiceDefinition = {
  name: 'catalog',
  module: CatalogServiceModule,
  configSchema: catalogConfigSchema,
  configToken: CATALOG_CONFIG,
  migrations: catalogMigrations,
};

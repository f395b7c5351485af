import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@holdfast/service-kit';
import { INVENTORY_CONFIG, inventoryConfigSchema } from './inventory.config';
import { inventoryMigrations } from './inventory.migrations';
import { InventoryReadinessProbe } from './inventory-readiness.probe';

/** Discovery and re-sync of users, mailboxes, drives, sites, groups and teams. */
@Module({ providers: [InventoryReadinessProbe] })
export class InventoryServiceModule {}

/** How service-kit boots the inventory service, alone or in the all-in-one process. */
export const inventoryService: ServiceDefinition = {
  name: 'inventory',
  module: InventoryServiceModule,
  configSchema: inventoryConfigSchema,
  configToken: INVENTORY_CONFIG,
  migrations: inventoryMigrations,
};

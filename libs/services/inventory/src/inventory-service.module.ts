import { Module } from '@nestjs/common';
import type { MessageBus } from '@holdfast/messaging';
import { MESSAGE_BUS, PG_POOL, type ServiceDefinition } from '@holdfast/service-kit';
import type { Pool } from 'pg';
import { InventoryBusHandlers } from './bus/inventory-bus.handlers';
import { INVENTORY_CONFIG, inventoryConfigSchema, type InventoryConfig } from './inventory.config';
import { inventoryMigrations } from './inventory.migrations';
import { InventoryReadinessProbe } from './inventory-readiness.probe';
import { INVENTORY_RUNTIME, InventoryRuntime } from './inventory-runtime';

/** Discovery and re-sync of users, mailboxes, drives, sites, groups and teams. */
@Module({
  providers: [
    InventoryReadinessProbe,
    {
      provide: INVENTORY_RUNTIME,
      inject: [PG_POOL, MESSAGE_BUS, INVENTORY_CONFIG],
      useFactory: (pool: Pool, bus: MessageBus, config: InventoryConfig) =>
        new InventoryRuntime(pool, bus, {
          databaseUrl: config.DATABASE_URL,
          caFile: config.HOLDFAST_GRAPH_CA_FILE,
          resyncHours: config.HOLDFAST_INVENTORY_RESYNC_HOURS,
          tickSeconds: config.HOLDFAST_INVENTORY_TICK_SECONDS,
        }),
    },
    InventoryBusHandlers,
  ],
})
export class InventoryServiceModule {}

/** How service-kit boots the inventory service, alone or in the all-in-one process. */
export const inventoryService: ServiceDefinition = {
  name: 'inventory',
  module: InventoryServiceModule,
  configSchema: inventoryConfigSchema,
  configToken: INVENTORY_CONFIG,
  migrations: inventoryMigrations,
};

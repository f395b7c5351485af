import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, ReadinessRegistry, schemaReadinessProbe } from '@holdfast/service-kit';
import type { Pool } from 'pg';
import { INVENTORY_CONFIG, type InventoryConfig } from './inventory.config';
import { inventoryMigrations } from './inventory.migrations';

/** Ready when the inventory service's migrations are applied. */
@Injectable()
export class InventoryReadinessProbe {
  constructor(readiness: ReadinessRegistry, @Inject(PG_POOL) pool: Pool, @Inject(INVENTORY_CONFIG) config: InventoryConfig) {
    readiness.register(schemaReadinessProbe(pool, 'inventory', 'inventory', inventoryMigrations));
    void config;
  }
}

import { platformConfigShape, portSetting } from '@holdfast/service-kit';
import { z } from 'zod';

export const INVENTORY_DEFAULT_PORT = 8082;

/** Settings of the inventory service (environment variable names). */
export const inventoryConfigSchema = z.object({
  ...platformConfigShape,
  PORT: portSetting(INVENTORY_DEFAULT_PORT),
  /** Hours between scheduled re-syncs of an organization's objects. */
  HOLDFAST_INVENTORY_RESYNC_HOURS: z.coerce.number().int().min(1).max(24 * 7).default(24),
});

export type InventoryConfig = z.infer<typeof inventoryConfigSchema>;

/** Injection token of the loaded InventoryConfig. */
export const INVENTORY_CONFIG = Symbol('holdfast.inventory.config');

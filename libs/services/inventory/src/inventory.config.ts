import { platformConfigShape, portSetting } from '@holdfast/service-kit';
import { z } from 'zod';

export const INVENTORY_DEFAULT_PORT = 8082;

/** Settings of the inventory service (environment variable names). */
export const inventoryConfigSchema = z.object({
  ...platformConfigShape,
  PORT: portSetting(INVENTORY_DEFAULT_PORT),
  /** Hours between scheduled re-syncs of an organization's objects. */
  HOLDFAST_INVENTORY_RESYNC_HOURS: z.coerce.number().int().min(1).max(24 * 7).default(24),
  /** Extra CA (PEM file) trusted for Graph: a TLS-inspecting proxy, or the simulator. */
  HOLDFAST_GRAPH_CA_FILE: z.string().min(1).optional(),
  /** Seconds between checks for organizations due for a re-sync. */
  HOLDFAST_INVENTORY_TICK_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
});

export type InventoryConfig = z.infer<typeof inventoryConfigSchema>;

/** Injection token of the loaded InventoryConfig. */
export const INVENTORY_CONFIG = Symbol('holdfast.inventory.config');

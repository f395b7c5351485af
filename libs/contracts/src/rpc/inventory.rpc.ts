import type { InventoryObjectKind } from '../events/inventory.events';

/** Request/reply contract of the inventory service (`<ns>.rpc.inventory.<method>`). */
export const INVENTORY_SERVICE = 'inventory';

export const INVENTORY_RPC = {
  /** { tenantId, organizationId } -> InventorySyncSummary (the read model includes it when the reply arrives) */
  sync: 'sync',
  /** InventoryListRequestBody -> InventoryPage */
  list: 'list',
} as const;

/** A sync of a large tenant reads every user and site: give it time. */
export const INVENTORY_RPC_SYNC_TIMEOUT_MS = 300_000;

export interface InventoryListRequestBody {
  tenantId?: string;
  organizationId?: string;
  kind?: InventoryObjectKind;
  /** Part of the name or address, case-insensitive. */
  search?: string;
  licensed?: boolean;
  protected?: boolean;
  /** 1..5000, default 100. */
  limit?: number;
  offset?: number;
}

export interface InventoryItem {
  readonly organizationId: string;
  readonly kind: InventoryObjectKind;
  readonly objectId: string;
  readonly name: string;
  readonly address: string | null;
  readonly licensed: boolean | null;
  readonly mailbox: string | null;
  readonly oneDrive: boolean | null;
  readonly parentId: string | null;
  readonly channels: number | null;
  readonly protected: boolean;
  readonly firstSeenAt: string;
  readonly updatedAt: string;
}

export interface InventoryPage {
  readonly total: number;
  readonly items: InventoryItem[];
}

export interface InventorySyncSummary {
  readonly organizationId: string;
  readonly syncId: string;
  readonly totals: Record<InventoryObjectKind, number>;
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
}

import type { InventoryObject, RecordedEvent } from '@holdfast/contracts';
import { defineProjection, registerProjection } from '@holdfast/event-store';
import type { PoolClient } from 'pg';

/** Connected organizations as the inventory sees them (from the auth service's events). */
export const inventoryOrganizationsProjection = defineProjection({
  name: 'inventory.organizations',
  handles: ['OrganizationConnected', 'OrganizationRemoved'],
  tables: ['inventory.organizations'],
  async handle(events: readonly RecordedEvent[], tx: PoolClient) {
    for (const e of events) {
      const d = e.data as { organizationId: string; displayName?: string; services?: string[] };
      if (e.type === 'OrganizationConnected') {
        await tx.query(
          `INSERT INTO inventory.organizations (organization_id, tenant_id, display_name, services) VALUES ($1, $2, $3, $4)
           ON CONFLICT (organization_id) DO UPDATE SET display_name = EXCLUDED.display_name, services = EXCLUDED.services, removed = false`,
          [d.organizationId, e.tenantId, d.displayName, d.services],
        );
        // a new organization is discovered right away
        await tx.query(`INSERT INTO inventory.sync_schedule (organization_id, next_sync_at) VALUES ($1, now()) ON CONFLICT DO NOTHING`, [d.organizationId]);
      } else {
        await tx.query('UPDATE inventory.organizations SET removed = true WHERE organization_id = $1', [d.organizationId]);
        await tx.query('DELETE FROM inventory.sync_schedule WHERE organization_id = $1', [d.organizationId]);
      }
    }
  },
});

/** The searchable inventory: one row per discovered object (name, address, kind, licence, protected). */
export const inventoryObjectsProjection = defineProjection({
  name: 'inventory.objects',
  handles: ['InventoryObjectsDiscovered', 'InventoryObjectsChanged', 'InventoryObjectsRemoved', 'OrganizationRemoved'],
  tables: ['inventory.objects'],
  async handle(events: readonly RecordedEvent[], tx: PoolClient) {
    for (const e of events) {
      const d = e.data as { organizationId: string; objects?: InventoryObject[] };
      if (e.type === 'OrganizationRemoved') {
        await tx.query('DELETE FROM inventory.objects WHERE organization_id = $1', [d.organizationId]);
        continue;
      }
      const objects = d.objects ?? [];
      if (e.type === 'InventoryObjectsRemoved') {
        await tx.query(
          `DELETE FROM inventory.objects o USING unnest($2::text[], $3::text[]) AS r(kind, object_id)
            WHERE o.organization_id = $1 AND o.kind = r.kind AND o.object_id = r.object_id`,
          [d.organizationId, objects.map((o) => o.kind), objects.map((o) => o.objectId)],
        );
        continue;
      }
      await tx.query(
        `INSERT INTO inventory.objects (tenant_id, organization_id, kind, object_id, name, address, licensed, mailbox, one_drive, parent_id, channels, first_seen_at, updated_at)
         SELECT $1, $2, r.kind, r.object_id, r.name, r.address, r.licensed, r.mailbox, r.one_drive, r.parent_id, r.channels, $3, $3
           FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[], $9::text[], $10::boolean[], $11::text[], $12::int[])
             AS r(kind, object_id, name, address, licensed, mailbox, one_drive, parent_id, channels)
         ON CONFLICT (organization_id, kind, object_id) DO UPDATE SET
           name = EXCLUDED.name, address = EXCLUDED.address, licensed = EXCLUDED.licensed, mailbox = EXCLUDED.mailbox,
           one_drive = EXCLUDED.one_drive, parent_id = EXCLUDED.parent_id, channels = EXCLUDED.channels, updated_at = EXCLUDED.updated_at`,
        [
          e.tenantId,
          d.organizationId,
          e.recordedAt,
          objects.map((o) => o.kind),
          objects.map((o) => o.objectId),
          objects.map((o) => o.name),
          objects.map((o) => o.address ?? null),
          objects.map((o) => o.licensed ?? null),
          objects.map((o) => o.mailbox ?? null),
          objects.map((o) => o.oneDrive ?? null),
          objects.map((o) => o.parentId ?? null),
          objects.map((o) => o.channels ?? null),
        ],
      );
    }
  },
});

registerProjection(inventoryOrganizationsProjection);
registerProjection(inventoryObjectsProjection);

export const INVENTORY_PROJECTIONS = [inventoryOrganizationsProjection, inventoryObjectsProjection] as const;

import { HoldfastError, INVENTORY_OBJECT_KINDS, type InventoryItem, type InventoryPage } from '@holdfast/contracts';
import type { Pool } from 'pg';
import { z } from 'zod';

export const inventoryListRequest = z.object({
  tenantId: z.string().min(1).default('default'),
  organizationId: z.uuid('expected an organization id (UUID)').optional(),
  kind: z.enum(INVENTORY_OBJECT_KINDS).optional(),
  /** Part of the name or address, case-insensitive. */
  search: z.string().max(256).optional(),
  licensed: z.boolean().optional(),
  protected: z.boolean().optional(),
  limit: z.number().int().min(1).max(5000).default(100),
  offset: z.number().int().min(0).default(0),
});

export type { InventoryItem, InventoryPage } from '@holdfast/contracts';

/** Search and filter of the inventory read model (projection inventory.objects). */
export async function listInventory(pool: Pool, payload: unknown): Promise<InventoryPage> {
  const parsed = inventoryListRequest.safeParse(payload ?? {});
  if (!parsed.success) {
    throw new HoldfastError('validation_failed', parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '));
  }
  const q = parsed.data;
  const where = ['tenant_id = $1'];
  const args: unknown[] = [q.tenantId];
  const add = (sql: string, value: unknown) => {
    args.push(value);
    where.push(sql.replace('?', `$${args.length}`));
  };
  if (q.organizationId) add('organization_id = ?', q.organizationId);
  if (q.kind) add('kind = ?', q.kind);
  if (q.licensed !== undefined) add('licensed = ?', q.licensed);
  if (q.protected !== undefined) add('protected = ?', q.protected);
  if (q.search) add(`(lower(name) LIKE ? OR lower(coalesce(address, '')) LIKE $${args.length + 1})`, `%${q.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  const filter = where.join(' AND ');
  const total = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM inventory.objects WHERE ${filter}`, args)).rows[0].n);
  const rows = await pool.query(
    `SELECT * FROM inventory.objects WHERE ${filter} ORDER BY kind, lower(name), object_id LIMIT $${args.length + 1} OFFSET $${args.length + 2}`,
    [...args, q.limit, q.offset],
  );
  return {
    total,
    items: rows.rows.map((r) => ({
      organizationId: r.organization_id,
      kind: r.kind as InventoryItem['kind'],
      objectId: r.object_id,
      name: r.name,
      address: r.address,
      licensed: r.licensed,
      mailbox: r.mailbox,
      oneDrive: r.one_drive,
      parentId: r.parent_id,
      channels: r.channels,
      protected: r.protected,
      firstSeenAt: (r.first_seen_at as Date).toISOString(),
      updatedAt: (r.updated_at as Date).toISOString(),
    })),
  };
}

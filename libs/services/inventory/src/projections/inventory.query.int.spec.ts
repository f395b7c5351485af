import { randomUUID } from 'node:crypto';
import { runServiceMigrations } from '@holdfast/service-kit';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { Pool } from 'pg';
import { inventoryMigrations } from '../inventory.migrations';
import { listInventory } from './inventory.query';

describe('inventory read model query', () => {
  let db: TestDatabase;
  let pool: Pool;
  const org = randomUUID();

  beforeAll(async () => {
    db = await createTestDatabase('hf_inv_query');
    pool = new Pool({ connectionString: db.url, max: 2 });
    pool.on('error', () => undefined);
    await runServiceMigrations(pool, [{ service: 'inventory', migrations: inventoryMigrations }]);
    const rows: [string, string, string, string | null, boolean | null][] = [
      ['user', 'u1', 'Adele Vance', 'admin@contoso.com', true],
      ['user', 'u2', 'Ben 100%_ok', 'ben@contoso.com', false],
      ['shared-mailbox', 's1', 'Support', 'support@contoso.com', false],
      ['team', 'g1', 'Sales', 'sales@contoso.com', null],
    ];
    for (const [kind, id, name, address, licensed] of rows) {
      await pool.query(
        `INSERT INTO inventory.objects (tenant_id, organization_id, kind, object_id, name, address, licensed, first_seen_at, updated_at) VALUES ('t1', $1, $2, $3, $4, $5, $6, now(), now())`,
        [org, kind, id, name, address, licensed],
      );
    }
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('filters by kind, licence, organization and tenant, and searches name or address', async () => {
    expect((await listInventory(pool, { tenantId: 't1' })).total).toBe(4);
    expect((await listInventory(pool, { tenantId: 't2' })).total).toBe(0);
    expect((await listInventory(pool, { tenantId: 't1', kind: 'user', licensed: false })).items.map((i) => i.objectId)).toEqual(['u2']);
    expect((await listInventory(pool, { tenantId: 't1', organizationId: org, search: 'SUPPORT@' })).items.map((i) => i.objectId)).toEqual(['s1']);
    expect((await listInventory(pool, { tenantId: 't1', search: 'adele' })).items.map((i) => i.objectId)).toEqual(['u1']);
    // LIKE wildcards in the search are taken literally
    expect((await listInventory(pool, { tenantId: 't1', search: '100%_' })).items.map((i) => i.objectId)).toEqual(['u2']);
    expect((await listInventory(pool, { tenantId: 't1', search: '%' })).items.map((i) => i.objectId)).toEqual(['u2']);
    const page = await listInventory(pool, { tenantId: 't1', limit: 2, offset: 2 });
    expect(page).toMatchObject({ total: 4 });
    expect(page.items).toHaveLength(2);
  });

  it('refuses bad filters, naming the field', async () => {
    await expect(listInventory(pool, { tenantId: 't1', kind: 'mailbox' })).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringMatching(/^kind:/) });
    await expect(listInventory(pool, { tenantId: 't1', organizationId: 'x' })).rejects.toThrow(/organizationId: expected an organization id/);
  });
});

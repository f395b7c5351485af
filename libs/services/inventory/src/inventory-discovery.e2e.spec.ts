import { randomUUID } from 'node:crypto';
import { HoldfastError } from '@holdfast/contracts';
import { PostgresEventStore } from '@holdfast/event-store';
import { createTokenProvider, resolveCloud } from '@holdfast/graph';
import type { Subscription } from '@holdfast/messaging';
import { bootServices, type RunningServices } from '@holdfast/service-kit';
import { createTestDatabase, startSimulator, testNamespace, testNatsUrl, type RunningSimulator, type TestDatabase } from '@holdfast/testing';
import { INVENTORY_METHODS, INVENTORY_SYNC_TIMEOUT_MS } from './bus/inventory-bus.handlers';
import { inventoryService } from './inventory-service.module';
import { INVENTORY_RUNTIME, type InventoryRuntime } from './inventory-runtime';
import { OrganizationConnected } from '@holdfast/contracts';
import type { InventoryPage } from './projections/inventory.query';
import type { SyncSummary } from './sync/inventory-sync';

jest.setTimeout(120_000);

describe('inventory discovery and re-sync (simulator of 5,000 users, Postgres, JetStream)', () => {
  let sim: RunningSimulator;
  let db: TestDatabase;
  let running: RunningServices;
  const org = { organizationId: randomUUID() };
  const stubs: Subscription[] = [];
  const TENANT = 'msp-inv';
  const bus = () => running.platform.bus.bus;
  const sync = () => bus().request<SyncSummary>('inventory', INVENTORY_METHODS.sync, { tenantId: TENANT, organizationId: org.organizationId }, { timeoutMs: INVENTORY_SYNC_TIMEOUT_MS });
  const list = (filter: Record<string, unknown>) => bus().request<InventoryPage>('inventory', INVENTORY_METHODS.list, { tenantId: TENANT, organizationId: org.organizationId, ...filter });

  beforeAll(async () => {
    [sim, db] = await Promise.all([startSimulator({ users: 5000, messagesPerUser: 0, modules: ['files', 'teams'] }), createTestDatabase('hf_inventory_e2e')]);
    running = await bootServices({
      services: [inventoryService],
      env: {
        DATABASE_URL: db.url,
        NATS_URL: testNatsUrl(),
        HOLDFAST_BUS: 'jetstream',
        HOLDFAST_NAMESPACE: testNamespace('inv'),
        HOST: '127.0.0.1',
        PORT: '0',
        HOLDFAST_LOG_LEVEL: 'silent',
        HOLDFAST_GRAPH_CA_FILE: sim.caCertPath,
        // scheduled re-syncs are driven by the test through the sync request
        HOLDFAST_INVENTORY_TICK_SECONDS: '3600',
      },
    });
    // the auth service's side of the contract (org-connection, token), answered with the simulator's application
    const cloud = resolveCloud('global', { authorityHost: sim.authorityHost, graphEndpoint: sim.graphBaseUrl });
    const tokens = createTokenProvider({ kind: 'client-secret', tenantId: sim.tenantId, clientId: sim.clientId, clientSecret: sim.clientSecret }, { cloud, ca: sim.caPem });
    const known = (p: { tenantId?: string; organizationId?: string }) => {
      if (p.tenantId !== TENANT || p.organizationId !== org.organizationId) throw new HoldfastError('not_found', `no organization ${p.organizationId} in tenant ${p.tenantId}`);
    };
    stubs.push(
      await bus().respond('auth', 'org-connection', async (p: { tenantId?: string; organizationId?: string }) => {
        known(p);
        return { organizationId: org.organizationId, m365TenantId: sim.tenantId, graphBaseUrl: cloud.graphBaseUrl, services: ['exchange', 'groups', 'onedrive', 'sharepoint', 'teams'], applications: [sim.clientId] };
      }),
      await bus().respond('auth', 'token', async (p: { tenantId?: string; organizationId?: string; forceRefresh?: boolean }) => {
        known(p);
        const t = await tokens.getToken({ forceRefresh: p.forceRefresh });
        return { accessToken: t.token, expiresOn: new Date(t.expiresOnTimestamp).toISOString(), appId: sim.clientId };
      }),
    );
  });
  afterAll(async () => {
    for (const s of stubs) await s.close();
    await running?.close();
    await Promise.all([sim?.stop(), db?.drop()]);
  });

  it('discovers every user (licensed or not), shared mailbox, group, team, site and OneDrive of a 5,000-user tenant', async () => {
    const first = await sync();
    const usersAndShared = first.totals.user + first.totals['shared-mailbox'];
    expect(usersAndShared).toBe(5000);
    expect(first.totals['shared-mailbox']).toBeGreaterThan(0);
    expect(first.totals.group).toBeGreaterThan(0);
    expect(first.totals.team).toBeGreaterThan(0);
    expect(first.totals.site).toBeGreaterThan(0);
    expect(first.totals.onedrive).toBeGreaterThan(0);
    expect(first.added).toBe(Object.values(first.totals).reduce((a, b) => a + b, 0));
    expect(first.changed + first.removed).toBe(0);

    // the read model answers searches and filters
    expect((await list({ kind: 'user', limit: 1 })).total).toBe(first.totals.user);
    const unlicensed = await list({ kind: 'user', licensed: false, limit: 5000 });
    expect(unlicensed.total).toBeGreaterThan(0);
    expect(unlicensed.items.every((u) => u.mailbox === 'none' && u.oneDrive === false)).toBe(true);
    const licensed = await list({ kind: 'user', licensed: true, limit: 3 });
    expect(licensed.items.every((u) => u.mailbox === 'user')).toBe(true);
    const admin = await list({ search: 'ADMIN@', kind: 'user' });
    expect(admin.items.map((u) => u.address)).toContain(sim.tenant('contoso').adminUserPrincipalName);
    const teams = await list({ kind: 'team' });
    expect(teams.items.every((t) => (t.channels ?? 0) >= 1)).toBe(true);
    const subsites = (await list({ kind: 'site', limit: 500 })).items.filter((s) => s.parentId);
    expect(subsites.length).toBeGreaterThan(0);
    expect((await list({ protected: true })).total).toBe(0);
    // another MSP tenant sees nothing of it
    expect((await bus().request<InventoryPage>('inventory', INVENTORY_METHODS.list, { tenantId: 'someone-else' })).total).toBe(0);

    // events carry ids, names and counts in chunks of at most 500 objects, and no secrets
    const events = await new PostgresEventStore({ pool: running.platform.db }).readStream(`inventory-${org.organizationId}`);
    const discovered = events.filter((e) => e.type === 'InventoryObjectsDiscovered');
    expect(discovered.reduce((n, e) => n + (e.data.objects as unknown[]).length, 0)).toBe(first.added);
    expect(discovered.every((e) => (e.data.objects as unknown[]).length <= 500)).toBe(true);
    expect(events[events.length - 1]).toMatchObject({ type: 'InventorySyncCompleted', tenantId: TENANT, data: { added: first.added } });
    expect(JSON.stringify(events)).not.toContain(sim.clientSecret);
  });

  it('records users added, deleted and unlicensed between syncs as events and in the read model', async () => {
    const again = await sync();
    expect(again).toMatchObject({ added: 0, changed: 0, removed: 0 });

    const created = await sim.control<{ id: string }>('POST', '/tenants/contoso/mutations/directory.createUser', { displayName: 'Zoë Newcomer', licensed: true });
    const [victim, demoted] = (await list({ kind: 'user', licensed: true, search: 'user4', limit: 2 })).items;
    await sim.control('POST', '/tenants/contoso/mutations/directory.deleteUser', { user: victim.objectId });
    await sim.control('POST', '/tenants/contoso/mutations/directory.setLicense', { user: demoted.objectId, licensed: false });

    const third = await sync();
    expect(third.removed).toBeGreaterThanOrEqual(1);
    expect(third.added).toBeGreaterThanOrEqual(1);
    expect(third.changed).toBeGreaterThanOrEqual(1);

    const events = await new PostgresEventStore({ pool: running.platform.db }).readStream(`inventory-${org.organizationId}`);
    const last = events.filter((e) => (e.data as { syncId?: string }).syncId === third.syncId);
    const objectsOf = (type: string) => last.filter((e) => e.type === type).flatMap((e) => e.data.objects as { objectId: string; kind: string; name: string }[]);
    expect(objectsOf('InventoryObjectsDiscovered')).toContainEqual(expect.objectContaining({ objectId: created.id, kind: 'user', name: 'Zoë Newcomer' }));
    expect(objectsOf('InventoryObjectsRemoved')).toContainEqual({ objectId: victim.objectId, kind: 'user', name: victim.name });
    expect(objectsOf('InventoryObjectsChanged')).toContainEqual(expect.objectContaining({ objectId: demoted.objectId, licensed: false, mailbox: 'none' }));

    expect((await list({ search: 'Zoë Newcomer' })).items.map((i) => i.objectId)).toContain(created.id);
    expect((await list({ search: victim.address!, kind: 'user' })).items.map((i) => i.objectId)).not.toContain(victim.objectId);
    expect((await list({ search: demoted.address!, kind: 'user' })).items[0]).toMatchObject({ objectId: demoted.objectId, licensed: false, mailbox: 'none' });
  });

  it('re-syncs a connected organization when it is due, on the scheduler tick', async () => {
    const store = new PostgresEventStore({ pool: running.platform.db });
    await store.appendToStream(TENANT, `org-${org.organizationId}`, [
      OrganizationConnected.create({
        organizationId: org.organizationId,
        displayName: 'Contoso',
        m365TenantId: sim.tenantId,
        cloud: 'global',
        services: ['exchange', 'groups', 'onedrive', 'sharepoint', 'teams'],
        onboarding: 'existing-application',
        connectedAt: new Date().toISOString(),
      }),
    ], { expectedVersion: 'no_stream' });
    const runtime = running.app.get<InventoryRuntime>(INVENTORY_RUNTIME);
    await runtime.runner.catchUp();
    // the last sync set the next one a day ahead: make it due, as if a day had passed
    await running.platform.db.query(`UPDATE inventory.sync_schedule SET next_sync_at = now() - interval '1 minute' WHERE organization_id = $1`, [org.organizationId]);
    const created = await sim.control<{ id: string }>('POST', '/tenants/contoso/mutations/directory.createUser', { displayName: 'Scheduled Newcomer', licensed: false });
    await runtime.tick();
    const events = await store.readStream(`inventory-${org.organizationId}`);
    const completed = events.filter((e) => e.type === 'InventorySyncCompleted');
    expect(completed[completed.length - 1].data).toMatchObject({ added: 1, changed: 0, removed: 0 });
    const found = events.filter((e) => e.type === 'InventoryObjectsDiscovered').flatMap((e) => e.data.objects as { objectId: string }[]);
    expect(found.map((o) => o.objectId)).toContain(created.id);
    const next = (await running.platform.db.query('SELECT next_sync_at FROM inventory.sync_schedule WHERE organization_id = $1', [org.organizationId])).rows[0].next_sync_at as Date;
    expect(next.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
  });

  it('refuses a sync of an unknown organization, naming it', async () => {
    await expect(
      bus().request('inventory', INVENTORY_METHODS.sync, { tenantId: TENANT, organizationId: '00000000-0000-4000-8000-000000000000' }, { timeoutMs: 30_000 }),
    ).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/no organization 00000000-0000-4000-8000-000000000000/) });
  });
});

import { authService, AUTH_METHODS, AUTH_SLOW_TIMEOUT_MS, type OrganizationView } from '@holdfast/service-auth';
import { inventoryService, INVENTORY_METHODS, type InventoryPage } from '@holdfast/service-inventory';
import { bootServices, type RunningServices } from '@holdfast/service-kit';
import { createTestDatabase, startSimulator, testNamespace, testNatsUrl, type RunningSimulator, type TestDatabase } from '@holdfast/testing';

jest.setTimeout(90_000);

/** The whole flow in one process, as `holdfast up` runs it: connect an organization, and it gets discovered. */
describe('connect an organization, then its inventory is discovered (auth + inventory, simulator, Postgres, JetStream)', () => {
  let sim: RunningSimulator;
  let db: TestDatabase;
  let running: RunningServices;

  beforeAll(async () => {
    [sim, db] = await Promise.all([startSimulator({ users: 40, messagesPerUser: 0, modules: ['files', 'teams'] }), createTestDatabase('hf_flow_e2e')]);
    running = await bootServices({
      services: [authService, inventoryService],
      env: {
        DATABASE_URL: db.url,
        NATS_URL: testNatsUrl(),
        HOLDFAST_BUS: 'jetstream',
        HOLDFAST_NAMESPACE: testNamespace('flow'),
        HOST: '127.0.0.1',
        PORT: '0',
        HOLDFAST_LOG_LEVEL: 'silent',
        HOLDFAST_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'),
        HOLDFAST_GRAPH_CA_FILE: sim.caCertPath,
        HOLDFAST_INVENTORY_TICK_SECONDS: '1',
      },
    });
  });
  afterAll(async () => {
    await running?.close();
    await Promise.all([sim?.stop(), db?.drop()]);
  });

  it('discovers a newly connected organization on its own, with tokens from the auth broker, and forgets it on removal', async () => {
    const bus = running.platform.bus.bus;
    const org = await bus.request<OrganizationView>(
      'auth',
      AUTH_METHODS.addOrganization,
      {
        tenantId: 'msp-flow',
        displayName: 'Contoso',
        m365TenantId: sim.tenantId,
        clientId: sim.clientId,
        credential: { kind: 'client-secret', clientSecret: sim.clientSecret },
        services: ['exchange', 'onedrive'],
        authorityHost: sim.authorityHost,
        graphEndpoint: sim.graphBaseUrl,
      },
      { timeoutMs: AUTH_SLOW_TIMEOUT_MS },
    );
    const list = (filter: Record<string, unknown> = {}) =>
      bus.request<InventoryPage>('inventory', INVENTORY_METHODS.list, { tenantId: 'msp-flow', organizationId: org.organizationId, ...filter });
    let page = await list();
    while (page.total === 0) {
      await new Promise((r) => setTimeout(r, 200));
      page = await list();
    }
    const users = await list({ kind: 'user', limit: 1000 });
    const shared = await list({ kind: 'shared-mailbox', limit: 1000 });
    expect(users.total + shared.total).toBe(40);
    expect((await list({ kind: 'onedrive' })).total).toBeGreaterThan(0);
    // SharePoint was not chosen: team sites are not listed
    expect((await list({ kind: 'site' })).total).toBe(0);

    await bus.request('auth', AUTH_METHODS.removeOrganization, { tenantId: 'msp-flow', organizationId: org.organizationId }, { timeoutMs: AUTH_SLOW_TIMEOUT_MS });
    while ((await list()).total > 0) await new Promise((r) => setTimeout(r, 200));
    await expect(bus.request('inventory', INVENTORY_METHODS.sync, { tenantId: 'msp-flow', organizationId: org.organizationId }, { timeoutMs: 30_000 })).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});

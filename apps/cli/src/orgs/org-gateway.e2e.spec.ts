import { spawn } from 'node:child_process';
import path from 'node:path';
import { authService } from '@holdfast/service-auth';
import { gatewayService } from '@holdfast/service-gateway';
import { inventoryService } from '@holdfast/service-inventory';
import { bootServices, type RunningServices } from '@holdfast/service-kit';
import { createTestDatabase, startSimulator, testNamespace, testNatsUrl, type RunningSimulator, type TestDatabase } from '@holdfast/testing';

jest.setTimeout(90_000);

const root = path.resolve(__dirname, '../../../..');
const cli = path.join(root, 'bin/holdfast.js');
const TOKEN = 'hf_org_gateway_e2e_token_0123456789abcdef';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a child (asynchronously: the gateway answers from this very process). */
function holdfast(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `holdfast org` and `holdfast inventory` against the gateway, auth and inventory services in one process. */
describe('org and inventory commands through the gateway (gateway + auth + inventory, simulator, Postgres, JetStream)', () => {
  let sim: RunningSimulator;
  let db: TestDatabase;
  let running: RunningServices;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    [sim, db] = await Promise.all([startSimulator({ users: 12, messagesPerUser: 0, modules: ['files', 'teams'] }), createTestDatabase('hf_org_gw_e2e')]);
    running = await bootServices({
      services: [gatewayService, authService, inventoryService],
      env: {
        DATABASE_URL: db.url,
        NATS_URL: testNatsUrl(),
        HOLDFAST_BUS: 'jetstream',
        HOLDFAST_NAMESPACE: testNamespace('orggw'),
        HOST: '127.0.0.1',
        PORT: '0',
        HOLDFAST_LOG_LEVEL: 'silent',
        HOLDFAST_ADMIN_TOKEN: TOKEN,
        HOLDFAST_ADMIN_EMAIL: 'admin@msp.test',
        HOLDFAST_ADMIN_PASSWORD: 'correct horse battery staple',
        HOLDFAST_MASTER_KEY: Buffer.alloc(32, 5).toString('base64'),
        HOLDFAST_GRAPH_CA_FILE: sim.caCertPath,
        HOLDFAST_INVENTORY_TICK_SECONDS: '3600',
      },
    });
    env = { HOLDFAST_URL: running.url, HOLDFAST_TOKEN: TOKEN };
  });
  afterAll(async () => {
    await running?.close();
    await Promise.all([sim?.stop(), db?.drop()]);
  });

  it('connects an organization, lists it, syncs its inventory and lists its users, without echoing the secret', async () => {
    const added = await holdfast(
      [
        'org', 'add', '--json',
        '--name', 'Contoso',
        '--tenant-id', sim.tenantId,
        '--client-id', sim.clientId,
        '--client-secret', sim.clientSecret,
        '--services', 'exchange,onedrive',
        '--authority-host', sim.authorityHost,
        '--graph-endpoint', sim.graphBaseUrl,
      ],
      env,
    );
    expect(added).toMatchObject({ code: 0 });
    expect(added.stdout).not.toContain(sim.clientSecret);
    const org = JSON.parse(added.stdout) as { organizationId: string; tenantId: string; displayName: string; m365TenantId: string };
    expect(org).toMatchObject({ displayName: 'Contoso', m365TenantId: sim.tenantId, tenantId: 'default' });

    const listed = await holdfast(['org', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as Array<{ organizationId: string }>).map((o) => o.organizationId)).toEqual([org.organizationId]);

    const synced = await holdfast(['inventory', 'sync', '--org', org.organizationId, '--json'], env);
    expect(synced.code).toBe(0);
    const summary = JSON.parse(synced.stdout) as { totals: Record<string, number> };
    expect(summary.totals.user + summary.totals['shared-mailbox']).toBe(12);

    const users = await holdfast(['inventory', 'list', '--org', org.organizationId, '--kind', 'user', '--limit', '100', '--json'], env);
    expect(users.code).toBe(0);
    const page = JSON.parse(users.stdout) as { total: number; items: Array<{ kind: string; organizationId: string; name: string }> };
    expect(page.total).toBe(summary.totals.user);
    expect(page.total).toBeGreaterThan(0);
    expect(page.items.every((i) => i.kind === 'user' && i.organizationId === org.organizationId && i.name)).toBe(true);

    // a service error comes back as problem+json with its message; the secret is never echoed
    const dup = await holdfast(
      ['org', 'add', '--name', 'Again', '--tenant-id', sim.tenantId, '--client-id', sim.clientId, '--client-secret', sim.clientSecret, '--authority-host', sim.authorityHost, '--graph-endpoint', sim.graphBaseUrl],
      env,
    );
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/holdfast: .*already connected/);
    expect(dup.stderr + dup.stdout).not.toContain(sim.clientSecret);
    const raw = await fetch(`${running.url}/api/v1/organizations/00000000-0000-4000-8000-000000000000`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(raw.status).toBe(404);
    expect(raw.headers.get('content-type')).toContain('application/problem+json');
  });
});

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BACKUP_MAILBOX_TASK, BACKUP_QUEUE, RecoveryPointCreated, type BackupMailboxTaskData } from '@holdfast/contracts';
import { PostgresEventStore } from '@holdfast/event-store';
import { createTokenProvider, GraphClient, pageAll, resolveCloud } from '@holdfast/graph';
import { LocalBackend, Repository } from '@holdfast/repository';
import { authService, AUTH_METHODS, AUTH_SLOW_TIMEOUT_MS, type OrganizationView } from '@holdfast/service-auth';
import { backupWorkerService, recoveryPointsStreamId } from '@holdfast/service-backup-worker';
import { bootServices, type RunningServices } from '@holdfast/service-kit';
import { createTestDatabase, startSimulator, testNamespace, testNatsUrl, type RunningSimulator, type TestDatabase } from '@holdfast/testing';

jest.setTimeout(90_000);

/** A backup task on the work queue, run by the backup worker with tokens from the auth broker (both in one process, as `holdfast up` runs them). */
describe('backup worker runs a task from the queue (auth + backup-worker, simulator, Postgres, JetStream, repository)', () => {
  let sim: RunningSimulator;
  let db: TestDatabase;
  let running: RunningServices;
  const dir = mkdtempSync(path.join(tmpdir(), 'hf-bw-e2e-'));
  const password = 'e2e-repository-password';
  const tenantId = 'msp-bw';

  beforeAll(async () => {
    [sim, db] = await Promise.all([startSimulator({ users: 2, messagesPerUser: 6, modules: ['exchange'], throttle: 'off', seed: 11 }), createTestDatabase('hf_bw_e2e')]);
    await (await Repository.init(new LocalBackend(dir, { fsync: false }), { password, scrypt: { N: 1024, r: 8, p: 1 } })).close();
    running = await bootServices({
      services: [authService, backupWorkerService],
      env: {
        DATABASE_URL: db.url,
        NATS_URL: testNatsUrl(),
        HOLDFAST_BUS: 'jetstream',
        HOLDFAST_NAMESPACE: testNamespace('bwflow'),
        HOST: '127.0.0.1',
        PORT: '0',
        HOLDFAST_LOG_LEVEL: 'silent',
        HOLDFAST_MASTER_KEY: Buffer.alloc(32, 5).toString('base64'),
        HOLDFAST_GRAPH_CA_FILE: sim.caCertPath,
        HOLDFAST_REPOSITORY: dir,
        HOLDFAST_REPOSITORY_PASSWORD: password,
      },
    });
  });
  afterAll(async () => {
    await running?.close();
    await Promise.all([sim?.stop(), db?.drop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs up one mailbox of a connected organization: RecoveryPointCreated is appended and the manifest is in the repository', async () => {
    const bus = running.platform.bus.bus;
    const org = await bus.request<OrganizationView>(
      'auth',
      AUTH_METHODS.addOrganization,
      {
        tenantId,
        displayName: 'Contoso',
        m365TenantId: sim.tenantId,
        clientId: sim.clientId,
        credential: { kind: 'client-secret', clientSecret: sim.clientSecret },
        services: ['exchange'],
        authorityHost: sim.authorityHost,
        graphEndpoint: sim.graphBaseUrl,
      },
      { timeoutMs: AUTH_SLOW_TIMEOUT_MS },
    );
    // a user's mailbox, with a marker message delivered just before the backup
    const cloud = resolveCloud('global', { authorityHost: sim.authorityHost, graphEndpoint: sim.graphBaseUrl });
    const direct = new GraphClient({
      tenantId: sim.tenantId,
      cloud,
      apps: [{ appId: sim.clientId, tokenProvider: createTokenProvider({ kind: 'client-secret', tenantId: sim.tenantId, clientId: sim.clientId, clientSecret: sim.clientSecret }, { cloud, ca: sim.caPem }) }],
      ca: sim.caPem,
    });
    let mailbox: string;
    try {
      mailbox = (await pageAll<{ userPrincipalName: string }>(direct, { path: '/users', query: { $select: 'userPrincipalName' } }))[1].userPrincipalName;
    } finally {
      direct.close();
    }
    await sim.control('POST', `/tenants/${sim.tenantId}/mutations/exchange.newMail`, { user: mailbox, count: 1, subject: 'Backed up by the worker' });
    const runId = randomUUID();
    const jobId = randomUUID();
    const data: BackupMailboxTaskData = { runId, jobId, organizationId: org.organizationId, objectId: mailbox, repository: dir };
    await bus.publishTask({ queue: BACKUP_QUEUE, type: BACKUP_MAILBOX_TASK, tenantId, dedupeId: `${runId}:${mailbox}`, data: { ...data } });

    const store = new PostgresEventStore({ pool: running.platform.db });
    const deadline = Date.now() + 60_000;
    let point: ReturnType<typeof RecoveryPointCreated.parse> | undefined;
    while (!point) {
      const events = await store.readStream(recoveryPointsStreamId(mailbox));
      const found = events.find((e) => RecoveryPointCreated.is(e));
      if (found) point = RecoveryPointCreated.parse(found.data);
      else if (Date.now() > deadline) throw new Error('no RecoveryPointCreated within 60 s');
      else await new Promise((r) => setTimeout(r, 200));
    }
    expect(point).toMatchObject({ runId, jobId, organizationId: org.organizationId, objectId: mailbox, objectKind: 'mailbox', repository: dir, fullEnumeration: true });
    expect(point.counts.items).toBeGreaterThan(0);

    const repo = await Repository.open(new LocalBackend(dir, { fsync: false }), { password });
    try {
      const reader = await repo.openTenant(tenantId);
      const manifest = await reader.getManifest(point.recoveryPointId);
      expect(manifest.labels).toMatchObject({ run: runId, job: jobId, object: mailbox, organization: org.organizationId });
      const mails: { subject?: string }[] = [];
      for await (const item of reader.readManifest(point.recoveryPointId)) if ((item as { kind?: string }).kind === 'mail') mails.push(item as { subject?: string });
      expect(mails.length).toBeGreaterThan(1);
      expect(mails.map((m) => m.subject)).toContain('Backed up by the worker');
      await reader.close();
    } finally {
      await repo.close();
    }
  });
});

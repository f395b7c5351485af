import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTokenProvider, GraphClient, resolveCloud } from '@holdfast/graph';
import { LocalBackend, Repository } from '@holdfast/repository';
import { startSimulator, type RunningSimulator } from '@holdfast/testing';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../../../..');
const MIME = Buffer.from('Message-ID: <cli1@contoso.com>\r\nFrom: alice@contoso.com\r\nTo: bob@contoso.com\r\nSubject: Restore me\r\nDate: Tue, 04 Mar 2025 10:00:00 +0000\r\n\r\nBody.\r\n');

describe('holdfast restore (simulator)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hf-cli-restore-'));
  const repoDir = path.join(dir, 'repo');
  let sim: RunningSimulator;
  let graph: GraphClient;
  let upn: string;

  beforeAll(async () => {
    sim = await startSimulator({ users: 1, messagesPerUser: 1, throttle: 'off', modules: ['exchange'] });
    const cloud = resolveCloud('global', { authorityHost: sim.authorityHost, graphEndpoint: sim.graphBaseUrl });
    const tokenProvider = createTokenProvider({ kind: 'client-secret', tenantId: sim.tenantId, clientId: sim.clientId, clientSecret: sim.clientSecret }, { cloud, ca: sim.caPem });
    graph = new GraphClient({ tenantId: sim.tenantId, cloud, apps: [{ appId: sim.clientId, tokenProvider }], ca: sim.caPem });
    upn = (await graph.get<{ value: { userPrincipalName: string }[] }>('/users')).value[0].userPrincipalName;
    const repo = await Repository.init(new LocalBackend(repoDir), { password: 'pw', scrypt: { N: 1024, r: 8, p: 1 } });
    const t = await repo.openTenant('acme', { write: true });
    const put = await t.putMail(MIME);
    await t.writeManifest(
      [
        { kind: 'folder', id: 'f1', displayName: 'Inbox' },
        { kind: 'mail', id: 'x1', folderId: 'f1', content: put.ref, size: put.size, isRead: false, flag: { flagStatus: 'complete' }, categories: ['Green'], importance: 'low', isDraft: false },
      ],
      { labels: { kind: 'mailbox', mailbox: 'old-bob@contoso.com' } },
    );
    await t.close();
    await repo.close();
    writeFileSync(path.join(dir, 'ca.pem'), sim.caPem);
  });
  afterAll(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores a mailbox point into another mailbox under a restore folder', async () => {
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'bin/holdfast.js'), 'restore', '--tenant', 'acme', '--mailbox', 'old-bob@contoso.com', '--to-mailbox', upn, '--restore-folder', 'From CLI', '--repo', repoDir, '--json'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: {
          ...process.env,
          HOLDFAST_REPO_PASSWORD: 'pw',
          HOLDFAST_GRAPH_TENANT_ID: sim.tenantId,
          HOLDFAST_GRAPH_CLIENT_ID: sim.clientId,
          HOLDFAST_GRAPH_CLIENT_SECRET: sim.clientSecret,
          HOLDFAST_GRAPH_URL: sim.graphBaseUrl,
          HOLDFAST_AUTHORITY_HOST: sim.authorityHost,
          HOLDFAST_GRAPH_CA: path.join(dir, 'ca.pem'),
        },
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ status: 'success', restoreFolder: 'From CLI', counts: { restored: 1 } });
    const msg = await graph.get<Record<string, unknown>>(`/users/${upn}/messages/${report.restoredIds.x1}`, { query: { $select: 'subject,isRead,isDraft,flag,categories,importance' } });
    expect(msg).toMatchObject({ subject: 'Restore me', isRead: false, isDraft: false, flag: { flagStatus: 'complete' }, categories: ['Green'], importance: 'low' });
  });
});

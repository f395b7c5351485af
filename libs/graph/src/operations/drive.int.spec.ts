import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { RunningSimulator, startSimulator } from '@holdfast/testing';
import { GraphAuthError, GraphConflictError } from '../errors/graph-errors';
import { simulatorClient } from '../testing/simulator-client.int-helper';
import { bufferSource } from './chunk-source';
import { deltaQuery } from './delta';
import { download } from './download';
import { pageAll, pages } from './paging';
import { DRIVE_CHUNK_UNIT, uploadDriveFile } from './upload-session';

interface User {
  id: string;
  userPrincipalName: string;
}
interface DriveItem {
  id: string;
  name?: string;
  size?: number;
  file?: unknown;
  folder?: unknown;
  deleted?: unknown;
  '@microsoft.graph.downloadUrl'?: string;
}

async function readAllBytes(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('Graph client against the simulator: directory and drives', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ users: 7, throttle: 'off', modules: ['directory', 'files'] });
  }, 60_000);
  afterAll(async () => {
    await sim?.stop();
  });

  it('lists every user across pages with a real client-credentials token', async () => {
    const { client, metrics } = simulatorClient(sim);
    const seen: number[] = [];
    const users: User[] = [];
    for await (const page of pages<User>(client, { path: '/users', query: { $top: 3, $select: 'id,userPrincipalName' } })) {
      seen.push(page.value.length);
      users.push(...page.value);
    }
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(new Set(users.map((u) => u.id)).size).toBe(users.length);
    expect(users.length).toBeGreaterThanOrEqual(7);
    expect(metrics.get('holdfast.graph.requests')).toBe(seen.length);
  });

  it('reports a wrong client secret as a clear auth error', async () => {
    const { client } = simulatorClient(sim, { clientSecret: 'not-the-secret' });
    const err = (await client.get('/users').catch((e: unknown) => e)) as GraphAuthError;
    expect(err).toBeInstanceOf(GraphAuthError);
    expect(err.reason).toBe('secret_invalid');
    expect(err.message).toContain('AADSTS7000215');
    expect(err.message).not.toContain('not-the-secret');
  });

  it('runs a drive delta, then an incremental one after changes, then a full resync after expiry', async () => {
    const { client } = simulatorClient(sim);
    const [user] = await pageAll<User>(client, { path: '/users', query: { $top: 1 } });
    const drive = await client.get<{ id: string }>(`/users/${user.id}/drive`, { pacing: { workload: 'sharepoint', kind: 'single' } });
    const deltaPath = `/drives/${drive.id}/root/delta`;
    const first = await deltaQuery<DriveItem>(client, { initialPath: deltaPath, pacing: { workload: 'sharepoint', kind: 'delta-initial' } });
    if (first.kind !== 'changes') throw new Error('expected changes');
    expect(first.fullEnumeration).toBe(true);
    expect(first.items.length).toBeGreaterThan(0);

    const created = (await sim.control('POST', `/tenants/${sim.tenantId}/mutations/files.fileCreated`, { driveId: drive.id, path: 'HoldfastTest/new-file.txt', text: 'hello delta' })) as { itemId: string };
    const victim = first.items.find((i) => i.file)!;
    await sim.control('POST', `/tenants/${sim.tenantId}/mutations/files.fileDeleted`, { driveId: drive.id, itemId: victim.id });

    const second = await deltaQuery<DriveItem>(client, { initialPath: deltaPath, deltaLink: first.deltaLink, pacing: { workload: 'sharepoint', kind: 'delta' } });
    if (second.kind !== 'changes') throw new Error('expected changes');
    expect(second.fullEnumeration).toBe(false);
    expect(second.items.map((i) => i.id)).toContain(created.itemId);
    expect(second.removed).toContainEqual({ id: victim.id, reason: 'deleted' });
    expect(second.items.map((i) => i.id)).not.toContain(victim.id);

    await sim.control('POST', '/delta/expire', { tenant: sim.tenantId, prefix: 'drive:' });
    const third = await deltaQuery<DriveItem>(client, { initialPath: deltaPath, deltaLink: second.deltaLink, pacing: { workload: 'sharepoint', kind: 'delta' } });
    if (third.kind !== 'changes') throw new Error('expected changes');
    expect(third.fullEnumeration).toBe(true);
    expect(third.resyncReason).toBeDefined();
    expect(third.items.map((i) => i.id)).toContain(created.itemId);
    expect(third.items.map((i) => i.id)).not.toContain(victim.id);

    const signalled = await deltaQuery<DriveItem>(client, { initialPath: deltaPath, deltaLink: second.deltaLink, onExpired: 'signal' });
    expect(signalled.kind).toBe('resync-required');
  });

  it('uploads through an upload session, refuses a name clash, and downloads the same bytes whole and from a Range offset', async () => {
    const { client } = simulatorClient(sim);
    const [user] = await pageAll<User>(client, { path: '/users', query: { $top: 1 } });
    const drive = await client.get<{ id: string }>(`/users/${user.id}/drive`);
    const content = createHash('sha256').update('seed').digest();
    const big = Buffer.concat(Array.from({ length: 40_000 }, (_, i) => Buffer.from([...content.subarray(0, 31), i & 0xff])));
    const uploaded = await uploadDriveFile<DriveItem>(client, { driveId: drive.id, parentId: 'root', name: `upload-${Date.now()}.bin`, source: bufferSource(big), chunkSize: DRIVE_CHUNK_UNIT, conflictBehavior: 'fail' });
    expect(uploaded.item.size).toBe(big.length);


    const again = uploadDriveFile(client, { driveId: drive.id, parentId: 'root', name: uploaded.item.name!, source: bufferSource(Buffer.from('x')), conflictBehavior: 'fail' });
    await expect(again).rejects.toBeInstanceOf(GraphConflictError);

    const plain = await readAllBytes(download(client, { path: `/drives/${drive.id}/items/${uploaded.item.id}/content`, pacing: { workload: 'sharepoint', kind: 'download' } }));
    expect(plain.equals(big)).toBe(true);

    // Resume point: a Range request from the middle returns exactly the rest.
    const offset = 3 * DRIVE_CHUNK_UNIT + 17;
    const rest = await readAllBytes(download(client, { path: `/drives/${drive.id}/items/${uploaded.item.id}/content`, pacing: { workload: 'sharepoint', kind: 'download' }, offset }));
    expect(rest.equals(big.subarray(offset))).toBe(true);
  });
});

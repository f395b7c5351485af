import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FileUpload, LargeFileUploadTask, type Client } from '@microsoft/microsoft-graph-client';
import { simRequest, simulatorCredential, simulatorGraphClient, startSimulator, type RunningSimulator } from '@holdfast/testing';
import { quickXorHashBase64 } from './content/quick-xor-hash';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '../../../..');

interface DriveItem {
  id: string;
  name?: string;
  size?: number;
  file?: { hashes?: { quickXorHash?: string } };
  folder?: { childCount: number };
  deleted?: { state?: string };
  root?: object;
  parentReference?: { id?: string; path?: string; driveId?: string };
  '@microsoft.graph.downloadUrl'?: string;
}

async function all<T>(client: Client, url: string): Promise<{ items: T[]; pages: number; last: Record<string, unknown> }> {
  const items: T[] = [];
  let pages = 0;
  let next: string | undefined = url;
  let last: Record<string, unknown> = {};
  while (next) {
    last = await client.api(next).get();
    pages++;
    items.push(...(last.value as T[]));
    next = last['@odata.nextLink'] as string | undefined;
  }
  return { items, pages, last };
}

describe('files module (OneDrive/SharePoint) with the official Graph client', () => {
  let sim: RunningSimulator;
  let client: Client;
  let upn: string;
  let userId: string;
  let driveId: string;

  beforeAll(async () => {
    sim = await startSimulator({ users: 6, modules: ['files'], sizes: { filesPerDrive: 60, folderDepth: 6, filesPerLibrary: 10, listItemsPerList: 12, sites: 2, subsitesPerSite: 2 } });
    client = simulatorGraphClient(sim);
    const drives = await sim.control('GET', `/files/tenants/${sim.tenantId}/drives`);
    ({ userPrincipalName: upn, id: userId, driveId } = drives.users[1]);
  }, 60_000);
  afterAll(() => sim?.stop());

  const download = async (url: string, range?: string) => simRequest(url, sim.caPem, { headers: range ? { Range: range } : {} });
  const mutate = (name: string, params: unknown) => sim.control('POST', `/tenants/${sim.tenantId}/mutations/${name}`, params);

  it('serves the drive of a user by UPN and id, and walks the whole tree with paging', async () => {
    const byUpn = await client.api(`/users/${upn}/drive`).get();
    const byId = await client.api(`/users/${userId}/drive`).get();
    expect(byUpn.id).toBe(driveId);
    expect(byId.id).toBe(driveId);
    expect(byUpn.driveType).toBe('business');
    expect(byUpn.owner.user.id).toBe(userId);

    let folders = 0;
    let maxDepth = 0;
    let multiPage = false;
    const files: DriveItem[] = [];
    const walk = async (id: string, depth: number) => {
      const { items, pages } = await all<DriveItem>(client, `/drives/${driveId}/items/${id}/children?$top=4`);
      if (pages > 1) multiPage = true;
      for (const it of items) {
        expect(it.parentReference?.id).toBe(id);
        if (it.folder) {
          folders++;
          maxDepth = Math.max(maxDepth, depth + 1);
          expect(it.folder.childCount).toBeGreaterThanOrEqual(0);
          await walk(it.id, depth + 1);
        } else files.push(it);
      }
    };
    const root = await client.api(`/drives/${driveId}/root`).get();
    expect(root.root).toEqual({});
    await walk(root.id, 0);
    expect(multiPage).toBe(true);
    expect(files).toHaveLength(60);
    expect(maxDepth).toBe(6);
    expect(folders).toBe(10); // one folder per six files
    expect(files.some((f) => /[^\x00-\x7f]/.test(f.name!))).toBe(true);
    expect(files.every((f) => f.file?.hashes?.quickXorHash && f['@microsoft.graph.downloadUrl'])).toBe(true);

    // path addressing reaches the same items
    const deep = await client.api(`/drives/${driveId}/root:/Deep ▸ Tiefe:`).get();
    expect(deep.folder).toBeDefined();
    const viaUser = await client.api(`/users/${upn}/drive/items/${deep.id}/children`).get();
    expect(viaUser.value.length).toBeGreaterThan(0);
    await expect(client.api(`/drives/${driveId}/root:/does/not/exist.txt:`).get()).rejects.toMatchObject({ statusCode: 404, code: 'itemNotFound' });
  });

  it('downloads content with Range (206) through /content and the downloadUrl, matching the QuickXorHash', async () => {
    const { items } = await all<DriveItem>(client, `/drives/${driveId}/root/delta`);
    const file = items.find((i) => i.file && (i.size ?? 0) > 5000 && (i.size ?? 0) < 3_000_000)!;
    const whole = await download(file['@microsoft.graph.downloadUrl']!);
    expect(whole.status).toBe(200);
    expect(whole.body.length).toBe(file.size);
    expect(quickXorHashBase64(whole.body)).toBe(file.file!.hashes!.quickXorHash);

    const part = await download(file['@microsoft.graph.downloadUrl']!, 'bytes=1000-1999');
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 1000-1999/${file.size}`);
    expect(part.body.equals(whole.body.subarray(1000, 2000))).toBe(true);
    const tail = await download(file['@microsoft.graph.downloadUrl']!, 'bytes=-10');
    expect(tail.body.equals(whole.body.subarray(whole.body.length - 10))).toBe(true);
    expect((await download(file['@microsoft.graph.downloadUrl']!, `bytes=${file.size}-`)).status).toBe(416);

    // /content answers 302 to the pre-authenticated host; the SDK follows it (without the token)
    const raw = await simRequest(`${sim.graphBaseUrl}/drives/${driveId}/items/${file.id}/content`, sim.caPem, {
      headers: { Authorization: `Bearer ${(await simulatorCredential(sim).getToken('https://graph.microsoft.com/.default'))!.token}` },
    });
    expect(raw.status).toBe(302);
    expect(new URL(raw.headers.location as string).host).not.toBe(new URL(sim.graphBaseUrl).host);
    const viaSdk: ArrayBuffer = await client.api(`/drives/${driveId}/items/${file.id}/content`).responseType('arraybuffer' as never).get();
    expect(Buffer.from(viaSdk).equals(whole.body)).toBe(true);
    // a download URL is refused with a bearer token or when altered
    expect((await simRequest(file['@microsoft.graph.downloadUrl']!, sim.caPem, { headers: { Authorization: 'Bearer x' } })).status).toBe(401);
    const url = file['@microsoft.graph.downloadUrl']!;
    const at = url.indexOf('/download/') + '/download/'.length + 5;
    const altered = url.slice(0, at) + (url[at] === 'x' ? 'y' : 'x') + url.slice(at + 1);
    expect((await download(altered)).status).toBe(401);
  });

  it('drive delta: initial rounds, token=latest, changes after user mutations, expiry', async () => {
    const initial = await all<DriveItem>(client, `/drives/${driveId}/root/delta?$top=7`);
    expect(initial.pages).toBeGreaterThan(1);
    const ids = new Set(initial.items.map((i) => i.id));
    expect(ids.size).toBe(initial.items.length);
    expect(initial.items[0].root).toEqual({});
    expect(initial.items.every((i) => i.parentReference?.path === undefined)).toBe(true);
    // parents come before their children
    const seen = new Set<string>();
    for (const i of initial.items) {
      if (i.parentReference?.id) expect(seen.has(i.parentReference.id)).toBe(true);
      seen.add(i.id);
    }
    const deltaLink = initial.last['@odata.deltaLink'] as string;
    expect(deltaLink).toMatch(/token=/);

    const latest = await client.api(`/drives/${driveId}/root/delta?token=latest`).get();
    expect(latest.value).toEqual([]);
    expect(latest['@odata.deltaLink']).toMatch(/token=/);
    expect((await client.api(deltaLink).get()).value).toEqual([]);

    const created = await mutate('files.fileCreated', { user: upn, path: 'Delta test/new – файл.txt', text: 'hello' });
    const victim = initial.items.find((i) => i.file && i.parentReference?.id !== initial.items[0].id)!;
    const renamed = initial.items.filter((i) => i.file && i.id !== victim.id)[3];
    const moved = initial.items.filter((i) => i.file && i.id !== victim.id)[5];
    await mutate('files.fileRenamed', { user: upn, itemId: renamed.id, name: 'renamed ✓.bin' });
    await mutate('files.fileMoved', { user: upn, itemId: moved.id, to: 'Delta test' });
    await mutate('files.fileDeleted', { user: upn, itemId: victim.id });

    const changes = await all<DriveItem>(client, deltaLink);
    const byId = new Map(changes.items.map((i) => [i.id, i]));
    expect(byId.get(created.itemId)?.name).toBe('new – файл.txt');
    expect(byId.get(renamed.id)?.name).toBe('renamed ✓.bin');
    const folder = [...byId.values()].find((i) => i.name === 'Delta test')!;
    expect(byId.get(moved.id)?.parentReference?.id).toBe(folder.id);
    const gone = byId.get(victim.id)!;
    expect(gone.deleted).toBeDefined();
    expect(gone.name).toBeUndefined();
    expect(changes.items.every((i) => i.parentReference?.path === undefined)).toBe(true);
    // items not touched are not reported
    expect(changes.items.length).toBeLessThan(initial.items.length / 2);

    // the latest link sees exactly the changes made after it
    await mutate('files.fileChanged', { user: upn, itemId: created.itemId, text: 'hello again' });
    const afterLatest = await all<DriveItem>(client, latest['@odata.deltaLink']);
    expect(afterLatest.items.map((i) => i.id)).toEqual(expect.arrayContaining([created.itemId, victim.id]));

    await sim.control('POST', '/delta/expire', { tenant: sim.tenantId, prefix: `drive:${driveId}` });
    await expect(client.api(changes.last['@odata.deltaLink'] as string).get()).rejects.toMatchObject({ statusCode: 410, code: 'resyncRequired' });
    const fresh = await all<DriveItem>(client, `/drives/${driveId}/root/delta`);
    expect(fresh.items.find((i) => i.id === victim.id)).toBeUndefined();
    expect(fresh.items.find((i) => i.id === created.itemId)?.name).toBe('new – файл.txt');
  });

  it('upload sessions: 3 x 320 KiB + tail with the SDK task, 416 on overlap, 409 on a clash, rename', async () => {
    const K = 327_680;
    const data = Buffer.alloc(3 * K + 12_345);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 9)) & 0xff;
    const root = await client.api(`/drives/${driveId}/root`).get();
    const createSession = (name: string, behavior: string) =>
      client.api(`/drives/${driveId}/items/${root.id}:/${encodeURIComponent(name)}:/createUploadSession`).post({ item: { '@microsoft.graph.conflictBehavior': behavior } });

    const session = await createSession('upload ⬆ test.bin', 'fail');
    expect(new URL(session.uploadUrl).host).not.toBe(new URL(sim.graphBaseUrl).host);
    expect(session.nextExpectedRanges).toEqual(['0-']);
    const progress: string[] = [];
    const task = new LargeFileUploadTask(client, new FileUpload(data, 'upload ⬆ test.bin', data.length), { url: session.uploadUrl, expiry: new Date(session.expirationDateTime) }, {
      rangeSize: K,
      uploadEventHandlers: { progress: (r) => progress.push(`${r?.minValue}-${r?.maxValue}`) },
    });
    const result = await task.upload();
    const item = result.responseBody as DriveItem;
    expect(progress).toEqual([`0-${K - 1}`, `${K}-${2 * K - 1}`, `${2 * K}-${3 * K - 1}`, `${3 * K}-${data.length - 1}`]);
    expect(item.name).toBe('upload ⬆ test.bin');
    expect(item.size).toBe(data.length);
    expect(item.file?.hashes?.quickXorHash).toBe(quickXorHashBase64(data));
    const back = await download((await client.api(`/drives/${driveId}/items/${item.id}`).get())['@microsoft.graph.downloadUrl']);
    expect(back.body.equals(data)).toBe(true);

    // overlap -> 416, status keeps the position, cancel -> 404
    const s2 = await createSession('overlap.bin', 'rename');
    const put = (url: string, from: number, to: number, total: number) =>
      simRequest(url, sim.caPem, { method: 'PUT', headers: { 'Content-Range': `bytes ${from}-${to - 1}/${total}`, 'Content-Length': String(to - from) }, body: data.subarray(from, to) });
    const first = await put(s2.uploadUrl, 0, K, data.length);
    expect(first.status).toBe(202);
    expect(first.json().nextExpectedRanges).toEqual([`${K}-${data.length - 1}`]);
    const overlap = await put(s2.uploadUrl, K - 100, 2 * K - 100, data.length);
    expect(overlap.status).toBe(416);
    expect(overlap.json().error.code).toBe('invalidRange');
    expect((await put(s2.uploadUrl, K, K + 1000, data.length)).status).toBe(400); // not a 320 KiB multiple
    const status = await simRequest(s2.uploadUrl, sim.caPem);
    expect(status.json().nextExpectedRanges).toEqual([`${K}-${data.length - 1}`]);
    expect((await simRequest(s2.uploadUrl, sim.caPem, { method: 'DELETE' })).status).toBe(204);
    expect((await simRequest(s2.uploadUrl, sim.caPem)).status).toBe(404);
    // bearer tokens are refused on the upload host
    expect((await simRequest(session.uploadUrl, sim.caPem, { headers: { Authorization: 'Bearer abc' } })).status).toBe(401);

    // same name with fail -> 409 nameAlreadyExists at the last fragment
    const small = Buffer.from('tiny content ✓');
    const s3 = await createSession('upload ⬆ test.bin', 'fail');
    const clash = await simRequest(s3.uploadUrl, sim.caPem, { method: 'PUT', headers: { 'Content-Range': `bytes 0-${small.length - 1}/${small.length}` }, body: small });
    expect(clash.status).toBe(409);
    expect(clash.json().error.code).toBe('nameAlreadyExists');
    // rename -> "upload ⬆ test 1.bin"; replace -> a new version of the same item
    const s4 = await createSession('upload ⬆ test.bin', 'rename');
    const renamed = await simRequest(s4.uploadUrl, sim.caPem, { method: 'PUT', headers: { 'Content-Range': `bytes 0-${small.length - 1}/${small.length}` }, body: small });
    expect(renamed.status).toBe(201);
    expect(renamed.json().name).toBe('upload ⬆ test 1.bin');
    const s5 = await createSession('upload ⬆ test.bin', 'replace');
    const replaced = await simRequest(s5.uploadUrl, sim.caPem, { method: 'PUT', headers: { 'Content-Range': `bytes 0-${small.length - 1}/${small.length}` }, body: small });
    expect(replaced.status).toBe(200);
    expect(replaced.json().id).toBe(item.id);
    const versions = await client.api(`/drives/${driveId}/items/${item.id}/versions`).get();
    expect(versions.value.map((v: { id: string }) => v.id)).toEqual(['2.0', '1.0']);
  });

  it('simple PUT, folder creation with conflict behaviour, PATCH rename/move, DELETE', async () => {
    const folder = await client.api(`/drives/${driveId}/root/children`).post({ name: 'Restore – 復元', folder: {}, '@microsoft.graph.conflictBehavior': 'fail' });
    await expect(client.api(`/drives/${driveId}/root/children`).post({ name: 'restore – 復元', folder: {}, '@microsoft.graph.conflictBehavior': 'fail' })).rejects.toMatchObject({ statusCode: 409, code: 'nameAlreadyExists' });
    const again = await client.api(`/drives/${driveId}/root/children`).post({ name: 'Restore – 復元', folder: {}, '@microsoft.graph.conflictBehavior': 'rename' });
    expect(again.name).toBe('Restore – 復元 1');
    const bytes = Buffer.from('%PDF-1.7 restored bytes 🚀');
    const put = await client.api(`/drives/${driveId}/items/${folder.id}:/a/b/report.pdf:/content`).put(bytes);
    expect(put.size).toBe(bytes.length);
    expect(put.parentReference.path).toBe('/drive/root:/Restore – 復元/a/b');
    const moved = await client.api(`/drives/${driveId}/items/${put.id}`).patch({ name: 'report-final.pdf', parentReference: { id: again.id } });
    expect(moved.name).toBe('report-final.pdf');
    expect(moved.parentReference.id).toBe(again.id);
    await expect(client.api(`/drives/${driveId}/items/${again.id}`).patch({ name: 'Restore – 復元' })).rejects.toMatchObject({ statusCode: 409 });
    await client.api(`/drives/${driveId}/items/${folder.id}`).delete();
    await expect(client.api(`/drives/${driveId}/items/${folder.id}`).get()).rejects.toMatchObject({ statusCode: 404 });
    const content = await download((await client.api(`/drives/${driveId}/items/${moved.id}`).get())['@microsoft.graph.downloadUrl']);
    expect(content.body.equals(bytes)).toBe(true);
  });

  it('versions: list newest first, version content differs, a user save adds one', async () => {
    const { items } = await all<DriveItem>(client, `/drives/${driveId}/root/delta`);
    let found: { item: DriveItem; versions: { id: string; size: number; '@microsoft.graph.downloadUrl': string }[] } | undefined;
    for (const it of items.filter((i) => i.file && (i.size ?? 0) < 5_000_000)) {
      const v = await client.api(`/drives/${driveId}/items/${it.id}/versions`).get();
      if (v.value.length > 1) {
        found = { item: it, versions: v.value };
        break;
      }
    }
    expect(found).toBeDefined();
    const [current, previous] = found!.versions;
    expect(Number(current.id)).toBeGreaterThan(Number(previous.id));
    expect(current.size).toBe(found!.item.size);
    const old = await download(previous['@microsoft.graph.downloadUrl']);
    expect(old.body.length).toBe(previous.size);
    const viaContent = await client.api(`/drives/${driveId}/items/${found!.item.id}/versions/${previous.id}/content`).responseType('arraybuffer' as never).get();
    expect(Buffer.from(viaContent).equals(old.body)).toBe(true);
    const cur = await download(current['@microsoft.graph.downloadUrl']);
    expect(cur.body.equals(old.body)).toBe(false);
    await mutate('files.fileChanged', { user: upn, itemId: found!.item.id, size: 4321 });
    const after = await client.api(`/drives/${driveId}/items/${found!.item.id}/versions`).get();
    expect(after.value).toHaveLength(found!.versions.length + 1);
    expect(after.value[0].size).toBe(4321);
  });

  it('ransomware rewrites many files with high-entropy versions and renamed extensions', async () => {
    const before = await all<DriveItem>(client, `/drives/${driveId}/root/delta?token=latest`);
    const hit = await mutate('files.ransomware', { user: upn, count: 8, extension: '.crypt' });
    expect(hit.encrypted).toBe(8);
    const changes = await all<DriveItem>(client, before.last['@odata.deltaLink'] as string);
    const encrypted = changes.items.filter((i) => i.name?.endsWith('.crypt'));
    expect(encrypted).toHaveLength(8);
    const sample = encrypted.find((i) => (i.size ?? 0) > 2000)!;
    const bytes = (await download(sample['@microsoft.graph.downloadUrl']!)).body;
    const counts = new Array(256).fill(0);
    for (const b of bytes) counts[b]++;
    const entropy = -counts.filter(Boolean).reduce((s, c) => s + (c / bytes.length) * Math.log2(c / bytes.length), 0);
    expect(entropy).toBeGreaterThan(7);
    const versions = await client.api(`/drives/${driveId}/items/${sample.id}/versions`).get();
    expect(versions.value.length).toBeGreaterThan(1);
  });

  it('import-files copies a local tree byte for byte (running simulator)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hf-import-'));
    try {
      mkdirSync(path.join(dir, 'Sub – ü', 'deeper'), { recursive: true });
      mkdirSync(path.join(dir, 'empty'));
      const files: Record<string, Buffer> = {
        'a.txt': Buffer.from('plain text\n'),
        'Sub – ü/b.bin': Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff)),
        'Sub – ü/deeper/日本.md': Buffer.from('# 見出し\n'),
      };
      for (const [p, b] of Object.entries(files)) writeFileSync(path.join(dir, p), b);
      const { stdout } = await run(process.execPath, [path.join(REPO, 'bin/ts-run.js'), path.join(REPO, 'apps/m365-sim/src/main.ts'), 'import-files', '--state-dir', sim.stateDir, '--user', upn, '--path', 'Imported/2026', dir], { cwd: REPO });
      expect(JSON.parse(stdout.trim().split('\n').pop()!)).toMatchObject({ imported: 3, online: true });
      for (const [p, b] of Object.entries(files)) {
        const it = await client.api(`/users/${upn}/drive/root:/Imported/2026/${p}:`).get();
        expect(it.size).toBe(b.length);
        expect((await download(it['@microsoft.graph.downloadUrl'])).body.equals(b)).toBe(true);
      }
      const empty = await client.api(`/users/${upn}/drive/root:/Imported/2026/empty:`).get();
      expect(empty.folder.childCount).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sites, subsites, libraries, lists, list items with fields, list item delta, sites delta', async () => {
    const root = await client.api('/sites/root').get();
    expect(root.root).toEqual({});
    const search = await client.api('/sites?search=Marketing').get();
    expect(search.value.length).toBeGreaterThan(1);
    const site = search.value.find((s: { displayName: string }) => s.displayName === 'Marketing');
    expect(site.webUrl).toMatch(/\/sites\/Marketing$/);
    const host = new URL(site.webUrl).hostname;
    expect((await client.api(`/sites/${host}`).get()).id).toBe(root.id);
    expect((await client.api(`/sites/${host}:/sites/Marketing`).get()).id).toBe(site.id);
    const subsites = await client.api(`/sites/${site.id}/sites`).get();
    expect(subsites.value).toHaveLength(2);
    expect(subsites.value[0].webUrl.startsWith(`${site.webUrl}/`)).toBe(true);
    const drives = await client.api(`/sites/${site.id}/drives`).get();
    expect(drives.value.map((d: { driveType: string }) => d.driveType)).toEqual(['documentLibrary', 'documentLibrary']);
    const lib = await client.api(`/sites/${site.id}/drive/root/children`).get();
    expect(lib.value.length).toBeGreaterThan(0);
    const lists = await client.api(`/sites/${site.id}/lists`).get();
    const generic = lists.value.find((l: { list: { template: string } }) => l.list.template === 'genericList');
    const items = await all<{ id: string; fields: Record<string, unknown> }>(client, `/sites/${site.id}/lists/${generic.id}/items?$expand=fields&$top=5`);
    expect(items.items).toHaveLength(12);
    expect(items.pages).toBe(3);
    expect(typeof items.items[0].fields.Title).toBe('string');

    const d0 = await all<{ id: string }>(client, `/sites/${site.id}/lists/${generic.id}/items/delta`);
    expect(d0.items).toHaveLength(12);
    const created = await mutate('files.listItemChanged', { siteId: site.id, listId: generic.id, op: 'created', fields: { Title: 'Neu – новый' } });
    await mutate('files.listItemChanged', { siteId: site.id, listId: generic.id, op: 'updated', itemId: items.items[0].id, fields: { Title: 'changed' } });
    await mutate('files.listItemChanged', { siteId: site.id, listId: generic.id, op: 'deleted', itemId: items.items[1].id });
    const d1 = await all<{ id: string; fields?: { Title?: string }; deleted?: object }>(client, `${d0.last['@odata.deltaLink']}&$expand=fields`);
    const byId = new Map(d1.items.map((i) => [i.id, i]));
    expect(byId.size).toBe(3);
    expect(byId.get(created.itemId)?.fields?.Title).toBe('Neu – новый');
    expect(byId.get(items.items[0].id)?.fields?.Title).toBe('changed');
    expect(byId.get(items.items[1].id)?.deleted).toBeDefined();

    const sd = await all<{ id: string }>(client, '/sites/delta');
    expect(sd.items.length).toBeGreaterThanOrEqual(7);
    expect(sd.last['@odata.deltaLink']).toBeDefined();
    const groupId = (await sim.control('GET', `/files/tenants/${sim.tenantId}/drives`)).groups[0].groupId;
    const gsite = await client.api(`/groups/${groupId}/sites/root`).get();
    const gdrive = await client.api(`/groups/${groupId}/drive`).get();
    expect(gdrive.owner.group.id).toBe(groupId);
    expect((await client.api(`/sites/${gsite.id}/drive`).get()).id).toBe(gdrive.id);
  });

  it('checks permissions: no roles -> 403; Files.Read.All reads drives but cannot write or read sites', async () => {
    const app = await client.api('/applications').post({ displayName: 'limited reader', signInAudience: 'AzureADMyOrg' });
    const secret = await client.api(`/applications/${app.id}/addPassword`).post({ passwordCredential: { displayName: 't' } });
    const sp = await client.api('/servicePrincipals').post({ appId: app.appId });
    const limited = simulatorGraphClient(sim, { credential: simulatorCredential(sim, { clientId: app.appId, clientSecret: secret.secretText }), retry: false });
    await expect(limited.api(`/drives/${driveId}/root/children`).get()).rejects.toMatchObject({ statusCode: 403, code: 'accessDenied' });
    await expect(limited.api('/sites/root').get()).rejects.toMatchObject({ statusCode: 403 });

    const graphSp = (await client.api('/servicePrincipals').filter("appId eq '00000003-0000-0000-c000-000000000000'").get()).value[0];
    await client.api(`/servicePrincipals/${graphSp.id}/appRoleAssignedTo`).post({ principalId: sp.id, resourceId: graphSp.id, appRoleId: '01d4889c-1287-42c6-ac1f-5d1e02578ef6' }); // Files.Read.All
    const reader = simulatorGraphClient(sim, { credential: simulatorCredential(sim, { clientId: app.appId, clientSecret: secret.secretText }), retry: false });
    expect((await reader.api(`/drives/${driveId}/root/children`).get()).value.length).toBeGreaterThan(0);
    await expect(reader.api(`/drives/${driveId}/root/children`).post({ name: 'nope', folder: {} })).rejects.toMatchObject({ statusCode: 403 });
    await expect(reader.api('/sites/root').get()).rejects.toMatchObject({ statusCode: 403 });
  });
});

describe('files state survives restarts and offline imports', () => {
  it('imports offline into a state dir, serves it, and replays the journal after a restart', async () => {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'hf-sim-files-'));
    const src = mkdtempSync(path.join(os.tmpdir(), 'hf-import-src-'));
    let sim: RunningSimulator | undefined;
    try {
      const bytes = Buffer.from(Array.from({ length: 400_000 }, (_, i) => (i * 13 + (i >> 8)) & 0xff));
      mkdirSync(path.join(src, 'Ordner ä'));
      writeFileSync(path.join(src, 'Ordner ä', 'big.bin'), bytes);
      const cli = [path.join(REPO, 'bin/ts-run.js'), path.join(REPO, 'apps/m365-sim/src/main.ts'), 'import-files', '--state-dir', stateDir, '--user', 'admin@contoso.onmicrosoft.com', '--path', '/Offline', src];
      const { stdout } = await run(process.execPath, cli, { cwd: REPO });
      expect(JSON.parse(stdout.trim().split('\n').pop()!)).toMatchObject({ imported: 1, online: false });

      sim = await startSimulator({ stateDir, modules: ['files'] });
      const client = simulatorGraphClient(sim);
      const upn = 'admin@contoso.onmicrosoft.com';
      const it = await client.api(`/users/${upn}/drive/root:/Offline/Ordner ä/big.bin:`).get();
      expect((await simRequest(it['@microsoft.graph.downloadUrl'], sim.caPem)).body.equals(bytes)).toBe(true);

      const driveId = (await client.api(`/users/${upn}/drive`).get()).id;
      const before = await all<DriveItem>(client, `/drives/${driveId}/root/delta`);
      const uploaded = await client.api(`/drives/${driveId}/root:/after-restart.txt:/content`).put(Buffer.from('persisted'));
      const link = before.last['@odata.deltaLink'] as string;
      const changedBefore = (await all<DriveItem>(client, link)).items.map((i) => i.id).sort();

      await sim.restart();
      const client2 = simulatorGraphClient(sim);
      const again = await client2.api(`/drives/${driveId}/items/${uploaded.id}`).get();
      expect(again.name).toBe('after-restart.txt');
      expect((await simRequest(again['@microsoft.graph.downloadUrl'], sim.caPem)).text()).toBe('persisted');
      // the old delta link still works and reports the same changes (same seed + replayed journal)
      const relinked = link.replace(/^https:\/\/[^/]+/, new URL(sim.graphBaseUrl).origin);
      expect((await all<DriveItem>(client2, relinked)).items.map((i) => i.id).sort()).toEqual(changedBefore);
    } finally {
      await sim?.stop();
      rmSync(stateDir, { recursive: true, force: true });
      rmSync(src, { recursive: true, force: true });
    }
  }, 90_000);
});

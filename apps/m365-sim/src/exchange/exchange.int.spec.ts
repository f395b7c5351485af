import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, GraphError, ResponseType } from '@microsoft/microsoft-graph-client';
import { ClientSecretCredential } from '@azure/identity';
import { RunningSimulator, simRequest, simulatorGraphClient, simulatorIdentityOptions, startSimulator } from '@holdfast/testing';

const REPO = path.resolve(__dirname, '../../../..');
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** Every page of a collection or delta round; returns items and the final deltaLink. */
async function allPages(client: Client, url: string, prefer?: string): Promise<{ items: any[]; deltaLink?: string; pages: number }> {
  const items: any[] = [];
  let next: string | undefined = url;
  let pages = 0;
  let deltaLink: string | undefined;
  while (next) {
    let req = client.api(next);
    if (prefer) req = req.header('Prefer', prefer);
    const page = await req.get();
    pages++;
    items.push(...page.value);
    next = page['@odata.nextLink'];
    deltaLink = page['@odata.deltaLink'];
  }
  return { items, deltaLink, pages };
}

async function graphError(p: Promise<unknown>): Promise<GraphError> {
  try {
    await p;
  } catch (e) {
    return e as GraphError;
  }
  throw new Error('expected a Graph error');
}

function eml(subject: string, body: string, attachment?: { name: string; bytes: Buffer }): Buffer {
  const lines = [
    'From: =?UTF-8?B?' + Buffer.from('Jürgen Müller').toString('base64') + '?= <juergen@fabrikam.example>',
    'To: Adele <adele@contoso.example>',
    `Subject: =?UTF-8?B?${Buffer.from(subject).toString('base64')}?=`,
    'Date: Tue, 05 Mar 2024 09:15:00 +0100',
    `Message-ID: <${subject.length}.${body.length}@fabrikam.example>`,
    'MIME-Version: 1.0',
  ];
  if (!attachment) return Buffer.from([...lines, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', body, ''].join('\r\n'), 'utf8');
  return Buffer.from(
    [
      ...lines,
      'Content-Type: multipart/mixed; boundary="xyz"',
      '',
      '--xyz',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      body,
      '--xyz',
      `Content-Type: application/octet-stream; name="${attachment.name}"`,
      `Content-Disposition: attachment; filename="${attachment.name}"`,
      'Content-Transfer-Encoding: base64',
      '',
      attachment.bytes.toString('base64').replace(/.{76}/g, '$&\r\n'),
      '--xyz--',
      '',
    ].join('\r\n'),
    'utf8',
  );
}

function holdfast(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin/holdfast.js'), ...args], { cwd: REPO, encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('exchange (simulated Outlook through the official Graph SDK)', () => {
  let sim: RunningSimulator;
  let client: Client;
  let upn: string;
  let other: string;
  let tenant: string;

  beforeAll(async () => {
    sim = await startSimulator({ users: 4, messagesPerUser: 150, modules: ['exchange'], throttle: 'off', seed: 7 });
    client = simulatorGraphClient(sim);
    const users = await client.api('/users').select('id,userPrincipalName').get();
    upn = users.value[1].userPrincipalName;
    other = users.value[2].userPrincipalName;
    tenant = sim.tenantId;
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
  });

  it('serves the folder tree with well-known names, nesting, counts and hidden folders', async () => {
    const visible = (await client.api(`/users/${upn}/mailFolders`).top(100).get()).value;
    const withHidden = (await client.api(`/users/${upn}/mailFolders`).query({ includeHiddenFolders: 'true' }).top(100).get()).value;
    const names = visible.map((f: any) => f.displayName);
    expect(names).toEqual(expect.arrayContaining(['Inbox', 'Sent Items', 'Drafts', 'Deleted Items', 'Junk Email', 'Archive', 'Outbox']));
    expect(visible.every((f: any) => f.isHidden === false)).toBe(true);
    const hidden = withHidden.filter((f: any) => f.isHidden);
    expect(hidden.length).toBeGreaterThan(0);
    expect(withHidden.length).toBe(visible.length + hidden.length);

    const inbox = await client.api(`/users/${upn}/mailFolders/inbox`).get();
    expect(inbox.displayName).toBe('Inbox');
    const byId = await client.api(`/users/${upn}/mailFolders/${inbox.id}`).get();
    expect(byId.id).toBe(inbox.id);
    const children = (await client.api(`/users/${upn}/mailFolders/inbox/childFolders`).get()).value;
    expect(children.length).toBe(inbox.childFolderCount);
    for (const c of children) expect(c.parentFolderId).toBe(inbox.id);

    const deletions = await client.api(`/users/${upn}/mailFolders/recoverableitemsdeletions`).get();
    expect(deletions.isHidden).toBe(true);

    // the flat delta list holds every folder, including nested and hidden ones
    const flat = await allPages(client, `/users/${upn}/mailFolders/delta`);
    expect(flat.deltaLink).toBeDefined();
    const ids = new Set(flat.items.map((f: any) => f.id));
    for (const c of [...withHidden, ...children]) expect(ids.has(c.id)).toBe(true);
  });

  it('pages a folder completely with $top, $select and a receivedDateTime filter', async () => {
    const inbox = await client.api(`/users/${upn}/mailFolders/inbox`).get();
    const all = await allPages(client, `/users/${upn}/mailFolders/inbox/messages?$top=7&$select=subject,receivedDateTime,isRead`);
    expect(all.pages).toBeGreaterThan(3);
    expect(all.items.length).toBe(inbox.totalItemCount);
    expect(new Set(all.items.map((m: any) => m.id)).size).toBe(all.items.length);
    expect(all.items.filter((m: any) => !m.isRead).length).toBe(inbox.unreadItemCount);
    expect(Object.keys(all.items[0]).sort()).toEqual(['@odata.etag', 'id', 'isRead', 'receivedDateTime', 'subject']);
    // newest first
    const dates = all.items.map((m: any) => m.receivedDateTime);
    expect([...dates].sort().reverse()).toEqual(dates);

    const cut = dates[Math.floor(dates.length / 2)];
    const recent = await allPages(client, `/users/${upn}/mailFolders/inbox/messages?$filter=receivedDateTime ge ${cut}&$top=50`);
    expect(recent.items.length).toBe(dates.filter((d: string) => d >= cut).length);
  });

  it('imports .eml files with the CLI (running simulator) and $value returns the exact bytes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'eml-'));
    try {
      const files = [
        eml('Überprüfung 会議 🚀', 'Grüße aus Köln — ünïcödé body\r\n'),
        eml('With attachment', 'see attached', { name: 'data.bin', bytes: Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251)) }),
      ];
      files.forEach((b, i) => writeFileSync(path.join(dir, `m${i}.eml`), b));
      const r = holdfast(['sim', 'import-eml', '--state-dir', sim.stateDir, '--user', other, '--folder', 'Inbox/Projects/2024', dir]);
      expect(r.stderr).not.toMatch(/Error/);
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
      expect(out).toMatchObject({ imported: 2, online: true });

      const projects = (await client.api(`/users/${other}/mailFolders/inbox/childFolders`).top(100).get()).value.find((f: any) => f.displayName === 'Projects');
      const y2024 = (await client.api(`/users/${other}/mailFolders/${projects.id}/childFolders`).get()).value.find((f: any) => f.displayName === '2024');
      const msgs = (await client.api(`/users/${other}/mailFolders/${y2024.id}/messages`).get()).value;
      expect(msgs.map((m: any) => m.subject).sort()).toEqual(['With attachment', 'Überprüfung 会議 🚀']);
      for (const m of msgs) {
        const bytes = Buffer.from(await client.api(`/users/${other}/messages/${m.id}/$value`).responseType(ResponseType.ARRAYBUFFER).get());
        const original = m.subject === 'With attachment' ? files[1] : files[0];
        expect(bytes.equals(original)).toBe(true);
        expect(m.isDraft).toBe(false);
        expect(m.from.emailAddress).toEqual({ name: 'Jürgen Müller', address: 'juergen@fabrikam.example' });
        expect(m.sentDateTime).toBe('2024-03-05T08:15:00Z');
      }
      const withAtt = msgs.find((m: any) => m.subject === 'With attachment');
      expect(withAtt.hasAttachments).toBe(true);
      const atts = (await client.api(`/users/${other}/messages/${withAtt.id}/attachments`).get()).value;
      expect(atts[0]).toMatchObject({ '@odata.type': '#microsoft.graph.fileAttachment', name: 'data.bin', size: 5000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports delta changes after user mutations, keeps immutable ids across moves, and expires tokens', async () => {
    const prefer = 'odata.maxpagesize=25';
    const initial = await allPages(client, `/users/${upn}/mailFolders/inbox/messages/delta?$select=subject,isRead,parentFolderId`, prefer);
    expect(initial.pages).toBeGreaterThan(1);
    expect(initial.deltaLink).toBeDefined();
    const known = initial.items;
    expect(Object.keys(known[0])).toEqual(expect.arrayContaining(['id', 'subject', 'isRead']));
    expect(known[0].body).toBeUndefined();

    // immutable id of the message we will move
    const toMove = known[0];
    const toDelete = known[1];
    const toRead = known.find((m: any) => !m.isRead && m.id !== toMove.id && m.id !== toDelete.id);
    const immutable = await client.api(`/users/${upn}/messages/${toMove.id}`).header('Prefer', 'IdType="ImmutableId"').select('id').get();
    expect(immutable.id).not.toBe(toMove.id);

    const archiveCreated = await allPages(client, `/users/${upn}/mailFolders/archive/messages/delta?changeType=created&$select=subject`);
    const inboxDeleted = await allPages(client, `/users/${upn}/mailFolders/inbox/messages/delta?changeType=deleted&$select=subject`);

    const arrived = await sim.control('POST', `/tenants/${tenant}/mutations/exchange.newMail`, { user: upn, count: 2, subject: 'Fresh news' });
    const moved = await sim.control('POST', `/tenants/${tenant}/mutations/exchange.moveMessage`, { user: upn, messageId: toMove.id, toFolder: 'archive' });
    // changed again after the move: still a creation for the archive's changeType=created round
    await sim.control('POST', `/tenants/${tenant}/mutations/exchange.editMessage`, { user: upn, messageId: moved.id, flagStatus: 'flagged' });
    await sim.control('POST', `/tenants/${tenant}/mutations/exchange.deleteMessage`, { user: upn, messageId: toDelete.id, permanent: true });
    await sim.control('POST', `/tenants/${tenant}/mutations/exchange.editMessage`, { user: upn, messageId: toRead.id, isRead: true });

    const round = await allPages(client, initial.deltaLink!);
    const byId = new Map<string, any>();
    for (const m of round.items) byId.set(m.id, m);
    for (const m of arrived.messages) expect(byId.get(m.id)?.subject).toBe('Fresh news');
    expect(byId.get(toMove.id)?.['@removed']).toEqual({ reason: 'changed' });
    expect(byId.get(toDelete.id)?.['@removed']).toEqual({ reason: 'deleted' });
    expect(byId.get(toRead.id)?.isRead).toBe(true);
    expect(round.deltaLink).toBeDefined();

    // default ids change on move (the old one is gone); immutable ids do not
    expect(moved.id).not.toBe(toMove.id);
    expect((await graphError(client.api(`/users/${upn}/messages/${toMove.id}`).get())).statusCode).toBe(404);
    const again = await client.api(`/users/${upn}/messages/${immutable.id}`).header('Prefer', 'IdType="ImmutableId"').get();
    expect(again.id).toBe(immutable.id);
    expect(again.parentFolderId).toBe((await client.api(`/users/${upn}/mailFolders/archive`).get()).id);

    // changeType narrows later rounds: the archive sees only the arrival, the inbox only removals
    const created = (await allPages(client, archiveCreated.deltaLink!)).items;
    expect(created.map((m: any) => m.id)).toEqual([moved.id]);
    const removals = (await allPages(client, inboxDeleted.deltaLink!)).items;
    expect(removals.map((m: any) => m.id).sort()).toEqual([toMove.id, toDelete.id].sort());
    expect(removals.every((m: any) => m['@removed'])).toBe(true);

    await sim.control('POST', '/delta/expire', { tenant: 'contoso', prefix: 'mail:' });
    const err = await graphError(client.api(round.deltaLink!).get());
    expect(err.statusCode).toBe(410);
    expect(err.code).toBe('syncStateNotFound');
  });

  it('serves attachments and takes a 5 MB attachment through an upload session without a token', async () => {
    // a seeded message with attachments: contentBytes and $value agree
    const page = await client.api(`/users/${upn}/messages`).filter('hasAttachments eq true').select('id,hasAttachments').top(20).get();
    const seeded = page.value[0];
    const list = (await client.api(`/users/${upn}/messages/${seeded.id}/attachments`).get()).value;
    const file = list.find((a: any) => a['@odata.type'] === '#microsoft.graph.fileAttachment' || a['@odata.type'] === '#microsoft.graph.itemAttachment');
    expect(file).toBeDefined();
    const raw = Buffer.from(await client.api(`/users/${upn}/messages/${seeded.id}/attachments/${file.id}/$value`).responseType(ResponseType.ARRAYBUFFER).get());
    expect(raw.length).toBe(file.size);
    if (file.contentBytes) expect(Buffer.from(file.contentBytes, 'base64').equals(raw)).toBe(true);
    const expanded = await client.api(`/users/${upn}/messages/${seeded.id}`).select('subject').expand('attachments').get();
    expect(expanded.attachments.map((a: any) => a.id)).toEqual(list.map((a: any) => a.id));

    const draft = await client.api(`/users/${upn}/messages`).post({ subject: 'Restore with big attachment', body: { contentType: 'text', content: 'hi' } });
    expect(draft.isDraft).toBe(true);
    const small = Buffer.from('small file ✓');
    const smallAtt = await client.api(`/users/${upn}/messages/${draft.id}/attachments`).post({ '@odata.type': '#microsoft.graph.fileAttachment', name: 'small.txt', contentType: 'text/plain', contentBytes: small.toString('base64') });
    expect(smallAtt.size).toBe(small.length);
    const tooBig = await graphError(client.api(`/users/${upn}/messages/${draft.id}/attachments`).post({ '@odata.type': '#microsoft.graph.fileAttachment', name: 'big.bin', contentBytes: Buffer.alloc(3 * 1024 * 1024 + 10).toString('base64') }));
    expect(tooBig.statusCode).toBe(413);

    const big = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 10)) & 0xff;
    const session = await client.api(`/users/${upn}/messages/${draft.id}/attachments/createUploadSession`).post({ AttachmentItem: { attachmentType: 'file', name: 'big.bin', size: big.length } });
    expect(new URL(session.uploadUrl).host).not.toBe(new URL(sim.graphBaseUrl).host);
    expect(session.nextExpectedRanges).toEqual(['0-']);
    // a bearer token on the pre-authenticated URL is refused
    const withToken = await simRequest(session.uploadUrl, sim.caPem, { method: 'PUT', headers: { Authorization: 'Bearer x', 'Content-Range': `bytes 0-9/${big.length}` }, body: big.subarray(0, 10) });
    expect(withToken.status).toBe(401);
    const chunk = 2 * 1024 * 1024;
    let last;
    for (let off = 0; off < big.length; off += chunk) {
      const end = Math.min(big.length, off + chunk) - 1;
      last = await simRequest(session.uploadUrl, sim.caPem, { method: 'PUT', headers: { 'Content-Range': `bytes ${off}-${end}/${big.length}`, 'Content-Length': String(end - off + 1) }, body: big.subarray(off, end + 1) });
      if (end + 1 < big.length) {
        expect(last.status).toBe(200);
        expect(last.json().nextExpectedRanges).toEqual([`${end + 1}-`]);
      }
    }
    expect(last!.status).toBe(201);
    const atts = (await client.api(`/users/${upn}/messages/${draft.id}/attachments`).select('name,size').get()).value;
    const uploaded = atts.find((a: any) => a.name === 'big.bin');
    expect(uploaded.size).toBe(big.length);
    const back = Buffer.from(await client.api(`/users/${upn}/messages/${draft.id}/attachments/${uploaded.id}/$value`).responseType(ResponseType.ARRAYBUFFER).get());
    expect(back.equals(big)).toBe(true);
  });

  it('restores: folder (409 on duplicates), MIME message made non-draft with flags, contact and recurring event', async () => {
    const folder = await client.api(`/users/${other}/mailFolders`).post({ displayName: 'Restored 2024 ✓' });
    expect(folder.displayName).toBe('Restored 2024 ✓');
    const dup = await graphError(client.api(`/users/${other}/mailFolders`).post({ displayName: 'restored 2024 ✓' }));
    expect(dup.statusCode).toBe(409);
    expect(dup.code).toBe('ErrorFolderExists');
    const child = await client.api(`/users/${other}/mailFolders/${folder.id}/childFolders`).post({ displayName: 'Sub' });
    expect(child.parentFolderId).toBe(folder.id);
    // deleting a folder moves it to Deleted Items; deleting it there purges it (and folder delta says so)
    const folders = await allPages(client, `/users/${other}/mailFolders/delta`);
    await client.api(`/users/${other}/mailFolders/${child.id}`).delete();
    expect((await client.api(`/users/${other}/mailFolders/${child.id}`).get()).parentFolderId).toBe((await client.api(`/users/${other}/mailFolders/deleteditems`).get()).id);
    await client.api(`/users/${other}/mailFolders/${child.id}`).delete();
    expect((await graphError(client.api(`/users/${other}/mailFolders/${child.id}`).get())).statusCode).toBe(404);
    expect((await graphError(client.api(`/users/${other}/mailFolders/inbox`).delete())).statusCode).toBe(403);
    const folderChanges = await allPages(client, folders.deltaLink!);
    expect(folderChanges.items.find((f: any) => f.id === child.id)).toEqual({ id: child.id, '@removed': { reason: 'deleted' } });

    const bad = await graphError(client.api(`/users/${other}/mailFolders/${folder.id}/messages`).header('Content-Type', 'text/plain').post('this is not base64!'));
    expect(bad.statusCode).toBe(400);
    expect(bad.code).toBe('ErrorMimeContentInvalidBase64String');

    const mime = eml('Restored message', 'Body ✓');
    const created = await client.api(`/users/${other}/mailFolders/${folder.id}/messages`).header('Content-Type', 'text/plain').post(mime.toString('base64'));
    expect(created.isDraft).toBe(true);
    expect(created.subject).toBe('Restored message');
    const patched = await client.api(`/users/${other}/messages/${created.id}`).patch({
      singleValueExtendedProperties: [{ id: 'Integer 0x0E07', value: '1' }],
      flag: { flagStatus: 'flagged' },
      categories: ['Blue category'],
      isRead: false,
    });
    expect(patched).toMatchObject({ isDraft: false, isRead: false, flag: { flagStatus: 'flagged' }, categories: ['Blue category'] });
    const withProps = await client.api(`/users/${other}/messages/${created.id}`).expand("singleValueExtendedProperties($filter=id eq 'Integer 0x0E07')").get();
    expect(withProps.singleValueExtendedProperties).toEqual([{ id: 'Integer 0x0E07', value: '0' }]);
    const bytes = Buffer.from(await client.api(`/users/${other}/messages/${created.id}/$value`).responseType(ResponseType.ARRAYBUFFER).get());
    expect(bytes.equals(mime)).toBe(true);

    // JSON create with the flags set up front is not a draft either
    const json = await client.api(`/users/${other}/mailFolders/${folder.id}/messages`).post({
      subject: 'From JSON', body: { contentType: 'html', content: '<p>hi</p>' }, singleValueExtendedProperties: [{ id: 'Integer 0x0E07', value: '1' }],
    });
    expect(json).toMatchObject({ isDraft: false, isRead: true });

    const contact = await client.api(`/users/${other}/contacts`).post({ givenName: 'Zoë', surname: 'Ångström', emailAddresses: [{ name: 'Zoë', address: 'zoe@example.org' }] });
    expect(contact.displayName).toBe('Zoë Ångström');
    expect((await client.api(`/users/${other}/contacts/${contact.id}`).get()).emailAddresses[0].address).toBe('zoe@example.org');

    const event = await client.api(`/users/${other}/events`).post({
      subject: 'Restored series',
      start: { dateTime: '2026-03-02T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-03-02T10:30:00', timeZone: 'UTC' },
      recurrence: { pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'wednesday'] }, range: { type: 'numbered', startDate: '2026-03-02', numberOfOccurrences: 4 } },
    });
    expect(event.type).toBe('seriesMaster');
    const view = (await client.api(`/users/${other}/calendarView`).query({ startDateTime: '2026-03-01T00:00:00Z', endDateTime: '2026-03-31T00:00:00Z' }).top(100).get()).value;
    const mine = view.filter((e: any) => e.seriesMasterId === event.id);
    expect(mine.map((e: any) => e.start.dateTime.slice(0, 10))).toEqual(['2026-03-02', '2026-03-04', '2026-03-09', '2026-03-11']);
  });

  it('answers 403 without the Mail, Contacts or Calendars permissions', async () => {
    const graphSp = (await client.api('/servicePrincipals').filter(`appId eq '${GRAPH_APP_ID}'`).get()).value[0];
    const mailRead = graphSp.appRoles.find((r: any) => r.value === 'Mail.Read');
    const app = await client.api('/applications').post({ displayName: 'read-only mail', signInAudience: 'AzureADMyOrg' });
    const secret = await client.api(`/applications/${app.id}/addPassword`).post({ passwordCredential: { displayName: 't' } });
    const sp = await client.api('/servicePrincipals').post({ appId: app.appId });
    await client.api(`/servicePrincipals/${graphSp.id}/appRoleAssignedTo`).post({ principalId: sp.id, resourceId: graphSp.id, appRoleId: mailRead.id });
    const credential = new ClientSecretCredential(sim.tenantId, app.appId, secret.secretText, simulatorIdentityOptions(sim) as never);
    const limited = simulatorGraphClient(sim, { credential });

    const msgs = await limited.api(`/users/${upn}/mailFolders/inbox/messages`).top(1).get();
    expect(msgs.value.length).toBe(1);
    const patch = await graphError(limited.api(`/users/${upn}/messages/${msgs.value[0].id}`).patch({ isRead: true }));
    expect(patch.statusCode).toBe(403);
    expect(patch.code).toBe('ErrorAccessDenied');
    expect((await graphError(limited.api(`/users/${upn}/contacts`).get())).statusCode).toBe(403);
    expect((await graphError(limited.api(`/users/${upn}/calendars`).get())).statusCode).toBe(403);
    expect((await graphError(limited.api(`/users/${upn}/mailFolders`).post({ displayName: 'x' }))).statusCode).toBe(403);
  });

  it('calendarView delta expands a recurring series with its exception and follows series changes', async () => {
    const w = 'startDateTime=2026-01-01T00:00:00Z&endDateTime=2026-02-01T00:00:00Z';
    const initial = await allPages(client, `/users/${upn}/calendarView/delta?${w}`, 'odata.maxpagesize=10');
    const standup = initial.items.filter((e: any) => e.subject?.startsWith('Daily stand-up'));
    const days = standup.map((e: any) => e.start.dateTime.slice(0, 10)).sort();
    expect(days).toContain('2026-01-05');
    expect(days).not.toContain('2026-01-16'); // cancelled occurrence
    expect(days).not.toContain('2026-01-10'); // a Saturday
    const exception = standup.find((e: any) => e.type === 'exception');
    expect(exception).toMatchObject({ subject: 'Daily stand-up (verschoben)', start: { dateTime: '2026-01-14T10:00:00.0000000', timeZone: 'UTC' } });
    expect(standup.filter((e: any) => e.type === 'occurrence').length).toBeGreaterThan(15);
    expect(new Set(standup.map((e: any) => e.seriesMasterId)).size).toBe(1);
    expect(initial.items.some((e: any) => e.type === 'seriesMaster')).toBe(false);
    const masters = (await client.api(`/users/${upn}/calendar/events`).top(100).get()).value.filter((e: any) => e.type === 'seriesMaster');
    expect(masters.find((e: any) => e.id === standup[0].seriesMasterId)?.recurrence.pattern).toMatchObject({ type: 'weekly', daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] });
    const rejected = await graphError(client.api(`/users/${upn}/calendarView/delta?${w}&$select=subject`).get());
    expect(rejected.statusCode).toBe(400);

    const created = await sim.control('POST', `/tenants/${tenant}/mutations/exchange.createEvent`, {
      user: upn,
      event: { subject: 'New daily', start: { dateTime: '2026-01-20T08:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-01-20T08:15:00', timeZone: 'UTC' }, recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'numbered', startDate: '2026-01-20', numberOfOccurrences: 3 } } },
    });
    const seriesId = standup[0].seriesMasterId;
    await sim.control('POST', `/tenants/${tenant}/mutations/exchange.deleteEvent`, { user: upn, eventId: seriesId });
    const next = await allPages(client, initial.deltaLink!);
    const added = next.items.filter((e: any) => e.subject === 'New daily');
    expect(added.map((e: any) => e.start.dateTime.slice(0, 10))).toEqual(['2026-01-20', '2026-01-21', '2026-01-22']);
    expect(added.every((e: any) => e.seriesMasterId === created.id && e.type === 'occurrence')).toBe(true);
    const removed = new Set(next.items.filter((e: any) => e['@removed']).map((e: any) => e.id));
    for (const e of standup) expect(removed.has(e.id)).toBe(true);
  });
});

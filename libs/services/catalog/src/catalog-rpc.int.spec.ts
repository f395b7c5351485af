import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CATALOG_RPC, CATALOG_SERVICE } from '@holdfast/contracts';
import { LocalBackend, Repository } from '@holdfast/repository';
import { bootServices, type RunningServices } from '@holdfast/service-kit';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { CatalogIndexer } from './catalog-indexer.service';
import { catalogService } from './catalog-service.module';

jest.setTimeout(60_000);

const MIME = Buffer.from(
  'Message-ID: <r1@contoso.com>\r\nFrom: "Ann" <ann@contoso.com>\r\nTo: bob@contoso.com\r\nSubject: Giraffe plans\r\nDate: Tue, 04 Mar 2025 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n<p onclick="x()">The giraffe <img src="https://t.example/p.gif"></p><script>bad()</script>\r\n',
);

describe('catalog over request/reply', () => {
  let db: TestDatabase;
  let running: RunningServices | undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'hf-catalog-rpc-'));
  let pointId: string;

  beforeAll(async () => {
    db = await createTestDatabase('hf_catalog_rpc');
    const repo = await Repository.init(new LocalBackend(dir), { password: 'test-password', scrypt: { N: 1024, r: 8, p: 1 } });
    const t = await repo.openTenant('msp-a', { write: true });
    const put = await t.putMail(MIME);
    pointId = (
      await t.writeManifest(
        [
          { kind: 'folder', id: 'f1', displayName: 'Inbox' },
          { kind: 'mail', id: 'g1', folderId: 'f1', content: put.ref, size: put.size, isRead: true, flag: { flagStatus: 'notFlagged' }, categories: [], importance: 'normal', isDraft: false },
        ],
        { labels: { kind: 'mailbox', mailbox: 'bob@contoso.com' } },
      )
    ).id;
    await t.close();
    await repo.close();
    running = await bootServices({
      services: [catalogService],
      env: { DATABASE_URL: db.url, HOST: '127.0.0.1', PORT: '0', HOLDFAST_LOG_LEVEL: 'silent', HOLDFAST_REPOSITORY: `file://${dir}`, HOLDFAST_REPOSITORY_PASSWORD: 'test-password' },
    });
    await running.app.get(CatalogIndexer).onRecoveryPointCreated('msp-a', {
      recoveryPointId: pointId,
      organizationId: '44444444-4444-4444-8444-444444444444',
      objectId: 'obj-bob',
      objectKind: 'mailbox',
      repository: dir,
      pointTime: '2025-03-05T00:00:00.000Z',
      counts: { items: 1, added: 1, changed: 0, removed: 0, skipped: 0 },
      bytes: 1,
      fullEnumeration: true,
    });
  });
  afterAll(async () => {
    await running?.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const ask = <T>(method: string, payload: unknown, tenantId = 'msp-a') => running!.platform.bus.bus.request<T>(CATALOG_SERVICE, method, payload, { tenantId, timeoutMs: 20_000 });

  it('browses, searches and previews for the caller tenant only', async () => {
    const boxes = await ask<{ mailboxes: { mailbox: string }[] }>(CATALOG_RPC.mailboxes, {});
    expect(boxes.mailboxes.map((m) => m.mailbox)).toEqual(['bob@contoso.com']);
    expect((await ask<{ mailboxes: unknown[] }>(CATALOG_RPC.mailboxes, {}, 'msp-other')).mailboxes).toEqual([]);
    const folders = await ask<{ folders: { path: string }[] }>(CATALOG_RPC.folders, { objectId: 'obj-bob' });
    expect(folders.folders.map((f) => f.path)).toEqual(['Inbox']);
    const found = await ask<{ items: { id: string; itemId: string }[] }>(CATALOG_RPC.search, { objectId: 'obj-bob', text: 'giraf' });
    expect(found.items.map((i) => i.itemId)).toEqual(['g1']);
    const preview = await ask<{ subject: string; html: string; blockedRemoteContent: number }>(CATALOG_RPC.preview, { id: found.items[0].id });
    expect(preview.subject).toBe('Giraffe plans');
    expect(preview.html).toContain('The giraffe');
    expect(preview.html).not.toMatch(/onclick|script|t\.example/);
    expect(preview.blockedRemoteContent).toBe(1);
    await expect(ask(CATALOG_RPC.preview, { id: found.items[0].id }, 'msp-other')).rejects.toMatchObject({ code: 'not_found' });
    await expect(ask(CATALOG_RPC.points, {})).rejects.toMatchObject({ code: 'validation_failed' });
  });
});

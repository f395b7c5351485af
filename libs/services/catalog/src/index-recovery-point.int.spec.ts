import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runMigrations } from '@holdfast/event-store';
import { LocalBackend, Repository, type TenantRepository } from '@holdfast/repository';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { Pool } from 'pg';
import { CatalogIndexRepository } from './catalog-index.repository';
import { catalogMigrations } from './catalog.migrations';
import { CatalogQueryRepository } from './catalog-query.repository';
import { indexRecoveryPoint } from './index-recovery-point.usecase';
import { CatalogIndexer } from './catalog-indexer.service';
import type { CatalogConfig } from './catalog.config';
import type { MessageBus } from '@holdfast/messaging';

jest.setTimeout(60_000);

function mime(n: number, extra = ''): Buffer {
  const boundary = `b${n}`;
  return Buffer.from(
    [
      `Message-ID: <m${n}@fabrikam.com>`,
      'Date: Tue, 04 Mar 2025 10:00:00 +0000',
      'From: "Fay Fabrikam" <fay@fabrikam.com>',
      'To: "Bob" <bob@contoso.com>',
      'Cc: carol@contoso.com',
      `Subject: Quarterly report ${n}`,
      'MIME-Version: 1.0',
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      '',
      `<html><body><p>Figures for the <b>zanzibar</b> project ${extra}</p><script>evil()</script></body></html>`,
      `--${boundary}`,
      'Content-Type: application/pdf; name="report-q1.pdf"',
      'Content-Disposition: attachment; filename="report-q1.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('%PDF-1.4 fake').toString('base64'),
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  );
}

describe('indexing a recovery point from the repository', () => {
  let db: TestDatabase;
  let pool: Pool;
  let repo: Repository;
  let tenant: TenantRepository;
  const dir = mkdtempSync(path.join(tmpdir(), 'hf-cat-repo-'));

  beforeAll(async () => {
    db = await createTestDatabase('hf_catalog_repo');
    await runMigrations(db.url, { module: 'catalog', migrations: catalogMigrations });
    pool = new Pool({ connectionString: db.url, max: 2 });
    repo = await Repository.init(new LocalBackend(dir), { password: 'pw', scrypt: { N: 1024, r: 8, p: 1 } });
    tenant = await repo.openTenant('msp-a', { write: true });
  });
  afterAll(async () => {
    await tenant.close();
    await pool.end();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('indexes folders, MIME fields, contacts and events in the shape the backup worker writes', async () => {
    const m1 = await tenant.putMail(mime(1));
    const contact = await tenant.putBlob(Buffer.from(JSON.stringify({ id: 'c1', displayName: 'Gina Garcia', emailAddresses: [{ name: 'Gina', address: 'gina@tailspin.com' }], companyName: 'Tailspin' })));
    const event = await tenant.putBlob(Buffer.from(JSON.stringify({ id: 'e1', subject: 'Board meeting', start: { dateTime: '2025-05-01T09:00:00.0000000', timeZone: 'UTC' }, organizer: { emailAddress: { address: 'ceo@contoso.com' } } })));
    const entries = [
      { kind: 'mail', id: 'msg1', folderId: 'f-sub', content: m1.ref, size: m1.size, isRead: true, flag: { flagStatus: 'flagged' }, categories: ['Red'], importance: 'high', isDraft: false, subject: 'Quarterly report 1', receivedDateTime: '2025-03-04T10:00:05Z' },
      { kind: 'folder', id: 'f-inbox', displayName: 'Inbox', parentFolderId: 'root' },
      { kind: 'folder', id: 'f-sub', displayName: 'Reports/2025', parentFolderId: 'f-inbox' },
      { kind: 'contact', id: 'c1', content: contact.ref, displayName: 'Gina Garcia' },
      { kind: 'event', id: 'e1', content: event.ref, subject: 'Board meeting' },
    ];
    const info = await tenant.writeManifest(entries, { labels: { kind: 'mailbox', mailbox: 'bob@contoso.com' } });
    const index = new CatalogIndexRepository(pool);
    const query = new CatalogQueryRepository(pool);
    const point = { tenantId: 'msp-a', organizationId: 'org-1', objectId: 'obj-bob', mailbox: 'bob@contoso.com', pointId: info.id, pointTime: '2025-06-01T00:00:00Z' };
    const result = await indexRecoveryPoint(tenant, index, point);
    expect(result).toMatchObject({ indexed: true, items: 3 });

    const tree = await query.folderTree('msp-a', { objectId: 'obj-bob' });
    expect(tree.map((f) => f.path)).toEqual(['Calendar', 'Contacts', 'Inbox', 'Inbox/Reports%2F2025']);
    const found = await query.search('msp-a', { objectId: 'obj-bob', text: 'zanzib' });
    expect(found.items.map((i) => i.itemId)).toEqual(['msg1']);
    const detail = await query.getItem('msp-a', found.items[0].id);
    expect(detail).toMatchObject({
      from: 'Fay Fabrikam <fay@fabrikam.com>',
      recipients: ['Bob <bob@contoso.com>', 'carol@contoso.com'],
      attachmentNames: ['report-q1.pdf'],
      hasAttachments: true,
      contentRef: m1.ref,
      internetMessageId: '<m1@fabrikam.com>',
      receivedAt: '2025-03-04T10:00:05.000Z',
      restore: { isRead: true, flag: { flagStatus: 'flagged' }, categories: ['Red'], importance: 'high', folderId: 'f-sub' },
    });
    expect((await query.search('msp-a', { objectId: 'obj-bob', text: 'evil' })).items).toEqual([]);
    expect((await query.search('msp-a', { objectId: 'obj-bob', to: 'tailspin' })).items.map((i) => i.itemType)).toEqual(['contact']);
    expect((await query.search('msp-a', { objectId: 'obj-bob', itemType: 'event' })).items[0]).toMatchObject({ subject: 'Board meeting', from: 'ceo@contoso.com' });

    // the next point carries the message over unchanged: one row, range extended
    const info2 = await tenant.writeManifest(entries, { labels: { kind: 'mailbox', mailbox: 'bob@contoso.com' } });
    await indexRecoveryPoint(tenant, index, { ...point, pointId: info2.id, pointTime: '2025-06-02T00:00:00Z' });
    const rows = await pool.query(`SELECT count(*)::int AS n FROM catalog.items WHERE object_id = 'obj-bob'`);
    expect(rows.rows[0].n).toBe(3);
    expect(await indexRecoveryPoint(tenant, index, { ...point, pointId: info2.id, pointTime: '2025-06-02T00:00:00Z' })).toMatchObject({ indexed: false });
  });

  it('indexes a point when told RecoveryPointCreated, naming the mailbox from the manifest label, and forgets it when expired', async () => {
    const m = await tenant.putMail(mime(7, 'okapi'));
    const info = await tenant.writeManifest(
      [
        { kind: 'folder', id: 'f-inbox', displayName: 'Inbox' },
        { kind: 'mail', id: 'msg7', folderId: 'f-inbox', content: m.ref, size: m.size, isRead: false, flag: { flagStatus: 'notFlagged' }, categories: [], importance: 'normal', isDraft: false },
      ],
      { labels: { kind: 'mailbox', mailbox: 'dana@contoso.com' } },
    );
    await tenant.flush();
    const config = { HOLDFAST_REPOSITORY: dir, HOLDFAST_REPOSITORY_PASSWORD: 'pw' } as unknown as CatalogConfig;
    const indexer = new CatalogIndexer(pool, {} as MessageBus, config);
    try {
      const r = await indexer.onRecoveryPointCreated('msp-a', {
        recoveryPointId: info.id,
        organizationId: '33333333-3333-4333-8333-333333333333',
        objectId: 'obj-dana',
        objectKind: 'mailbox',
        repository: dir,
        pointTime: '2025-07-01T00:00:00.000Z',
        counts: { items: 1, added: 1, changed: 0, removed: 0, skipped: 0 },
        bytes: 1,
        fullEnumeration: true,
      });
      expect(r).toMatchObject({ indexed: true, items: 1 });
      const query = new CatalogQueryRepository(pool);
      expect(await query.findMailbox('msp-a', undefined, 'dana@contoso.com')).toMatchObject({ objectId: 'obj-dana' });
      expect((await query.search('msp-a', { objectId: 'obj-dana', text: 'okap' })).items.map((i) => i.itemId)).toEqual(['msg7']);
      expect(await indexer.index.forgetPoint('msp-a', info.id)).toBe(true);
      expect((await query.search('msp-a', { objectId: 'obj-dana', text: 'okap' })).items).toEqual([]);
    } finally {
      await indexer.onApplicationShutdown();
    }
  });
});

import { runMigrations } from '@holdfast/event-store';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { Pool } from 'pg';
import type { CatalogItemInput, CatalogPointInput } from './catalog-item';
import { CatalogIndexRepository } from './catalog-index.repository';
import { catalogMigrations } from './catalog.migrations';
import { CatalogQueryRepository } from './catalog-query.repository';

jest.setTimeout(60_000);

const ORG = '11111111-1111-4111-8111-111111111111';
const ORG2 = '22222222-2222-4222-8222-222222222222';

function point(objectId: string, n: number, over: Partial<CatalogPointInput> = {}): CatalogPointInput {
  return {
    tenantId: 'msp-a',
    organizationId: ORG,
    objectId,
    mailbox: `${objectId}@contoso.com`,
    pointId: `${objectId}-p${n}`,
    pointTime: new Date(Date.UTC(2026, 0, n, 12)).toISOString(),
    ...over,
  };
}

function msg(itemId: string, over: Partial<CatalogItemInput> = {}): CatalogItemInput {
  return {
    itemId,
    itemType: 'message',
    folderPath: 'Inbox',
    subject: `Subject ${itemId}`,
    from: 'Alice <alice@contoso.com>',
    to: ['bob@contoso.com'],
    receivedAt: '2025-12-01T10:00:00Z',
    size: 1000,
    bodyText: `body of ${itemId}`,
    contentRef: `m:${itemId}`,
    restore: { isRead: true, categories: ['Blue'] },
    ...over,
  };
}

describe('catalog index and queries (Postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let index: CatalogIndexRepository;
  let query: CatalogQueryRepository;

  beforeAll(async () => {
    db = await createTestDatabase('hf_catalog_idx');
    await runMigrations(db.url, { module: 'catalog', migrations: catalogMigrations });
    pool = new Pool({ connectionString: db.url, max: 4 });
    index = new CatalogIndexRepository(pool);
    query = new CatalogQueryRepository(pool);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  async function rows(objectId: string) {
    const r = await pool.query(
      `SELECT item_id, subject, first_time, last_time FROM catalog.items WHERE tenant_id = 'msp-a' AND object_id = $1 ORDER BY item_id, first_time`,
      [objectId],
    );
    return r.rows.map((x) => `${x.item_id}:${x.subject}:${(x.first_time as Date).getUTCDate()}-${(x.last_time as Date).getUTCDate()}`);
  }

  // point 1: a, b, c; point 2: a, b changed, c; point 3: a, b changed (c deleted); point 4: a, c restored
  const history: CatalogItemInput[][] = [
    [msg('a'), msg('b'), msg('c')],
    [msg('a'), msg('b', { subject: 'Subject b v2' }), msg('c')],
    [msg('a'), msg('b', { subject: 'Subject b v2' })],
    [msg('a'), msg('c')],
  ];
  const expected = ['a:Subject a:1-4', 'b:Subject b:1-1', 'b:Subject b v2:2-3', 'c:Subject c:1-2', 'c:Subject c:4-4'];

  it('stores an unchanged item once with the range of points it lives in', async () => {
    for (let n = 1; n <= 4; n++) await index.indexPoint(point('mbx1', n), history[n - 1]);
    expect(await rows('mbx1')).toEqual(expected);
    const p2 = await query.listItems('msp-a', { objectId: 'mbx1', pointId: 'mbx1-p2', folderPath: 'Inbox', sort: 'subject' });
    expect(p2.items.map((i) => i.subject)).toEqual(['Subject a', 'Subject b v2', 'Subject c']);
    const p3 = await query.listItems('msp-a', { objectId: 'mbx1', pointId: 'mbx1-p3', folderPath: 'Inbox', sort: 'subject' });
    expect(p3.items.map((i) => i.subject)).toEqual(['Subject a', 'Subject b v2']);
  });

  it('re-indexing the same point changes nothing', async () => {
    const again = await index.indexPoint(point('mbx1', 2), history[1]);
    expect(again.indexed).toBe(false);
    expect(await rows('mbx1')).toEqual(expected);
  });

  it('gives the same ranges whatever order the points are indexed in', async () => {
    for (const n of [4, 2, 1, 3]) await index.indexPoint(point('mbx2', n), history[n - 1]);
    expect(await rows('mbx2')).toEqual(expected);
    for (const n of [3, 1, 4, 2]) await index.indexPoint(point('mbx3', n), history[n - 1]);
    expect(await rows('mbx3')).toEqual(expected);
  });

  it('refuses a second point at the same time for a mailbox and rolls back', async () => {
    await expect(index.indexPoint(point('mbx1', 1, { pointId: 'other' }), [msg('z')])).rejects.toMatchObject({ code: 'conflict' });
    expect(await rows('mbx1')).toEqual(expected);
  });

  it('rejects a bad item naming the field, indexing nothing of the point', async () => {
    await expect(index.indexPoint(point('mbx9', 1), [msg('a'), msg('x', { receivedAt: 'yesterday' })])).rejects.toThrow(/receivedAt/);
    expect(await query.listMailboxes('msp-a')).not.toContainEqual(expect.objectContaining({ objectId: 'mbx9' }));
  });

  it('resolves a point "as of" a time and lists points and mailboxes', async () => {
    const p = await query.resolvePoint('msp-a', { objectId: 'mbx1', asOf: '2026-01-03T00:00:00Z' });
    expect(p.pointId).toBe('mbx1-p2');
    await expect(query.resolvePoint('msp-a', { objectId: 'mbx1', asOf: '2025-01-01T00:00:00Z' })).rejects.toMatchObject({ code: 'not_found' });
    expect((await query.listPoints('msp-a', 'mbx1')).map((x) => x.pointId)).toEqual(['mbx1-p4', 'mbx1-p3', 'mbx1-p2', 'mbx1-p1']);
    const boxes = await query.listMailboxes('msp-a', ORG);
    expect(boxes.find((b) => b.objectId === 'mbx1')).toMatchObject({ mailbox: 'mbx1@contoso.com', points: 4 });
    expect(await query.findMailbox('msp-a', ORG, 'MBX1@contoso.com')).toMatchObject({ objectId: 'mbx1' });
  });

  it('forgets an expired point, shrinking ranges and dropping rows only it held', async () => {
    for (let n = 1; n <= 4; n++) await index.indexPoint(point('mbx4', n), history[n - 1]);
    expect(await index.forgetPoint('msp-a', 'mbx4-p1')).toBe(true);
    expect(await rows('mbx4')).toEqual(['a:Subject a:2-4', 'b:Subject b v2:2-3', 'c:Subject c:2-2', 'c:Subject c:4-4']);
    expect(await index.forgetPoint('msp-a', 'mbx4-p1')).toBe(false);
  });

  describe('browse', () => {
    beforeAll(async () => {
      const items: CatalogItemInput[] = [];
      for (let i = 0; i < 25; i++) {
        items.push(msg(`m${i}`, { folderPath: 'Inbox/Projects', subject: `Project ${String(i).padStart(2, '0')}`, receivedAt: new Date(Date.UTC(2025, 5, 1 + (i % 5), i)).toISOString(), size: 100 + (i % 3) }));
      }
      items.push(msg('s1', { folderPath: 'Sent Items' }));
      items.push(msg('d1', { folderPath: 'Inbox/Projects/Deep/Deeper' }));
      items.push({ itemId: 'k1', itemType: 'contact', folderPath: 'Contacts', subject: 'Carol Contact' });
      await index.indexPoint(point('browse', 1), items);
    });

    it('builds the folder tree with intermediate folders and counts', async () => {
      const tree = await query.folderTree('msp-a', { objectId: 'browse' });
      expect(tree.map((f) => [f.path, f.itemCount, f.totalCount])).toEqual([
        ['Contacts', 1, 1],
        ['Inbox', 0, 26],
        ['Inbox/Projects', 25, 26],
        ['Inbox/Projects/Deep', 0, 1],
        ['Inbox/Projects/Deep/Deeper', 1, 1],
        ['Sent Items', 1, 1],
      ]);
    });

    it.each([
      ['date', 'desc'],
      ['date', 'asc'],
      ['subject', 'asc'],
      ['size', 'desc'],
    ] as const)('pages items by %s %s with a keyset cursor, no duplicates, no gaps', async (sort, order) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await query.listItems('msp-a', { objectId: 'browse', folderPath: 'Inbox/Projects', sort, order, limit: 7, cursor });
        seen.push(...page.items.map((i) => i.itemId));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(4);
      expect(new Set(seen).size).toBe(25);
      const all = await query.listItems('msp-a', { objectId: 'browse', folderPath: 'Inbox/Projects', sort, order, limit: 100 });
      expect(all.items.map((i) => i.itemId)).toEqual(seen);
      if (sort === 'subject') expect(seen[0]).toBe('m0');
      if (sort === 'date' && order === 'desc') {
        const dates = all.items.map((i) => i.date as string);
        expect([...dates].sort().reverse()).toEqual(dates);
      }
    });

    it('includes subfolders on request', async () => {
      const page = await query.listItems('msp-a', { objectId: 'browse', folderPath: 'Inbox', includeSubfolders: true, limit: 100 });
      expect(page.items).toHaveLength(26);
    });
  });

  describe('search', () => {
    beforeAll(async () => {
      await index.indexPoint(point('srch', 1), [
        msg('inv', { subject: 'Your invoice 2025-113', from: 'Billing <billing@fabrikam.com>', bodyText: 'Please pay the amount due', hasAttachments: true, attachmentNames: ['Invoice-113.pdf'], receivedAt: '2025-03-01T00:00:00Z' }),
        msg('lunch', { subject: 'Lunch on friday', from: 'dave@contoso.com', to: ['erin@contoso.com'], bodyText: 'The invoice question can wait', receivedAt: '2025-04-01T00:00:00Z' }),
        msg('plan', { subject: 'Quarterly plan', folderPath: 'Archive/2025', bodyText: 'Roadmap and budget 100%_done', receivedAt: '2025-05-01T00:00:00Z' }),
      ]);
      await index.indexPoint(point('srch', 2), [msg('inv2', { subject: 'Second invoice', receivedAt: '2025-06-01T00:00:00Z' })]);
      await index.indexPoint(point('other-org', 1, { organizationId: ORG2 }), [msg('o1', { subject: 'Invoice for another org' })]);
      await index.indexPoint(point('srch', 1, { tenantId: 'msp-b', pointId: 'b-p1' }), [msg('tb', { subject: 'Invoice of another tenant' })]);
    });

    const ids = (p: { items: { itemId: string }[] }) => p.items.map((i) => i.itemId).sort();

    it('finds words and parts of words in subject, body and attachment names, ranked', async () => {
      const r = await query.search('msp-a', { objectId: 'srch', text: 'invoice' });
      expect(ids(r)).toEqual(['inv', 'inv2', 'lunch']);
      // subject and attachment matches rank above a body-only match
      expect(r.items[r.items.length - 1].itemId).toBe('lunch');
      expect(ids(await query.search('msp-a', { objectId: 'srch', text: 'voic' }))).toEqual(['inv', 'inv2', 'lunch']);
      expect(ids(await query.search('msp-a', { objectId: 'srch', text: 'roadm' }))).toEqual(['plan']);
      expect(ids(await query.search('msp-a', { objectId: 'srch', text: 'invoice pay' }))).toEqual(['inv']);
    });

    it('filters by field, folder, attachments and dates', async () => {
      expect(ids(await query.search('msp-a', { objectId: 'srch', from: 'fabrikam' }))).toEqual(['inv']);
      expect(ids(await query.search('msp-a', { objectId: 'srch', to: 'erin@' }))).toEqual(['lunch']);
      expect(ids(await query.search('msp-a', { objectId: 'srch', attachmentName: '113.pdf' }))).toEqual(['inv']);
      expect(ids(await query.search('msp-a', { objectId: 'srch', subject: 'invoice' }))).toEqual(['inv', 'inv2']);
      expect(ids(await query.search('msp-a', { objectId: 'srch', body: 'invoice' }))).toEqual(['lunch']);
      expect(ids(await query.search('msp-a', { objectId: 'srch', folderPath: 'Archive', includeSubfolders: true }))).toEqual(['plan']);
      expect(ids(await query.search('msp-a', { objectId: 'srch', hasAttachments: true }))).toEqual(['inv']);
      expect(ids(await query.search('msp-a', { objectId: 'srch', dateFrom: '2025-03-15T00:00:00Z', dateTo: '2025-05-15T00:00:00Z' }))).toEqual(['lunch', 'plan']);
    });

    it('treats LIKE wildcards literally', async () => {
      expect(ids(await query.search('msp-a', { objectId: 'srch', text: '100%_' }))).toEqual(['plan']);
      expect(ids(await query.search('msp-a', { objectId: 'srch', text: '%' }))).toEqual(['plan']);
    });

    it('scopes to one point, a mailbox or an org, never another tenant', async () => {
      expect(ids(await query.search('msp-a', { objectId: 'srch', pointId: 'srch-p2', text: 'invoice' }))).toEqual(['inv2']);
      expect(ids(await query.search('msp-a', { objectId: 'srch', asOf: '2026-01-01T13:00:00Z', text: 'invoice' }))).toEqual(['inv', 'lunch']);
      expect(ids(await query.search('msp-a', { organizationId: ORG2, text: 'invoice' }))).toEqual(['o1']);
      expect(ids(await query.search('msp-b', { objectId: 'srch', text: 'invoice' }))).toEqual(['tb']);
      await expect(query.search('msp-a', { text: 'invoice' })).rejects.toMatchObject({ code: 'validation_failed' });
    });

    it('pages ranked results with a cursor', async () => {
      const first = await query.search('msp-a', { objectId: 'srch', text: 'invoice', limit: 2 });
      expect(first.items).toHaveLength(2);
      const second = await query.search('msp-a', { objectId: 'srch', text: 'invoice', limit: 2, cursor: first.nextCursor });
      expect(second.nextCursor).toBeUndefined();
      expect([...first.items, ...second.items].map((i) => i.itemId).sort()).toEqual(['inv', 'inv2', 'lunch']);
      await expect(query.search('msp-a', { objectId: 'srch', text: 'invoice', cursor: 'garbage' })).rejects.toMatchObject({ code: 'validation_failed' });
    });
  });
});

// Catalog benchmark: indexes many recovery points of a mailbox with few changes between
// them and measures indexing, catalog growth (rows per point) and query latency.
// The last line is: catalog-bench: rows=N points=P index_ms_per_point=X search_ms=Y browse_ms=Z
import { runMigrations } from '@holdfast/event-store';
import { CatalogIndexRepository, catalogMigrations, CatalogQueryRepository, type CatalogItemInput } from '@holdfast/service-catalog';
import { createTestDatabase } from '@holdfast/testing';
import { Pool } from 'pg';

const ITEMS = Number(process.env.BENCH_CATALOG_ITEMS ?? 5000);
const POINTS = Number(process.env.BENCH_CATALOG_POINTS ?? 30);
const CHANGE = Number(process.env.BENCH_CATALOG_CHANGE ?? 0.02);
const WORDS = 'invoice budget project meeting report quarterly lunch travel contract review schedule offer design launch'.split(' ');

function item(i: number, version: number): CatalogItemInput {
  const w = (k: number) => WORDS[(i * 7 + k * 3 + version) % WORDS.length];
  return {
    itemId: `item-${i}`,
    itemType: 'message',
    folderPath: `Inbox/${['Projects', 'Clients', 'Archive'][i % 3]}`,
    subject: `${w(1)} ${w(2)} #${i} v${version}`,
    from: `user${i % 97}@contoso.com`,
    to: [`team${i % 13}@contoso.com`],
    receivedAt: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(),
    size: 2000 + (i % 5000),
    attachmentNames: i % 4 === 0 ? [`${w(3)}-${i}.pdf`] : [],
    bodyText: Array.from({ length: 40 }, (_, k) => w(k)).join(' '),
    contentRef: `m:${i}:${version}`,
    restore: { isRead: version % 2 === 0 },
  };
}

async function main(): Promise<void> {
  const db = await createTestDatabase('hf_catalog_bench');
  const pool = new Pool({ connectionString: db.url, max: 4 });
  try {
    await runMigrations(db.url, { module: 'catalog', migrations: catalogMigrations });
    const index = new CatalogIndexRepository(pool);
    const query = new CatalogQueryRepository(pool);
    const versions = new Array<number>(ITEMS).fill(0);
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let indexMs = 0;
    for (let p = 1; p <= POINTS; p++) {
      if (p > 1) for (let i = 0; i < ITEMS; i++) if (rand() < CHANGE) versions[i]++;
      const t0 = performance.now();
      await index.indexPoint(
        { tenantId: 'bench', organizationId: 'org', objectId: 'mbx', mailbox: 'mbx@contoso.com', pointId: `p${p}`, pointTime: new Date(Date.UTC(2025, 0, p)).toISOString() },
        (function* () {
          for (let i = 0; i < ITEMS; i++) yield item(i, versions[i]);
        })(),
      );
      indexMs += performance.now() - t0;
    }
    const rows = Number((await pool.query('SELECT count(*) AS n FROM catalog.items')).rows[0].n);
    const t1 = performance.now();
    for (const w of ['invoi', 'budget', 'report', 'xyz']) await query.search('bench', { objectId: 'mbx', text: w, limit: 50 });
    const searchMs = (performance.now() - t1) / 4;
    const t2 = performance.now();
    await query.listItems('bench', { objectId: 'mbx', asOf: new Date(Date.UTC(2025, 0, 15)).toISOString(), folderPath: 'Inbox/Projects', limit: 100 });
    const browseMs = performance.now() - t2;
    console.log(`items per point ${ITEMS}, points ${POINTS}, change rate ${CHANGE}: ${rows} rows (${(rows / ITEMS).toFixed(2)} per item, ${ITEMS * POINTS} item-points)`);
    console.log(`catalog-bench: rows=${rows} points=${POINTS} index_ms_per_point=${(indexMs / POINTS).toFixed(0)} search_ms=${searchMs.toFixed(1)} browse_ms=${browseMs.toFixed(1)}`);
  } finally {
    await pool.end();
    await db.drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CATALOG, JobCreated, JobUpdated, RecoveryPointCreated, RecoveryPointExpired } from '@holdfast/contracts';
import { eventStoreMigrations, PostgresEventStore, runMigrations, UpcasterRegistry } from '@holdfast/event-store';
import { LocalBackend, Repository } from '@holdfast/repository';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { Pool } from 'pg';
import { ApplyRetention } from './apply-retention.usecase';

// Real Postgres and repository: a bound against hangs, not a timing check.
jest.setTimeout(60_000);

describe('ApplyRetention', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  let repo: Repository;
  const dir = mkdtempSync(path.join(tmpdir(), 'hf-retention-apply-'));
  const tenantId = 'msp-r';
  const organizationId = randomUUID();
  const jobId = randomUUID();
  const objectId = 'ada@contoso.com';
  const now = new Date('2026-01-10T12:00:00.000Z');

  beforeAll(async () => {
    db = await createTestDatabase('hf_ret_apply');
    await runMigrations(db.url, [eventStoreMigrations]);
    pool = new Pool({ connectionString: db.url, max: 4 });
    pool.on('error', () => undefined);
    store = new PostgresEventStore({ pool, upcasters: new UpcasterRegistry().registerCatalog(CATALOG), validate: CATALOG, notify: false });
    repo = await Repository.init(new LocalBackend(dir, { fsync: false }), { password: 'pw', scrypt: { N: 1024, r: 8, p: 1 } });
  });

  afterAll(async () => {
    await pool.end();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes the manifests the policy expires, records RecoveryPointExpired once, and keeps the rest readable', async () => {
    await store.appendToStream(
      tenantId,
      `job-${jobId}`,
      [
        JobCreated.create({
          jobId,
          organizationId,
          name: 'nightly',
          source: { kind: 'mailboxes', mailboxes: [objectId] },
          destination: { repository: dir },
          schedules: [],
          retention: { keepLast: 10 },
          options: {},
          enabled: true,
          createdAt: now.toISOString(),
        }),
        JobUpdated.create({ jobId, retention: { keepLast: 2 }, updatedAt: now.toISOString() }),
      ],
      { expectedVersion: 'no_stream' },
    );

    const writer = await repo.openTenant(tenantId, { write: true });
    const ids: string[] = [];
    for (let day = 1; day <= 4; day++) {
      const mail = await writer.putMail(Buffer.from(`Subject: day ${day}\r\nFrom: a@b.c\r\n\r\nbody ${day}`));
      const m = await writer.writeManifest([{ kind: 'mail', id: `m${day}`, content: mail.ref }]);
      ids.push(m.id);
      await store.appendToStream(
        tenantId,
        `recovery-points-${objectId}`,
        [
          RecoveryPointCreated.create({
            recoveryPointId: m.id,
            organizationId,
            jobId,
            objectId,
            objectKind: 'mailbox',
            repository: dir,
            pointTime: `2026-01-0${day}T01:00:00.000Z`,
            counts: { items: 1, added: 1, changed: 0, removed: 0, skipped: 0 },
            bytes: 10,
            fullEnumeration: day === 1,
          }),
        ],
        { expectedVersion: 'any' },
      );
    }
    await writer.close();

    const retention = new ApplyRetention({ store, openRepository: async () => repo, now: () => now });
    const result = await retention.apply({ tenantId, objectId, jobId, repository: dir });
    expect(result.expired).toEqual([ids[0], ids[1]]);
    expect(result.locked).toEqual([]);
    expect(result.gc).toBeDefined();

    const reader = await repo.openTenant(tenantId);
    expect((await reader.listManifests()).map((m) => m.id).sort()).toEqual([ids[2], ids[3]].sort());
    const kept = [];
    for await (const item of reader.readManifest(ids[3])) kept.push(item);
    expect((await reader.readContent(kept[0].content!)).toString()).toContain('body 4');

    const expiredEvents = (await store.readStream(`recovery-points-${objectId}`)).filter((e) => RecoveryPointExpired.is(e));
    expect(expiredEvents.map((e) => e.data.recoveryPointId)).toEqual([ids[0], ids[1]]);

    // evaluating again changes nothing
    const again = await retention.apply({ tenantId, objectId, jobId, repository: dir });
    expect(again.expired).toEqual([]);
    expect(again.verdicts.map((v) => v.decision)).toEqual(['keep', 'keep']);
    expect((await store.readStream(`recovery-points-${objectId}`)).filter((e) => RecoveryPointExpired.is(e))).toHaveLength(2);
  });

  it('leaves points alone for an unknown job', async () => {
    const result = await new ApplyRetention({ store, openRepository: async () => repo, now: () => now }).apply({
      tenantId,
      objectId,
      jobId: randomUUID(),
      repository: dir,
    });
    expect(result).toEqual({ verdicts: [], expired: [], locked: [] });
  });
});

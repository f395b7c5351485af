import { runMigrations } from '@holdfast/event-store';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { Pool } from 'pg';
import { recoveryMigrations } from '../recovery.migrations';
import { PostgresRestoreJournal } from './restore-journal.repository';

describe('restore journal (Postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;
  beforeAll(async () => {
    db = await createTestDatabase('hf_recovery_journal');
    await runMigrations(db.url, { module: 'recovery', migrations: recoveryMigrations });
    pool = new Pool({ connectionString: db.url, max: 2 });
  }, 60_000);
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('remembers outcomes per restore and tenant, and survives a new journal object (a restart)', async () => {
    const j = new PostgresRestoreJournal(pool, 'msp-a', 'r1');
    await j.record('m1', 'restored', 'new-1');
    await j.record('m2', 'skipped');
    await j.record('m1', 'restored', 'new-1b');
    const again = new PostgresRestoreJournal(pool, 'msp-a', 'r1');
    expect(await again.restored('m1')).toBe('restored');
    expect(await again.restored('m2')).toBe('skipped');
    expect(await again.restored('m3')).toBeUndefined();
    expect((await again.entries()).get('m1')).toEqual({ outcome: 'restored', newId: 'new-1b' });
    expect(await new PostgresRestoreJournal(pool, 'msp-b', 'r1').restored('m1')).toBeUndefined();
    expect(await new PostgresRestoreJournal(pool, 'msp-a', 'r2').restored('m1')).toBeUndefined();
  });
});

import { createTestDatabase } from '@holdfast/testing';
import { Pool } from 'pg';
import { PostgresDeadLetterStore } from './dead-letter.repository';
import { ensureInstallationId } from './installation.repository';
import { createMessagingDatabase, type MessagingDatabase } from './__tests__/messaging-database';

describe('PostgresDeadLetterStore and the installation id', () => {
  let m: MessagingDatabase;

  beforeAll(async () => {
    m = await createMessagingDatabase();
  });

  afterAll(async () => {
    await m.close();
  });

  it('records a dead letter with its payload bytes, headers and reason, and lists it by consumer and tenant', async () => {
    const store = new PostgresDeadLetterStore(m.pool);
    const payload = new Uint8Array([0, 1, 2, 0xff]);
    await store.record({
      consumer: 'ns_evt_catalog',
      subject: 'ns.evt.tenant-1.RunRequested',
      messageId: 'm-1',
      tenantId: 'tenant-1',
      reason: 'non_retryable',
      detail: 'validation_failed: bad',
      deliveries: 1,
      headers: { 'Holdfast-Tenant': 'tenant-1' },
      payload,
    });
    await store.record({
      consumer: 'ns_evt_other',
      subject: 's',
      messageId: 'm-2',
      reason: 'malformed',
      deliveries: 1,
      headers: {},
      payload: new Uint8Array(),
    });
    const listed = await store.list({ consumer: 'ns_evt_catalog' });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      consumer: 'ns_evt_catalog',
      subject: 'ns.evt.tenant-1.RunRequested',
      messageId: 'm-1',
      tenantId: 'tenant-1',
      reason: 'non_retryable',
      detail: 'validation_failed: bad',
      deliveries: 1,
      headers: { 'Holdfast-Tenant': 'tenant-1' },
    });
    expect(listed[0].payload).toEqual(payload);
    expect(await store.list({ tenantId: 'tenant-1' })).toHaveLength(1);
    expect(await store.list()).toHaveLength(2);
  });

  it('keeps one row per consumer and message when the same message is dead-lettered again', async () => {
    const store = new PostgresDeadLetterStore(m.pool);
    const base = { consumer: 'c', subject: 's', messageId: 'again', deliveries: 3, headers: {}, payload: new Uint8Array([1]) };
    await store.record({ ...base, reason: 'max_deliveries' });
    await store.record({ ...base, reason: 'termed_by_handler', deliveries: 4 });
    const rows = await store.list({ consumer: 'c' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ reason: 'termed_by_handler', deliveries: 4 });
  });

  it('says which migrations are missing when the installation table does not exist', async () => {
    const other = await createTestDatabase('hf_msg_empty');
    const pool = new Pool({ connectionString: other.url });
    try {
      await expect(ensureInstallationId(pool)).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringMatching(/messagingMigrations/),
      });
    } finally {
      await pool.end();
      await other.drop();
    }
  });

  it('creates the installation id once and returns the same one afterwards, also under concurrency', async () => {
    const ids = await Promise.all([ensureInstallationId(m.pool), ensureInstallationId(m.pool), ensureInstallationId(m.pool)]);
    expect(new Set(ids).size).toBe(1);
    expect(await ensureInstallationId(m.pool)).toBe(ids[0]);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

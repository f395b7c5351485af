import { HoldfastError } from '@holdfast/contracts';
import { handleIdempotently, pruneInbox, wasHandled } from './idempotent-handler';
import { createMessagingDatabase, type MessagingDatabase } from './__tests__/messaging-database';
import { recordedEvent } from './__tests__/test-events';

describe('handleIdempotently', () => {
  let m: MessagingDatabase;

  beforeAll(async () => {
    m = await createMessagingDatabase();
  });

  afterAll(async () => {
    await m.close();
  });

  const effect = (consumer: string, eventId: string) => async (tx: import('pg').PoolClient) => {
    await tx.query('INSERT INTO effects (consumer, event_id) VALUES ($1, $2)', [consumer, eventId]);
    return 'done';
  };

  it('applies an event once; a redelivery has no second effect', async () => {
    const e = recordedEvent();
    const first = await handleIdempotently(m.pool, 'once', e, effect('once', e.eventId));
    const second = await handleIdempotently(m.pool, 'once', e, effect('once', e.eventId));
    expect(first).toEqual({ applied: true, result: 'done' });
    expect(second).toEqual({ applied: false });
    expect((await m.effects()).filter((r) => r.event_id === e.eventId)).toHaveLength(1);
    expect(await wasHandled(m.pool, 'once', e.eventId)).toBe(true);
  });

  it('rolls back the inbox row with the work when the work fails, so a retry applies it', async () => {
    const e = recordedEvent();
    await expect(
      handleIdempotently(m.pool, 'retry', e, async (tx) => {
        await tx.query('INSERT INTO effects (consumer, event_id) VALUES ($1, $2)', ['retry', e.eventId]);
        throw new HoldfastError('unavailable', 'downstream down');
      }),
    ).rejects.toMatchObject({ code: 'unavailable' });
    expect(await wasHandled(m.pool, 'retry', e.eventId)).toBe(false);
    expect((await m.effects()).filter((r) => r.event_id === e.eventId)).toHaveLength(0);

    expect(await handleIdempotently(m.pool, 'retry', e, effect('retry', e.eventId))).toMatchObject({ applied: true });
    expect((await m.effects()).filter((r) => r.event_id === e.eventId)).toHaveLength(1);
  });

  it('applies once when two deliveries of the same event race', async () => {
    const e = recordedEvent();
    const slow = async (tx: import('pg').PoolClient) => {
      await tx.query('INSERT INTO effects (consumer, event_id) VALUES ($1, $2)', ['race', e.eventId]);
      await tx.query('SELECT pg_sleep(0.1)');
    };
    const results = await Promise.all([
      handleIdempotently(m.pool, 'race', e, slow),
      handleIdempotently(m.pool, 'race', e, slow),
      handleIdempotently(m.pool, 'race', e, slow),
    ]);
    expect(results.filter((r) => r.applied)).toHaveLength(1);
    expect((await m.effects()).filter((r) => r.event_id === e.eventId)).toHaveLength(1);
  });

  it('keeps consumers apart: each consumer applies the same event once', async () => {
    const e = recordedEvent();
    expect((await handleIdempotently(m.pool, 'catalog', e, effect('catalog', e.eventId))).applied).toBe(true);
    expect((await handleIdempotently(m.pool, 'retention', e, effect('retention', e.eventId))).applied).toBe(true);
    expect((await handleIdempotently(m.pool, 'catalog', e, effect('catalog', e.eventId))).applied).toBe(false);
    const rows = (await m.effects()).filter((r) => r.event_id === e.eventId);
    expect(rows.map((r) => r.consumer).sort()).toEqual(['catalog', 'retention']);
  });

  it('prunes only inbox rows older than the given age', async () => {
    const old = recordedEvent();
    const fresh = recordedEvent();
    await handleIdempotently(m.pool, 'prune', old, async () => undefined);
    await handleIdempotently(m.pool, 'prune', fresh, async () => undefined);
    await m.pool.query("UPDATE messaging_inbox SET processed_at = now() - interval '40 days' WHERE event_id = $1", [old.eventId]);
    expect(await pruneInbox(m.pool, 30 * 24 * 3600 * 1000)).toBe(1);
    expect(await wasHandled(m.pool, 'prune', old.eventId)).toBe(false);
    expect(await wasHandled(m.pool, 'prune', fresh.eventId)).toBe(true);
  });

  it('returns a connection that stays usable after a failed piece of work', async () => {
    for (let i = 0; i < 12; i++) {
      const e = recordedEvent();
      await handleIdempotently(m.pool, 'sql-error', e, async (tx) => {
        await tx.query('SELECT * FROM no_such_table');
      }).catch(() => undefined);
    }
    const e = recordedEvent();
    expect((await handleIdempotently(m.pool, 'sql-error', e, effect('sql-error', e.eventId))).applied).toBe(true);
  });
});

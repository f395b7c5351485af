import type { Pool, PoolClient } from 'pg';
import type { RecordedEvent } from '@holdfast/contracts';

export type IdempotentResult<T> = { applied: true; result: T } | { applied: false };

/**
 * Runs `work` in one transaction together with an inbox row (consumer, event id), so
 * the handler's writes and "this event was handled" commit or roll back together.
 * A redelivered event finds its inbox row and `work` does not run again.
 *
 * Two deliveries of the same event racing each other serialise on the inbox row: the
 * second waits for the first to commit and then skips.
 *
 * @example
 *   await handleIdempotently(pool, 'catalog-indexer', event, async (tx) => {
 *     await tx.query('INSERT INTO catalog_points ...', [...]);
 *   });
 */
export async function handleIdempotently<T>(
  pool: Pool,
  consumerName: string,
  event: Pick<RecordedEvent, 'eventId' | 'tenantId'>,
  work: (tx: PoolClient) => Promise<T>,
): Promise<IdempotentResult<T>> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const inserted = await client.query(
      `INSERT INTO messaging_inbox (consumer, event_id, tenant_id) VALUES ($1, $2, $3)
       ON CONFLICT (consumer, event_id) DO NOTHING`,
      [consumerName, event.eventId, event.tenantId],
    );
    if (inserted.rowCount === 0) {
      await client.query('ROLLBACK');
      return { applied: false };
    }
    const result = await work(client);
    await client.query('COMMIT');
    return { applied: true, result };
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true; // the connection is unusable: do not hand it back to the pool
    }
    throw err;
  } finally {
    client.release(broken);
  }
}

/** True when this consumer has already handled the event (for diagnostics and tests). */
export async function wasHandled(pool: Pool, consumerName: string, eventId: string): Promise<boolean> {
  const { rowCount } = await pool.query('SELECT 1 FROM messaging_inbox WHERE consumer = $1 AND event_id = $2', [
    consumerName,
    eventId,
  ]);
  return (rowCount ?? 0) > 0;
}

/**
 * Deletes inbox rows older than `olderThanMs`. Keep them at least as long as a message can
 * still be redelivered or replayed (the events stream's max age, 30 days by default).
 */
export async function pruneInbox(pool: Pool, olderThanMs: number): Promise<number> {
  const { rowCount } = await pool.query(
    "DELETE FROM messaging_inbox WHERE processed_at < now() - make_interval(secs => $1::double precision / 1000)",
    [olderThanMs],
  );
  return rowCount ?? 0;
}

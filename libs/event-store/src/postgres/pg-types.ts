import type { Pool, PoolClient } from 'pg';

/** Anything that runs a query: a pool or one checked-out client (possibly inside a transaction). */
export type Queryable = Pick<Pool | PoolClient, 'query'>;

/** Runs `fn` in a transaction on a client of `pool`; commits on success, rolls back on error. */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { HoldfastError } from '@holdfast/contracts';

/**
 * The id of this installation, created once with its database. Every message carries it,
 * so messages left in NATS by another installation (or by a previous one whose database
 * was reset) are recognised and dead-lettered instead of applied.
 */
export async function ensureInstallationId(pool: Pool): Promise<string> {
  const exists = await pool.query<{ t: string | null }>("SELECT to_regclass('messaging_installation')::text AS t");
  if (!exists.rows[0].t) {
    throw new HoldfastError('unavailable', 'table messaging_installation is missing: run messagingMigrations at boot');
  }
  await pool.query(
    `INSERT INTO messaging_installation (singleton, installation_id) VALUES (true, $1)
     ON CONFLICT (singleton) DO NOTHING`,
    [randomUUID()],
  );
  const { rows } = await pool.query<{ installation_id: string }>(
    'SELECT installation_id FROM messaging_installation WHERE singleton',
  );
  return rows[0].installation_id;
}

import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@holdfast/service-kit';
import type { Pool } from 'pg';

/** Idle and absolute lifetimes of a portal session. */
export const SESSION_IDLE_MINUTES = 30;
export const SESSION_ABSOLUTE_HOURS = 12;

/** Server-side sessions, keyed by the SHA-256 of the cookie value (a stolen table opens nothing). */
@Injectable()
export class SessionRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async create(idHash: string, userId: string, ip: string | undefined, userAgent: string | undefined): Promise<void> {
    // each sign-in clears sessions dead for a day, so the table stays small without a timer
    await this.pool.query(
      `DELETE FROM gateway.sessions WHERE LEAST(idle_expires_at, absolute_expires_at, COALESCE(revoked_at, 'infinity')) < now() - interval '1 day'`,
    );
    await this.pool.query(
      `INSERT INTO gateway.sessions (id_hash, user_id, idle_expires_at, absolute_expires_at, ip, user_agent)
       VALUES ($1, $2, now() + make_interval(mins => $3), now() + make_interval(hours => $4), $5, $6)`,
      [idHash, userId, SESSION_IDLE_MINUTES, SESSION_ABSOLUTE_HOURS, ip ?? null, userAgent?.slice(0, 512) ?? null],
    );
  }

  /**
   * The user of a live session, sliding its idle expiry (never past the absolute one);
   * undefined when unknown, revoked or expired.
   */
  async touch(idHash: string): Promise<string | undefined> {
    const r = await this.pool.query<{ user_id: string }>(
      `UPDATE gateway.sessions
          SET last_seen_at = now(),
              idle_expires_at = LEAST(now() + make_interval(mins => $2), absolute_expires_at)
        WHERE id_hash = $1 AND revoked_at IS NULL AND idle_expires_at > now() AND absolute_expires_at > now()
        RETURNING user_id`,
      [idHash, SESSION_IDLE_MINUTES],
    );
    return r.rows[0]?.user_id;
  }

  async revoke(idHash: string): Promise<void> {
    await this.pool.query('UPDATE gateway.sessions SET revoked_at = now() WHERE id_hash = $1 AND revoked_at IS NULL', [idHash]);
  }

  /** Ends every session of a user (password change, disabling), optionally keeping one. */
  async revokeAllOf(userId: string, exceptIdHash?: string): Promise<void> {
    await this.pool.query(
      'UPDATE gateway.sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL AND id_hash <> $2',
      [userId, exceptIdHash ?? ''],
    );
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@holdfast/service-kit';
import type { Pool } from 'pg';

/** Failed sign-ins allowed per account and per address within the window. */
export const LOGIN_THROTTLE = { windowMinutes: 15, perAccount: 5, perAddress: 30 } as const;

/** Sign-in attempts in Postgres, so every gateway replica counts the same failures. */
@Injectable()
export class LoginThrottleRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async record(email: string, ip: string | undefined, succeeded: boolean): Promise<void> {
    // attempts older than a day no longer count for anything
    await this.pool.query(`DELETE FROM gateway.login_attempts WHERE at < now() - interval '1 day'`);
    await this.pool.query('INSERT INTO gateway.login_attempts (email, ip, succeeded) VALUES ($1, $2, $3)', [email.toLowerCase(), ip ?? null, succeeded]);
  }

  /** True when the account or the address has too many recent failures (since its last success). */
  async isThrottled(email: string, ip: string | undefined): Promise<boolean> {
    const r = await this.pool.query<{ account: string; address: string }>(
      `SELECT
         (SELECT count(*) FROM gateway.login_attempts a
            WHERE lower(a.email) = lower($1) AND NOT a.succeeded AND a.at > now() - make_interval(mins => $3)
              AND a.at > COALESCE((SELECT max(s.at) FROM gateway.login_attempts s WHERE lower(s.email) = lower($1) AND s.succeeded), '-infinity')) AS account,
         (SELECT count(*) FROM gateway.login_attempts a
            WHERE a.ip = $2 AND NOT a.succeeded AND a.at > now() - make_interval(mins => $3)) AS address`,
      [email, ip ?? '', LOGIN_THROTTLE.windowMinutes],
    );
    return Number(r.rows[0].account) >= LOGIN_THROTTLE.perAccount || Number(r.rows[0].address) >= LOGIN_THROTTLE.perAddress;
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@holdfast/service-kit';
import type { Pool, PoolClient } from 'pg';
import type { Role } from '../rbac/roles';

type Queryable = Pool | PoolClient;

/** A user as the API shows it: never the password hash, TOTP secret or recovery codes. */
export interface UserView {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly role: Role;
  readonly tenantId: string | null;
  /** Tenants an MSP technician is assigned to (empty for other roles). */
  readonly assignedTenantIds: readonly string[];
  readonly disabled: boolean;
  readonly totpEnabled: boolean;
  readonly createdAt: string;
}

/** The stored user, with its secrets: stays inside the identity module. */
export interface UserRecord extends UserView {
  readonly passwordHash: string;
  readonly totpSecret: string | null;
  readonly totpLastCounter: number;
}

interface UserRow {
  id: string;
  email: string;
  display_name: string;
  role: Role;
  tenant_id: string | null;
  disabled: boolean;
  totp_enabled: boolean;
  totp_secret: string | null;
  totp_last_counter: string;
  password_hash: string;
  created_at: Date;
  assigned: string[] | null;
}

const SELECT_USER = `
  SELECT u.*, (SELECT array_agg(ut.tenant_id ORDER BY ut.tenant_id) FROM gateway.user_tenants ut WHERE ut.user_id = u.id) AS assigned
  FROM gateway.users u`;

function toRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    tenantId: row.tenant_id,
    assignedTenantIds: row.assigned ?? [],
    disabled: row.disabled,
    totpEnabled: row.totp_enabled,
    createdAt: row.created_at.toISOString(),
    passwordHash: row.password_hash,
    totpSecret: row.totp_secret,
    totpLastCounter: Number(row.totp_last_counter),
  };
}

export function toUserView(u: UserRecord): UserView {
  return {
    id: u.id,
    email: u.email,
    displayName: u.displayName,
    role: u.role,
    tenantId: u.tenantId,
    assignedTenantIds: u.assignedTenantIds,
    disabled: u.disabled,
    totpEnabled: u.totpEnabled,
    createdAt: u.createdAt,
  };
}

export interface NewUser {
  readonly email: string;
  readonly displayName: string;
  readonly passwordHash: string;
  readonly role: Role;
  readonly tenantId: string | null;
  readonly assignedTenantIds: readonly string[];
}

export interface UserListFilter {
  readonly tenantIds?: readonly string[];
  readonly role?: Role;
  readonly q?: string;
  readonly sort: 'email' | 'createdAt' | 'role';
  readonly descending: boolean;
  readonly limit: number;
  readonly offset: number;
}

/** Users, their technician assignments and recovery codes (gateway schema). */
@Injectable()
export class UserRepository {
  constructor(@Inject(PG_POOL) readonly pool: Pool) {}

  async count(db: Queryable = this.pool): Promise<number> {
    return Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM gateway.users')).rows[0].n);
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    const r = await this.pool.query<UserRow>(`${SELECT_USER} WHERE lower(u.email) = lower($1)`, [email]);
    return r.rows[0] && toRecord(r.rows[0]);
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const r = await this.pool.query<UserRow>(`${SELECT_USER} WHERE u.id = $1`, [id]);
    return r.rows[0] && toRecord(r.rows[0]);
  }

  async insert(user: NewUser, db: Queryable = this.pool): Promise<string> {
    const r = await db.query<{ id: string }>(
      `INSERT INTO gateway.users (email, display_name, password_hash, role, tenant_id) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [user.email, user.displayName, user.passwordHash, user.role, user.tenantId],
    );
    const id = r.rows[0].id;
    await this.setAssignments(id, user.assignedTenantIds, db);
    return id;
  }

  async setAssignments(userId: string, tenantIds: readonly string[], db: Queryable = this.pool): Promise<void> {
    await db.query('DELETE FROM gateway.user_tenants WHERE user_id = $1', [userId]);
    for (const t of tenantIds) {
      await db.query('INSERT INTO gateway.user_tenants (user_id, tenant_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [userId, t]);
    }
  }

  async update(id: string, change: { role?: Role; tenantId?: string | null; disabled?: boolean; displayName?: string }): Promise<void> {
    await this.pool.query(
      `UPDATE gateway.users SET
         role = COALESCE($2, role),
         tenant_id = CASE WHEN $3::boolean THEN $4 ELSE tenant_id END,
         disabled = COALESCE($5, disabled),
         display_name = COALESCE($6, display_name),
         updated_at = now()
       WHERE id = $1`,
      [id, change.role ?? null, change.tenantId !== undefined, change.tenantId ?? null, change.disabled ?? null, change.displayName ?? null],
    );
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.pool.query('UPDATE gateway.users SET password_hash = $2, updated_at = now() WHERE id = $1', [id, passwordHash]);
  }

  async list(filter: UserListFilter): Promise<{ items: UserView[]; total: number }> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.tenantIds) {
      args.push(filter.tenantIds);
      where.push(`u.tenant_id = ANY($${args.length})`);
    }
    if (filter.role) {
      args.push(filter.role);
      where.push(`u.role = $${args.length}`);
    }
    if (filter.q) {
      args.push(`%${filter.q.replace(/[%_\\]/g, '\\$&')}%`);
      where.push(`(u.email ILIKE $${args.length} OR u.display_name ILIKE $${args.length})`);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const column = { email: 'lower(u.email)', createdAt: 'u.created_at', role: 'u.role' }[filter.sort];
    const total = Number((await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM gateway.users u ${clause}`, args)).rows[0].n);
    const rows = await this.pool.query<UserRow>(
      `${SELECT_USER} ${clause} ORDER BY ${column} ${filter.descending ? 'DESC' : 'ASC'}, u.id LIMIT ${filter.limit} OFFSET ${filter.offset}`,
      args,
    );
    return { items: rows.rows.map((r) => toUserView(toRecord(r))), total };
  }

  async storeTotpSecret(id: string, secret: string): Promise<void> {
    await this.pool.query('UPDATE gateway.users SET totp_secret = $2, totp_enabled = false, updated_at = now() WHERE id = $1', [id, secret]);
  }

  /** Enables TOTP and replaces the recovery codes, in one transaction. */
  async enableTotp(id: string, counter: number, recoveryCodeHashes: readonly string[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('UPDATE gateway.users SET totp_enabled = true, totp_last_counter = $2, updated_at = now() WHERE id = $1', [id, counter]);
      await client.query('DELETE FROM gateway.recovery_codes WHERE user_id = $1', [id]);
      for (const h of recoveryCodeHashes) {
        await client.query('INSERT INTO gateway.recovery_codes (user_id, code_hash) VALUES ($1, $2)', [id, h]);
      }
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  /** Records a used TOTP step; false when that step (or a later one) was already used: a replay. */
  async advanceTotpCounter(id: string, counter: number): Promise<boolean> {
    const r = await this.pool.query('UPDATE gateway.users SET totp_last_counter = $2 WHERE id = $1 AND totp_last_counter < $2', [id, counter]);
    return (r.rowCount ?? 0) === 1;
  }

  /** Spends a recovery code once; false if unknown or already used. */
  async useRecoveryCode(id: string, codeHash: string): Promise<boolean> {
    const r = await this.pool.query(
      'UPDATE gateway.recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL',
      [id, codeHash],
    );
    return (r.rowCount ?? 0) === 1;
  }

  async remainingRecoveryCodes(id: string): Promise<number> {
    const r = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM gateway.recovery_codes WHERE user_id = $1 AND used_at IS NULL', [id]);
    return Number(r.rows[0].n);
  }
}

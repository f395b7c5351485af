import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, ReadinessRegistry, schemaReadinessProbe } from '@holdfast/service-kit';
import type { Pool } from 'pg';
import { AUTH_CONFIG, type AuthConfig } from './auth.config';
import { authMigrations } from './auth.migrations';

/** Ready when the auth service's migrations are applied. */
@Injectable()
export class AuthReadinessProbe {
  constructor(readiness: ReadinessRegistry, @Inject(PG_POOL) pool: Pool, @Inject(AUTH_CONFIG) config: AuthConfig) {
    readiness.register(schemaReadinessProbe(pool, 'auth', 'auth', authMigrations));
    void config;
  }
}

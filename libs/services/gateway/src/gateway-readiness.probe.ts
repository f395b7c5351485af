import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, ReadinessRegistry, schemaReadinessProbe } from '@holdfast/service-kit';
import type { Pool } from 'pg';
import { gatewayMigrations } from './gateway.migrations';

/** Ready when the gateway's migrations are applied (API tokens can be checked). */
@Injectable()
export class GatewayReadinessProbe {
  constructor(readiness: ReadinessRegistry, @Inject(PG_POOL) pool: Pool) {
    readiness.register(schemaReadinessProbe(pool, 'gateway', 'gateway', gatewayMigrations));
  }
}

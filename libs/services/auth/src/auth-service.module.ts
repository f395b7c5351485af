import { Module } from '@nestjs/common';
import { PG_POOL, type ServiceDefinition } from '@holdfast/service-kit';
import type { Pool } from 'pg';
import { AUTH_CONFIG, authConfigSchema, type AuthConfig } from './auth.config';
import { authMigrations } from './auth.migrations';
import { AuthReadinessProbe } from './auth-readiness.probe';
import { AUTH_RUNTIME, createAuthRuntime, readCaFile } from './auth-runtime';
import { AuthBusHandlers } from './bus/auth-bus.handlers';
import { CredentialExpiryMonitor } from './orgs/credential-expiry.monitor';

/** M365 connections: credentials, application registrations, permission checks, token broker. */
@Module({
  providers: [
    AuthReadinessProbe,
    {
      provide: AUTH_RUNTIME,
      inject: [PG_POOL, AUTH_CONFIG],
      useFactory: (pool: Pool, config: AuthConfig) =>
        createAuthRuntime({ pool, masterKey: config.HOLDFAST_MASTER_KEY, ca: readCaFile(config.HOLDFAST_GRAPH_CA_FILE, 'HOLDFAST_GRAPH_CA_FILE') }),
    },
    AuthBusHandlers,
    CredentialExpiryMonitor,
  ],
})
export class AuthServiceModule {}

/** How service-kit boots the auth service, alone or in the all-in-one process. */
export const authService: ServiceDefinition = {
  name: 'auth',
  module: AuthServiceModule,
  configSchema: authConfigSchema,
  configToken: AUTH_CONFIG,
  migrations: authMigrations,
};

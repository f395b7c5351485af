import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@holdfast/service-kit';
import { AUTH_CONFIG, authConfigSchema } from './auth.config';
import { authMigrations } from './auth.migrations';
import { AuthReadinessProbe } from './auth-readiness.probe';

/** M365 connections: credentials, application registrations, permission checks, token broker. */
@Module({ providers: [AuthReadinessProbe] })
export class AuthServiceModule {}

/** How service-kit boots the auth service, alone or in the all-in-one process. */
export const authService: ServiceDefinition = {
  name: 'auth',
  module: AuthServiceModule,
  configSchema: authConfigSchema,
  configToken: AUTH_CONFIG,
  migrations: authMigrations,
};

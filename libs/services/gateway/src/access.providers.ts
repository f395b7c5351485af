import type { Provider, Type } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AuditController } from './audit/audit.controller';
import { AuditInterceptor } from './audit/audit.interceptor';
import { AuditLogRepository } from './audit/audit-log.repository';
import { AuthController } from './identity/auth.controller';
import { AuthService } from './identity/auth.service';
import { Authenticator } from './identity/authenticator.service';
import { FIRST_ADMIN_ANNOUNCER, FirstAdminBootstrap, printFirstAdmin } from './identity/first-admin.bootstrap';
import { LoginThrottleRepository } from './identity/login-throttle.repository';
import { SessionRepository } from './identity/session.repository';
import { UserApiTokensController } from './identity/user-api-tokens.controller';
import { UserRepository } from './identity/user.repository';
import { UsersController } from './identity/users.controller';
import { LiveEventsController } from './live/live-events.controller';
import { LiveEventHub } from './live/live-event.hub';
import { AccessGuard } from './rbac/access.guard';
import { Public, RequirePermission } from './rbac/permissions.decorator';
import { ApiIndexController, SystemController } from './system/system.controller';
import { OverviewController } from './tenancy/overview.controller';
import { TenantRepository } from './tenancy/tenant.repository';
import { TenantsController } from './tenancy/tenants.controller';

// the system routes predate the access guard: declare their access here
Public()(ApiIndexController);
RequirePermission('system.read')(SystemController);

/** Identity, tenancy, roles and audit: the gateway module spreads these into its own. */
export const accessControllers: Type<unknown>[] = [
  AuthController,
  UserApiTokensController,
  TenantsController,
  UsersController,
  AuditController,
  OverviewController,
  LiveEventsController,
];

export const accessProviders: Provider[] = [
  UserRepository,
  SessionRepository,
  LoginThrottleRepository,
  TenantRepository,
  AuditLogRepository,
  Authenticator,
  AuthService,
  FirstAdminBootstrap,
  LiveEventHub,
  { provide: FIRST_ADMIN_ANNOUNCER, useValue: printFirstAdmin },
  // deny by default on every /api route; audit every change (problem+json: see configureApp)
  { provide: APP_GUARD, useClass: AccessGuard },
  { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
];

import { existsSync } from 'node:fs';
import path from 'node:path';
import { Module, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { ServiceDefinition } from '@holdfast/service-kit';
import { ADMIN_TOKEN_ANNOUNCER, AdminTokenBootstrap, printAdminToken } from './api-tokens/admin-token.bootstrap';
import { ApiTokenGuard } from './api-tokens/api-token.guard';
import { ApiTokenRepository } from './api-tokens/api-token.repository';
import { GATEWAY_CONFIG, gatewayConfigSchema, type GatewayConfig } from './gateway.config';
import { gatewayMigrations } from './gateway.migrations';
import { accessControllers, accessProviders } from './access.providers';
import { ProblemJsonFilter } from './http/problem-json.filter';
import { GatewayReadinessProbe } from './gateway-readiness.probe';
import { OrganizationsController } from './organizations/organizations.controller';
import { holdfastVersion } from './system/holdfast-version';
import { ApiIndexController, SystemController } from './system/system.controller';

/** REST API under /api/v1 with OpenAPI at /api/docs, API-token authentication, the portal. */
@Module({
  controllers: [ApiIndexController, SystemController, ...accessControllers, OrganizationsController],
  providers: [
    ApiTokenRepository,
    ApiTokenGuard,
    AdminTokenBootstrap,
    GatewayReadinessProbe,
    { provide: ADMIN_TOKEN_ANNOUNCER, useValue: printAdminToken },
    ...accessProviders,
  ],
})
export class GatewayServiceModule {}

/** OpenAPI document of the gateway's routes only, at /api/docs (JSON at /api/docs/json). */
export function setUpOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Holdfast API')
      .setDescription('Microsoft 365 backup and recovery for managed service providers')
      .setVersion(holdfastVersion())
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API token (HOLDFAST_TOKEN)' })
      .build(),
    { include: [GatewayServiceModule] },
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/json' });
}

/** How service-kit boots the gateway, alone or in the all-in-one process. */
export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  module: GatewayServiceModule,
  configSchema: gatewayConfigSchema,
  configToken: GATEWAY_CONFIG,
  migrations: gatewayMigrations,
  configureApp(app, { config }) {
    // registered after service-kit's filter, so it answers first: /api errors as problem+json
    app.useGlobalFilters(new ProblemJsonFilter());
    setUpOpenApi(app);
    const portal = (config as GatewayConfig).HOLDFAST_PORTAL_DIR;
    if (portal && existsSync(path.join(portal, 'index.html'))) {
      (app as NestExpressApplication).useStaticAssets(path.resolve(portal), { index: 'index.html' });
    }
  },
};

import type { INestApplication, Type } from '@nestjs/common';
import type { Migration } from '@holdfast/event-store';
import type { z } from 'zod';
import type { Platform } from './platform/platform';
import type { PlatformConfig } from './platform-config';

/**
 * One schema change of a service's own tables (the event store's Migration: `{ name, up }`);
 * applied once, in array order, never edited afterwards.
 */
export type ServiceMigration = Migration;

/**
 * What service-kit needs to boot a service module, alone or together with others.
 * Each libs/services/<name> exports one.
 */
/** Every service's config has the platform settings and its own PORT. */
export type ServiceConfig = PlatformConfig & { PORT: number };

export interface ServiceDefinition<C extends ServiceConfig = ServiceConfig> {
  /** kebab-case service name: `gateway`, `backup-worker`... */
  readonly name: string;
  /** The service's NestJS module. */
  readonly module: Type<unknown>;
  /** Its configuration (environment variable names as keys), checked at boot. */
  readonly configSchema: z.ZodObject<z.ZodRawShape>;
  /** Token under which the loaded config is injectable (`@Inject(GATEWAY_CONFIG)`). */
  readonly configToken: string | symbol;
  /** Its tables, applied at boot before the module starts (recorded under the service's name). */
  readonly migrations: readonly ServiceMigration[];
  /** Called once the Nest application exists and before it listens (OpenAPI, static files). */
  configureApp?(app: INestApplication, context: { config: C; platform: Platform }): void | Promise<void>;
}

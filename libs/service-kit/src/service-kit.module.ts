import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { Platform } from './platform/platform';
import { HealthController, SERVICE_NAMES } from './readiness/health.controller';
import { ReadinessRegistry } from './readiness/readiness.registry';
import type { ServiceConfig, ServiceDefinition } from './service-definition';

/** Injection tokens for what service-kit shares with service modules. */
export const PLATFORM = Symbol('holdfast.platform');
/** The pg Pool of this installation's database. */
export const PG_POOL = Symbol('holdfast.pg-pool');
/** The message bus (messaging's MessageBus). */
export const MESSAGE_BUS = Symbol('holdfast.message-bus');
/** The PostgresEventStore on the installation's database. */
export const EVENT_STORE = Symbol('holdfast.event-store');

export interface LoadedService {
  readonly definition: ServiceDefinition;
  readonly config: ServiceConfig;
}

@Global()
@Module({})
export class ServiceKitModule {
  static forRoot(options: { platform: Platform; readiness: ReadinessRegistry; services: readonly LoadedService[] }): DynamicModule {
    const providers: Provider[] = [
      { provide: PLATFORM, useValue: options.platform },
      { provide: PG_POOL, useValue: options.platform.db },
      { provide: MESSAGE_BUS, useValue: options.platform.bus.bus },
      { provide: EVENT_STORE, useValue: options.platform.eventStore },
      { provide: ReadinessRegistry, useValue: options.readiness },
      { provide: SERVICE_NAMES, useValue: options.services.map((s) => s.definition.name) },
      ...options.services.map((s) => ({ provide: s.definition.configToken, useValue: s.config })),
    ];
    return {
      module: ServiceKitModule,
      controllers: [HealthController],
      providers,
      exports: providers.map((p) => (p as { provide: unknown }).provide as symbol),
    };
  }
}

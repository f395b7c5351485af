import type { AddressInfo } from 'node:net';
import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@holdfast/config';
import { getTelemetry, startTelemetry } from '@holdfast/telemetry';
import { HoldfastErrorFilter } from '../http/holdfast-error.filter';
import { requestContextMiddleware } from '../http/request-context.middleware';
import { createRootLogger, NestPinoLogger, type Logger } from '../logging/logger';
import { runServiceMigrations } from '../migrations/migration-runner';
import { createPlatform, type Platform } from '../platform/platform';
import { ReadinessRegistry } from '../readiness/readiness.registry';
import type { ServiceConfig, ServiceDefinition } from '../service-definition';
import { ServiceKitModule, type LoadedService } from '../service-kit.module';

export interface BootOptions {
  /** One service (distributed mode) or all of them (all-in-one). */
  readonly services: readonly ServiceDefinition[];
  /** Where configuration comes from; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** HTTP port; the first service's PORT by default; 0 picks a free one. */
  readonly port?: number;
  readonly host?: string;
  /** Connections made by the caller (all-in-one); otherwise opened from the first service's config and closed on close(). */
  readonly platform?: Platform;
  /** `service.name` for telemetry and `service` on log lines; the service's name when there is one. */
  readonly processName?: string;
  /** A root logger made by the caller (e.g. writing to a file); otherwise one on stdout. */
  readonly logger?: Logger;
}

export interface RunningServices {
  readonly app: INestApplication;
  /** Base URL the HTTP server answers on, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly port: number;
  readonly platform: Platform;
  readonly readiness: ReadinessRegistry;
  readonly services: readonly LoadedService[];
  /** Stops taking requests, runs Nest's shutdown hooks, then closes what boot opened. */
  close(): Promise<void>;
}

@Module({})
class HoldfastProcessModule {}

/**
 * The one way to start service modules: validated config (a bad value names the variable
 * and nothing starts), logs, telemetry, Postgres and the bus, migrations, then one NestJS
 * HTTP server with /health, /ready and /metrics next to the services' own routes.
 */
export async function bootServices(options: BootOptions): Promise<RunningServices> {
  if (options.services.length === 0) throw new Error('bootServices: no services given');
  const env = options.env ?? process.env;
  const names = new Set<string>();
  for (const d of options.services) {
    if (names.has(d.name)) throw new Error(`bootServices: service ${d.name} given twice`);
    names.add(d.name);
  }
  const services: LoadedService[] = options.services.map((definition) => ({
    definition,
    config: loadConfig(definition.configSchema, env) as ServiceConfig,
  }));
  const first = services[0].config;
  const processName = options.processName ?? (services.length === 1 ? services[0].definition.name : 'holdfast');
  const logger =
    options.logger ?? createRootLogger({ level: first.HOLDFAST_LOG_LEVEL, base: { service: processName } });
  const log = logger.child({ context: 'Boot' });

  const ownsTelemetry = !getTelemetry();
  const telemetry = startTelemetry({ serviceName: processName, env });
  const platform =
    options.platform ??
    (await createPlatform({
      databaseUrl: first.DATABASE_URL,
      natsUrl: first.NATS_URL,
      namespace: first.HOLDFAST_NAMESPACE,
      busMode: first.HOLDFAST_BUS,
    }));
  const ownsPlatform = !options.platform;

  let app: INestApplication | undefined;
  try {
    const applied = await runServiceMigrations(
      platform.db,
      services.map((s) => ({ service: s.definition.name, migrations: s.definition.migrations })),
    );
    if (applied.length) log.info({ applied }, 'service migrations applied');

    const readiness = new ReadinessRegistry();
    readiness.register({ name: 'postgres', check: async () => void (await platform.db.query('SELECT 1')) });
    readiness.register({ name: 'bus', check: () => platform.bus.check() });

    const root: DynamicModule = {
      module: HoldfastProcessModule,
      imports: [ServiceKitModule.forRoot({ platform, readiness, services }), ...services.map((s) => s.definition.module)],
    };
    app = await NestFactory.create(root, { logger: new NestPinoLogger(logger), abortOnError: false });
    app.use(requestContextMiddleware());
    app.useGlobalFilters(new HoldfastErrorFilter());
    for (const s of services) await s.definition.configureApp?.(app, { config: s.config, platform });

    const port = options.port ?? first.PORT;
    const host = options.host ?? first.HOST;
    await app.listen(port, host);
    const address = app.getHttpServer().address() as AddressInfo;
    const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${address.port}`;
    log.info(
      { url, services: [...names], bus: platform.bus.kind, namespace: platform.namespace, traces: telemetry.traceExporter },
      'listening',
    );
    const running = app;
    let closing: Promise<void> | undefined;
    return {
      app: running,
      url,
      port: address.port,
      platform,
      readiness,
      services,
      close: () =>
        (closing ??= (async () => {
          await running.close();
          if (ownsPlatform) await platform.close();
          if (ownsTelemetry) await telemetry.shutdown();
          log.info('stopped');
        })()),
    };
  } catch (e) {
    await app?.close().catch(() => undefined);
    if (ownsPlatform) await platform.close();
    if (ownsTelemetry) await telemetry.shutdown();
    throw e;
  }
}


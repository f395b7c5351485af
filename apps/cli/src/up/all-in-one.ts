import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { bootServices, createPlatform, createRootLogger, type RunningServices } from '@holdfast/service-kit';
import { allServices } from './all-services';
import { chooseBus, type BusChoice } from './bus-choice';
import { chooseDatabase, type DatabaseChoice } from './database-choice';
import { fileSecret, newAdminToken, newMasterKey, newRepositoryPassword } from './data-dir';

// re-exported so `holdfast up` loads the service kit only through this (lazily loaded) file
export { closeOnSignals } from '@holdfast/service-kit';

export interface AllInOneOptions {
  /** Where the embedded Postgres, the repository, exports, secrets and logs live. */
  readonly dataDir: string;
  /** HTTP port (0 = any free one). */
  readonly port: number;
  readonly host?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Told each choice as it is made (what `holdfast up` prints). */
  readonly onChoice?: (line: string) => void;
  /**
   * Where to look for the machine's Postgres and NATS when DATABASE_URL / NATS_URL are not
   * set; also HOLDFAST_UP_LOCAL_POSTGRES / HOLDFAST_UP_LOCAL_NATS (default 127.0.0.1:5432 / :4222).
   */
  readonly localPostgresUrl?: string;
  readonly localNatsUrl?: string;
}

export interface AllInOne {
  /** Base URL of the API and the portal. */
  readonly url: string;
  /** An administrator API token (HOLDFAST_TOKEN). */
  readonly token: string;
  readonly namespace: string;
  readonly database: DatabaseChoice;
  readonly bus: BusChoice & { readonly kind: string };
  readonly logFile: string;
  readonly running: RunningServices;
  close(): Promise<void>;
}

/**
 * Every service module in one process (`holdfast up`): chooses Postgres and the bus, keeps
 * secrets and data in the data folder, runs migrations, and serves one HTTP port.
 */
export async function startAllInOne(options: AllInOneOptions): Promise<AllInOne> {
  const env = options.env ?? process.env;
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const say = options.onChoice ?? (() => undefined);
  const namespace = env.HOLDFAST_NAMESPACE || 'holdfast';
  say(`data folder: ${dataDir}`);
  say(`namespace: ${namespace}`);

  const logFile = path.join(dataDir, 'logs', 'holdfast.log');
  mkdirSync(path.dirname(logFile), { recursive: true });
  const level = env.HOLDFAST_LOG_LEVEL || 'info';
  const logger = createRootLogger({
    level,
    base: { service: 'holdfast' },
    // everything to the log file; warnings and errors also on stderr
    destination: pino.multistream([
      { level: level === 'silent' ? 'fatal' : (level as pino.Level), stream: pino.destination({ dest: logFile, mkdir: true, sync: false }) },
      { level: 'warn', stream: process.stderr },
    ]),
  });

  const database = await chooseDatabase({
    databaseUrl: env.DATABASE_URL || undefined,
    localServerUrl: options.localPostgresUrl ?? (env.HOLDFAST_UP_LOCAL_POSTGRES || undefined),
    dataDir,
    databaseName: namespace,
  });
  say(`database: ${database.description}`);
  try {
    const busChoice = await chooseBus({
      natsUrl: env.NATS_URL || undefined,
      localNatsUrl: options.localNatsUrl ?? (env.HOLDFAST_UP_LOCAL_NATS || undefined),
    });
    const token = env.HOLDFAST_ADMIN_TOKEN || fileSecret(dataDir, 'admin-token', newAdminToken);
    const serviceEnv: NodeJS.ProcessEnv = {
      ...env,
      DATABASE_URL: database.url,
      NATS_URL: busChoice.natsUrl,
      HOLDFAST_BUS: busChoice.mode,
      HOLDFAST_NAMESPACE: namespace,
      HOLDFAST_ADMIN_TOKEN: token,
      HOLDFAST_MASTER_KEY: env.HOLDFAST_MASTER_KEY || fileSecret(dataDir, 'master-key', newMasterKey),
      HOLDFAST_REPOSITORY: env.HOLDFAST_REPOSITORY || path.join(dataDir, 'repository'),
      HOLDFAST_REPOSITORY_PASSWORD: env.HOLDFAST_REPOSITORY_PASSWORD || fileSecret(dataDir, 'repository-password', newRepositoryPassword),
      HOLDFAST_EXPORT_DIR: env.HOLDFAST_EXPORT_DIR || path.join(dataDir, 'exports'),
      HOLDFAST_LOG_LEVEL: level,
    };
    const platform = await createPlatform({
      databaseUrl: database.url,
      natsUrl: busChoice.natsUrl,
      namespace,
      busMode: busChoice.mode,
    });
    say(
      platform.bus.kind === 'jetstream'
        ? `bus: NATS JetStream (${busChoice.description})`
        : busChoice.mode === 'in-process'
          ? `bus: ${busChoice.description}`
          : `bus: in-process (${platform.bus.reason})`,
    );
    let running: RunningServices;
    try {
      running = await bootServices({
        services: allServices,
        env: serviceEnv,
        port: options.port,
        host: options.host ?? '127.0.0.1',
        platform,
        processName: 'holdfast',
        logger,
      });
    } catch (e) {
      await platform.close();
      throw e;
    }
    say(`services: ${allServices.map((s) => s.name).join(', ')}`);
    say(`logs: ${logFile}`);
    let closing: Promise<void> | undefined;
    return {
      url: running.url,
      token,
      namespace,
      database,
      bus: { ...busChoice, kind: platform.bus.kind },
      logFile,
      running,
      close: () =>
        (closing ??= (async () => {
          await running.close();
          await platform.close();
          await database.stop();
          logger.flush();
        })()),
    };
  } catch (e) {
    await database.stop().catch(() => undefined);
    throw e;
  }
}

import { ConfigError } from '@holdfast/config';
import { rootLogger } from '../logging/logger';
import type { ServiceDefinition } from '../service-definition';
import { bootServices, type RunningServices } from './boot-services';

/**
 * Calls close() on the first SIGINT or SIGTERM, then exits. A second signal exits at once,
 * so a stuck shutdown can always be interrupted.
 */
export function closeOnSignals(close: () => Promise<void>, onDone: (code: number) => void = (c) => process.exit(c)): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      onDone(130);
      return;
    }
    stopping = true;
    rootLogger().info({ context: 'Shutdown', signal }, 'shutting down');
    close().then(
      () => onDone(0),
      (e) => {
        rootLogger().error({ context: 'Shutdown', err: e }, 'shutdown failed');
        onDone(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/**
 * Entry point of one service in its own process (apps/<name>/src/main.ts): boots it, stops
 * cleanly on SIGINT/SIGTERM; a configuration error is printed naming the variable, exit 1.
 */
export async function runService(definition: ServiceDefinition): Promise<RunningServices | undefined> {
  try {
    const running = await bootServices({ services: [definition] });
    closeOnSignals(() => running.close());
    return running;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`holdfast ${definition.name}: ${e.message}\n`);
    } else {
      rootLogger().fatal({ context: 'Boot', err: e }, 'failed to start');
      process.stderr.write(`holdfast ${definition.name}: failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
    }
    process.exitCode = 1;
    return undefined;
  }
}

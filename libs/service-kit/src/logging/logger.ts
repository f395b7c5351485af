import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { redactSecrets } from './redact';
import { currentRequestContext } from './request-context';

export type { Logger } from 'pino';

export interface RootLoggerOptions {
  /** pino level or `silent`; HOLDFAST_LOG_LEVEL by default. */
  readonly level?: string;
  /** Fields on every line, e.g. `{ service: 'gateway' }`. */
  readonly base?: Record<string, unknown>;
  /** Where lines go; stdout by default. */
  readonly destination?: DestinationStream;
}

let root: Logger | undefined;

/**
 * Creates the process's root logger: JSON lines, ISO times, secrets redacted at any depth,
 * and the current request's correlation id, tenant and run on every line.
 */
export function createRootLogger(options: RootLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? process.env.HOLDFAST_LOG_LEVEL ?? 'info',
    base: { pid: process.pid, ...options.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    formatters: {
      level: (label) => ({ level: label }),
      log: (obj) => redactSecrets(obj) as Record<string, unknown>,
    },
    mixin() {
      const ctx = currentRequestContext();
      if (!ctx) return {};
      return {
        correlationId: ctx.correlationId,
        ...(ctx.tenantId ? { tenantId: ctx.tenantId } : {}),
        ...(ctx.runId ? { runId: ctx.runId } : {}),
      };
    },
  };
  root = options.destination ? pino(config, options.destination) : pino(config);
  return root;
}

/** The root logger, created with defaults on first use. */
export function rootLogger(): Logger {
  return root ?? createRootLogger();
}

/** A logger whose lines carry `context` (by convention the class name). */
export function getLogger(context: string): Logger {
  return rootLogger().child({ context });
}

const NEST_CHATTER = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

/** Routes NestJS's own log calls into pino, keeping Nest's context as `context`. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    // Nest's start-up chatter (one line per module and route) is debug detail
    const context = rest[rest.length - 1];
    this.write(typeof context === 'string' && NEST_CHATTER.has(context) ? 'debug' : 'info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, rest: unknown[]): void {
    // Nest passes the context as the last string argument, and for errors a stack before it
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const stack = level === 'error' && typeof rest[0] === 'string' && rest.length > 1 ? rest[0] : undefined;
    const fields: Record<string, unknown> = { context: context ?? 'Nest' };
    if (stack) fields.stack = stack;
    if (message instanceof Error) this.logger[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.logger[level]({ ...fields, ...message });
    else this.logger[level](fields, String(message));
  }
}

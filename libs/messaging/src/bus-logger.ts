import pino from 'pino';

/** The part of a pino logger the bus uses; pass the service's logger to share its output. */
export interface BusLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

let root: pino.Logger | undefined;

export function defaultBusLogger(context: string): BusLogger {
  root ??= pino({ level: process.env.HOLDFAST_LOG_LEVEL ?? 'info' });
  return root.child({ context });
}

import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Settings every service reads. Keys are environment variable names (see @holdfast/config),
 * so a bad value is reported with the variable's name.
 */
export const platformConfigShape = {
  /** Postgres of this installation: the event store, projections and the services' tables. */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL'),
  /** NATS with JetStream; without it the process uses the in-process bus (all-in-one only). */
  NATS_URL: z.string().regex(/^(nats|tls|ws|wss):\/\//, 'expected a nats:// URL').optional(),
  /** Separates installations that share one Postgres server and one NATS (streams, subjects). */
  HOLDFAST_NAMESPACE: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'expected 1-32 lower-case letters, digits, - or _, starting with a letter')
    .default('holdfast'),
  /** auto: JetStream when NATS_URL answers, else in-process; jetstream: NATS required (distributed mode). */
  HOLDFAST_BUS: z.enum(['auto', 'jetstream', 'in-process']).default('auto'),
  HOLDFAST_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** Interface the HTTP server listens on. */
  HOST: z.string().default('0.0.0.0'),
} as const;

export const platformConfigSchema = z.object(platformConfigShape);
export type PlatformConfig = z.infer<typeof platformConfigSchema>;

/** The HTTP port setting of a service, with the service's own default. */
export function portSetting(defaultPort: number) {
  return z.coerce.number().int().min(0).max(65535).default(defaultPort);
}

/**
 * Where backup data lives, for the services that read or write it (see @holdfast/repository):
 * a folder (`/var/lib/holdfast/repository` or `file:///...`, the embedded default) or
 * `s3://bucket/prefix?endpoint=http://minio:9000&region=us-east-1` (credentials in the standard
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). The password unlocks the repository's master key.
 */
export const repositorySettings = {
  HOLDFAST_REPOSITORY: z
    .string()
    .min(1)
    .refine((v) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(v) || /^(file|s3):\/\//.test(v), 'expected a folder, file:///folder or s3://bucket/prefix'),
  HOLDFAST_REPOSITORY_PASSWORD: z.string().min(8, 'expected at least 8 characters'),
} as const;

import { platformConfigShape, portSetting, repositorySettings } from '@holdfast/service-kit';
import { z } from 'zod';

export const RETENTION_DEFAULT_PORT = 8085;

/** Settings of the retention service (environment variable names). */
export const retentionConfigSchema = z.object({
  ...platformConfigShape,
  PORT: portSetting(RETENTION_DEFAULT_PORT),
  ...repositorySettings,
  /** Minutes between retention evaluations. */
  HOLDFAST_RETENTION_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(60),
});

export type RetentionConfig = z.infer<typeof retentionConfigSchema>;

/** Injection token of the loaded RetentionConfig. */
export const RETENTION_CONFIG = Symbol('holdfast.retention.config');

import { platformConfigShape, portSetting, repositorySettings } from '@holdfast/service-kit';
import { z } from 'zod';

export const BACKUP_WORKER_DEFAULT_PORT = 8084;

/** Settings of the backup-worker service (environment variable names). */
export const backupWorkerConfigSchema = z.object({
  ...platformConfigShape,
  PORT: portSetting(BACKUP_WORKER_DEFAULT_PORT),
  ...repositorySettings,
  /** Tasks this worker runs at once. */
  HOLDFAST_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Extra CA (PEM file) trusted for Graph: a TLS-inspecting proxy, or the simulator. */
  HOLDFAST_GRAPH_CA_FILE: z.string().min(1).optional(),
});

export type BackupWorkerConfig = z.infer<typeof backupWorkerConfigSchema>;

/** Injection token of the loaded BackupWorkerConfig. */
export const BACKUP_WORKER_CONFIG = Symbol('holdfast.backup-worker.config');

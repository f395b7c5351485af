import { platformConfigShape, portSetting, repositorySettings } from '@holdfast/service-kit';
import { z } from 'zod';

export const RECOVERY_DEFAULT_PORT = 8087;

/** Settings of the recovery service (environment variable names). */
export const recoveryConfigSchema = z.object({
  ...platformConfigShape,
  PORT: portSetting(RECOVERY_DEFAULT_PORT),
  ...repositorySettings,
  /** Folder under which exports are written (each export in its own sub-folder). */
  HOLDFAST_EXPORT_DIR: z.string().min(1).default('./.holdfast/exports'),
});

export type RecoveryConfig = z.infer<typeof recoveryConfigSchema>;

/** Injection token of the loaded RecoveryConfig. */
export const RECOVERY_CONFIG = Symbol('holdfast.recovery.config');

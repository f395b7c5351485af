import { platformConfigShape, portSetting } from '@holdfast/service-kit';
import { z } from 'zod';

export const SCHEDULER_DEFAULT_PORT = 8083;

/** Settings of the scheduler service (environment variable names). */
export const schedulerConfigSchema = z.object({
  ...platformConfigShape,
  PORT: portSetting(SCHEDULER_DEFAULT_PORT),
  /** Seconds between checks for due schedules. */
  HOLDFAST_SCHEDULER_TICK_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
});

export type SchedulerConfig = z.infer<typeof schedulerConfigSchema>;

/** Injection token of the loaded SchedulerConfig. */
export const SCHEDULER_CONFIG = Symbol('holdfast.scheduler.config');

import { platformConfigShape, portSetting } from '@holdfast/service-kit';
import { z } from 'zod';

export const GATEWAY_DEFAULT_PORT = 8080;

/** Settings of the gateway (environment variable names). */
export const gatewayConfigSchema = z.object({
  ...platformConfigShape,
  PORT: portSetting(GATEWAY_DEFAULT_PORT),
  /**
   * An administrator API token to accept (created if missing). Without it, the first start
   * generates one and prints it once.
   */
  HOLDFAST_ADMIN_TOKEN: z.string().min(24, 'expected at least 24 characters').optional(),
  /** Email of the first portal administrator (created on the first start when there is no user). */
  HOLDFAST_ADMIN_EMAIL: z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'expected an email address').optional(),
  /** Password of that first administrator; without it one is generated and printed once. */
  HOLDFAST_ADMIN_PASSWORD: z.string().min(12, 'expected at least 12 characters').optional(),
  /** Folder of the built portal (apps/portal) served at /; nothing is served when unset. */
  HOLDFAST_PORTAL_DIR: z.string().min(1).optional(),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** Injection token of the loaded GatewayConfig. */
export const GATEWAY_CONFIG = Symbol('holdfast.gateway.config');

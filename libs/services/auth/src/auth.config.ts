import { platformConfigShape, portSetting } from '@holdfast/service-kit';
import { z } from 'zod';

export const AUTH_DEFAULT_PORT = 8081;

/** Settings of the auth service (environment variable names). */
export const authConfigSchema = z.object({
  ...platformConfigShape,
  PORT: portSetting(AUTH_DEFAULT_PORT),
  /** Master key (base64 of 32 bytes) that wraps every tenant's data keys (envelope encryption). */
  HOLDFAST_MASTER_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'expected 32 bytes, base64-encoded (openssl rand -base64 32)'),
  /** Extra CA (PEM file) trusted for Entra ID and Graph: a TLS-inspecting proxy, or the simulator. */
  HOLDFAST_GRAPH_CA_FILE: z.string().min(1).optional(),
});

export type AuthConfig = z.infer<typeof authConfigSchema>;

/** Injection token of the loaded AuthConfig. */
export const AUTH_CONFIG = Symbol('holdfast.auth.config');

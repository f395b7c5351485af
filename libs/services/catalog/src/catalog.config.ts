import { platformConfigShape, portSetting, repositorySettings } from '@holdfast/service-kit';
import { z } from 'zod';

export const CATALOG_DEFAULT_PORT = 8086;

/** Settings of the catalog service (environment variable names). */
export const catalogConfigSchema = z.object({
  ...platformConfigShape,
  PORT: portSetting(CATALOG_DEFAULT_PORT),
  ...repositorySettings,
});

export type CatalogConfig = z.infer<typeof catalogConfigSchema>;

/** Injection token of the loaded CatalogConfig. */
export const CATALOG_CONFIG = Symbol('holdfast.catalog.config');

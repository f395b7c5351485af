export * from './catalog.config';
export * from './catalog.migrations';
export * from './catalog-readiness.probe';
export * from './catalog-service.module';

export * from './catalog.config';
export * from './catalog.migrations';
export * from './catalog-readiness.probe';
export * from './catalog-service.module';
export * from './catalog-item';
export * from './catalog-index.repository';
export * from './catalog-query.repository';

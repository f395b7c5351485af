export * from './inventory.config';
export * from './inventory.migrations';
export * from './inventory-readiness.probe';
export * from './inventory-service.module';

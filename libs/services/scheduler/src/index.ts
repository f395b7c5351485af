export * from './scheduler.config';
export * from './scheduler.migrations';
export * from './scheduler-readiness.probe';
export * from './scheduler-service.module';

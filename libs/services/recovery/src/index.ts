export * from './recovery.config';
export * from './recovery.migrations';
export * from './recovery-readiness.probe';
export * from './recovery-service.module';

export * from './backup-worker.config';
export * from './backup-worker.migrations';
export * from './backup-worker-readiness.probe';
export * from './backup-worker-service.module';

export * from './retention.config';
export * from './retention.migrations';
export * from './retention-readiness.probe';
export * from './retention-service.module';
export * from './policy/retention-policy';
export * from './apply/apply-retention.usecase';
export * from './retention-runtime';

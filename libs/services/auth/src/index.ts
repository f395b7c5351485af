export * from './auth.config';
export * from './auth.migrations';
export * from './auth-readiness.probe';
export * from './auth-service.module';

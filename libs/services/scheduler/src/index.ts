export * from './scheduler.config';
export * from './scheduler.migrations';
export * from './scheduler-readiness.probe';
export * from './scheduler-service.module';
export * from './schedules/schedule-evaluator';
export * from './jobs/job.decider';
export * from './runs/run.decider';

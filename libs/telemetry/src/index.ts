export * from './attributes';
export * from './telemetry';
export * from './trace-propagation';

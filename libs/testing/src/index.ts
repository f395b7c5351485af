export * from './postgres';
export * from './nats';
export * from './ids';
export * from './simulator';

export * from './define-event';
export * from './events-doc';
export * from './catalog';
export * from './platform.events';

export * from './define-event';
export * from './events-doc';
export * from './catalog';
export * from './platform.events';
export * from './orgs.events';
export * from './inventory.events';

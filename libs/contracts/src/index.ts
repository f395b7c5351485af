export * from './envelope';
export * from './errors';
export * from './events';
export * from './rpc/orgs.rpc';
export * from './rpc/inventory.rpc';
export * from './rpc/catalog.rpc';

/**
 * @holdfast/event-store: the Postgres event store, deciders, projections and migrations.
 *
 * Store
 * - PostgresEventStore      (`new PostgresEventStore({ pool, upcasters, validate: CATALOG })`) append with an expected version, read a stream, read the gap-safe global log:
 *                           `await store.appendToStream(tenantId, 'run-' + id, [RunRequested.create(data)], { expectedVersion: 'no_stream' })`
 * - store.withTransaction   service writes + append in one transaction:
 *                           `await store.withTransaction(async (tx) => { await tx.client.query(...); await tx.appendToStream(...) })`
 * - store.waitForVisibility  resolves once readAll returns everything committed before the call (tests, tools)
 * - ConcurrencyError        thrown when the stream is not at the expected version (code 'concurrency_conflict')
 * - EventStore, ExpectedVersion, AppendResult, ReadAllOptions   the port other libraries code against
 * - eventStoreMigrations    the store's tables; run them with your own: `runMigrations(url, [eventStoreMigrations, myMigrations])`
 * - UpcasterRegistry        schema versions and upcasters: `new UpcasterRegistry().registerCatalog(CATALOG).register('X', { currentVersion: 2, upcasters: { 1: up } })`
 *
 * Deciders
 * - Decider                 `{ decide(command, state), evolve(state, event), initialState() }`, pure
 * - CommandHandler          load, fold, decide, append, retry on conflict: `await new CommandHandler(store, decider).handle({ tenantId, streamId, command })`
 * - DeciderSpecification    given/when/then without I/O: `DeciderSpecification.for(decider).given([e1]).when(cmd).then([e2])`
 *
 * Projections
 * - Projection, defineProjection   `defineProjection({ name, handles: ['RunStarted'], tables: ['run_status'], handle: async (events, tx) => ... })`
 * - registerProjection, projectionRegistry   make a projection known to runners and `holdfast admin rebuild-projections`
 * - ProjectionRunner        `const r = new ProjectionRunner({ pool, store, projections, listenUrl }); r.start(); r.notify(); await r.stop()`
 * - rebuildProjections      truncate and replay: `await rebuildProjections({ pool, store, names: ['gateway.run-status'] })`
 *
 * Migrations
 * - runMigrations, Migration, MigrationModule   ordered, named, recorded, advisory-locked:
 *                           `await runMigrations(databaseUrl, [eventStoreMigrations, { module: 'scheduler', migrations: [...] }])`
 */
export * from './event-store.port';
export * from './concurrency.error';
export { PostgresEventStore } from './postgres/postgres-event-store';
export type {
  AppendOptions,
  EventStoreTransaction,
  EventValidator,
  PostgresEventStoreOptions,
} from './postgres/postgres-event-store';
export { eventStoreMigrations, EVENTS_NOTIFY_CHANNEL } from './postgres/event-store.migrations';
export type { Queryable } from './postgres/pg-types';
export * from './upcasting/upcaster-registry';
export * from './migrations/run-migrations';
export * from './deciders/decider';
export * from './deciders/command-handler';
export * from './deciders/decider-specification';
export * from './projections/projection';
export * from './projections/projection-registry';
export * from './projections/projection-runner';
export * from './projections/rebuild-projections';

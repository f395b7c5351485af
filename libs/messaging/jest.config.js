// Two workers even on a 2-core machine: the suites mostly wait on NATS, Postgres and redelivery
// timers, and each uses its own namespace and database.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'messaging',
  rootDir: __dirname,
  testTimeout: 30_000,
  maxWorkers: 2,
};

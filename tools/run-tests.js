#!/usr/bin/env node
// The test command (what .ci/run runs): type-check everything, lint (layer rules included),
// then every project's jest suite against the real services. Every step runs; the exit code
// is the first failure's. Arguments go to jest (e.g. `npm test -- libs/telemetry`); with
// arguments the type-check and lint are skipped unless HOLDFAST_TEST_STATIC=1.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const jestArgs = process.argv.slice(2);
/** The executable a package declares in its package.json `bin`. */
function bin(pkg, name = pkg) {
  const dir = path.dirname(require.resolve(`${pkg}/package.json`, { paths: [root] }));
  const declared = require(path.join(dir, 'package.json')).bin;
  return path.join(dir, typeof declared === 'string' ? declared : declared[name]);
}
const steps = [];
if (jestArgs.length === 0 || process.env.HOLDFAST_TEST_STATIC === '1') {
  steps.push(['typecheck', [bin('typescript', 'tsc'), '-p', 'tsconfig.check.json', '--noEmit']]);
  // the project graph first: the boundary rule reads Nx's cached graph
  steps.push(['project graph', [bin('nx'), 'show', 'projects']]);
  steps.push(['lint', [bin('eslint'), '.']]);
}
steps.push(['jest', [bin('jest'), '-c', 'jest.config.js', '--ci', '--maxWorkers=2', ...jestArgs]]);

let exitCode = 0;
for (const [name, args] of steps) {
  process.stdout.write(`\n== ${name} ==\n`);
  const r = spawnSync(process.execPath, args, {
    stdio: name === 'project graph' ? ['ignore', 'ignore', 'inherit'] : 'inherit',
    cwd: root,
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  const code = r.status ?? 1;
  if (code !== 0) {
    process.stdout.write(`== ${name} failed (exit ${code}) ==\n`);
    if (exitCode === 0) exitCode = code;
  }
}
process.exit(exitCode);

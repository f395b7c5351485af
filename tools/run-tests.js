#!/usr/bin/env node
// The test command: every project's jest suite against the real services.
const { spawnSync } = require('node:child_process');
const args = ['jest', '-c', 'jest.config.js', '--ci', '--maxWorkers=2', ...process.argv.slice(2)];
const r = spawnSync('npx', args, { stdio: 'inherit', cwd: __dirname + '/..' });
process.exit(r.status ?? 1);

#!/usr/bin/env node
// Runs a TypeScript entry point from source: swc transpiles on load (decorator metadata
// included, which NestJS needs), tsconfig paths resolve the @holdfast/* libraries.
require('./register');
const path = require('node:path');
const entry = process.argv[2];
if (!entry) {
  console.error('usage: ts-run.js FILE.ts [args...]');
  process.exit(2);
}
process.argv.splice(1, 1);
require(path.resolve(entry));

#!/usr/bin/env node
// `npm run bench`: runs every benchmark that exists, one after the other, and repeats
// each one's last line (the machine-readable summary) at the end.
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const benches = ['sim', 'repo', 'backup', 'catalog']
  .map((name) => ({ name, file: path.join('tools', 'bench', `${name}.bench.ts`) }))
  .filter((b) => existsSync(path.join(root, b.file)));

const summary = [];
let failed = 0;
for (const b of benches) {
  console.log(`\n=== bench:${b.name} ===`);
  const r = spawnSync(process.execPath, ['bin/ts-run.js', b.file], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(r.stdout ?? '');
  const lines = (r.stdout ?? '').trim().split('\n');
  summary.push(`${b.name}: ${r.status === 0 ? lines[lines.length - 1] : `FAILED (exit ${r.status})`}`);
  if (r.status !== 0) failed++;
}
console.log('\n=== summary ===');
for (const s of summary) console.log(s);
process.exit(failed ? 1 : 0);

// Root jest config: runs every project's suite (apps/*, libs/*, libs/services/*).
const { readdirSync, existsSync } = require('node:fs');
const path = require('node:path');

const projects = [];
for (const base of ['apps', 'libs', 'libs/services']) {
  const dir = path.join(__dirname, base);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const cfg = path.join(dir, name, 'jest.config.js');
    if (existsSync(cfg)) projects.push(cfg);
  }
}
// workspace-level suites: deployment manifests (infra) and layer rules (tools)
for (const extra of ['infra/jest.config.js', 'tools/jest.config.js']) {
  if (existsSync(path.join(__dirname, extra))) projects.push(path.join(__dirname, extra));
}
// testTimeout is a global option: per-project values are ignored when all projects run together.
// Integration suites start real servers on a 2-core machine shared with other work.
module.exports = { projects, testTimeout: 60_000 };

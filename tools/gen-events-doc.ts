// Regenerates docs/events.md from the event catalog in libs/contracts.
// Usage: node bin/ts-run.js tools/gen-events-doc.ts [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CATALOG, EVENTS_DOC_COMMAND, renderEventsDoc } from '@holdfast/contracts';

const target = path.join(__dirname, '..', 'docs', 'events.md');
const content = renderEventsDoc(CATALOG);

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as out of date
  }
  if (current !== content) {
    process.stderr.write(`docs/events.md is out of date; run: ${EVENTS_DOC_COMMAND}\n`);
    process.exitCode = 1;
  }
} else {
  writeFileSync(target, content);
  process.stdout.write(`wrote docs/events.md (${CATALOG.length} events)\n`);
}

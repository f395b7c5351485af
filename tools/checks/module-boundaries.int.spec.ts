import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

interface Case {
  readonly file: string;
  readonly code: string;
}

/**
 * Lints each case as if its code were the file at `file` (nothing is written) with the
 * workspace's ESLint config, in one child process: ESLint loads its config with import(),
 * which jest's module sandbox does not offer. Returns the boundary errors of each case.
 */
function boundaryErrors(cases: readonly Case[]): string[][] {
  const script = `
    const { ESLint } = require('eslint');
    (async () => {
      const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
      const eslint = new ESLint({ cwd: process.cwd() });
      const out = [];
      for (const c of cases) {
        const [r] = await eslint.lintText(c.code, { filePath: require('node:path').join(process.cwd(), c.file) });
        out.push(r.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message));
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(2); });`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: root, input: JSON.stringify(cases), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`eslint failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[][];
}

const imports = {
  infraAndContracts: `import { getLogger } from '@holdfast/service-kit';\nimport { HoldfastError } from '@holdfast/contracts';\nexport const x = [getLogger, HoldfastError];\n`,
  gatewayDomain: `import { gatewayService } from '@holdfast/service-gateway';\nexport const x = gatewayService;\n`,
  config: `import { loadConfig } from '@holdfast/config';\nexport const x = loadConfig;\n`,
  testing: `import { createTestDatabase } from '@holdfast/testing';\nexport const x = createTestDatabase;\n`,
};

describe('Nx layer rules (eslint @nx/enforce-module-boundaries)', () => {
  let results: string[][];
  const cases: Case[] = [
    { file: 'libs/services/catalog/src/probe.ts', code: imports.infraAndContracts }, // 0 allowed
    { file: 'libs/services/catalog/src/probe.ts', code: imports.gatewayDomain }, // 1 domain -> domain
    { file: 'libs/service-kit/src/probe.ts', code: imports.gatewayDomain }, // 2 infra -> domain
    { file: 'libs/contracts/src/probe.ts', code: imports.config }, // 3 contracts -> infra
    { file: 'libs/service-kit/src/probe.ts', code: `import { printError } from '../../../apps/cli/src/output';\nexport const x = printError;\n` }, // 4 lib -> app
    { file: 'apps/gateway/src/probe.ts', code: `import { printError } from '../../cli/src/output';\nexport const x = printError;\n` }, // 5 app -> app
    { file: 'libs/services/catalog/src/probe.int.spec.ts', code: imports.testing }, // 6 testing in a test
    { file: 'libs/services/catalog/src/probe.ts', code: imports.testing }, // 7 testing in production code
  ];

  beforeAll(() => {
    // the rule works from Nx's cached project graph; refresh it so new projects are known
    execFileSync(process.execPath, [require.resolve('nx/bin/nx.js'), 'show', 'projects'], {
      cwd: root,
      stdio: 'ignore',
      env: { ...process.env, NX_DAEMON: 'false' },
    });
    results = boundaryErrors(cases);
  }, 120_000);

  it('lets a domain library use infra and contracts', () => {
    expect(results[0]).toEqual([]);
  });

  it('forbids a domain library to use another service domain library', () => {
    expect(results[1].join('\n')).toMatch(/type:domain" can only depend/);
  });

  it('forbids an infra library to use a domain library', () => {
    // reported as a layer violation, or as the cycle it would create (service libs use service-kit)
    expect(results[2].join('\n')).toMatch(/type:infra" can only depend|Circular dependency/);
  });

  it('forbids contracts to depend on anything of ours', () => {
    expect(results[3].join('\n')).toMatch(/type:contracts" can only depend/);
  });

  it('forbids a library to import an app, and an app another app', () => {
    expect(results[4].length).toBeGreaterThan(0);
    expect(results[5].length).toBeGreaterThan(0);
  });

  it('allows the testing library in test files only', () => {
    expect(results[6]).toEqual([]);
    expect(results[7].join('\n')).toMatch(/type:domain" can only depend on libs tagged with "type:contracts", "type:infra"$/);
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

/**
 * Boundary errors the workspace's ESLint reports for `code` as if it were the file at `file`
 * (never written). ESLint runs as a child process: it loads its config with import(), which
 * jest's module sandbox does not offer.
 */
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const r = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/eslint/bin/eslint.js'), '--stdin', '--stdin-filename', path.join(root, file), '--format', 'json'],
    { cwd: root, input: code, encoding: 'utf8' },
  );
  if (r.status !== 0 && r.status !== 1) throw new Error(`eslint failed: ${r.stderr}`);
  const [result] = JSON.parse(r.stdout) as { messages: { ruleId: string | null; message: string }[] }[];
  return result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('Nx layer rules (eslint @nx/enforce-module-boundaries)', () => {
  beforeAll(() => {
    // the rule works from Nx's cached project graph; refresh it so new projects are known
    execFileSync(process.execPath, [require.resolve('nx/bin/nx.js'), 'show', 'projects'], {
      cwd: root,
      stdio: 'ignore',
      env: { ...process.env, NX_DAEMON: 'false' },
    });
  }, 120_000);

  it('lets a domain library use infra and contracts', async () => {
    expect(
      await boundaryErrors(
        'libs/services/catalog/src/probe.ts',
        `import { getLogger } from '@holdfast/service-kit';\nimport { HoldfastError } from '@holdfast/contracts';\nexport const x = [getLogger, HoldfastError];\n`,
      ),
    ).toEqual([]);
  });

  it('forbids a domain library to use another service domain library', async () => {
    const errors = await boundaryErrors(
      'libs/services/catalog/src/probe.ts',
      `import { gatewayService } from '@holdfast/service-gateway';\nexport const x = gatewayService;\n`,
    );
    expect(errors.join('\n')).toMatch(/type:domain/);
  });

  it('forbids an infra library to use a domain library', async () => {
    const errors = await boundaryErrors(
      'libs/service-kit/src/probe.ts',
      `import { gatewayService } from '@holdfast/service-gateway';\nexport const x = gatewayService;\n`,
    );
    // reported as a layer violation, or as the cycle it would create (service libs use service-kit)
    expect(errors.join('\n')).toMatch(/type:infra" can only depend|Circular dependency/);
  });

  it('forbids contracts to depend on anything of ours', async () => {
    const errors = await boundaryErrors(
      'libs/contracts/src/probe.ts',
      `import { loadConfig } from '@holdfast/config';\nexport const x = loadConfig;\n`,
    );
    expect(errors.join('\n')).toMatch(/type:contracts/);
  });

  it('forbids a library to import an app', async () => {
    const errors = await boundaryErrors(
      'libs/service-kit/src/probe.ts',
      `import { printError } from '../../../apps/cli/src/output';\nexport const x = printError;\n`,
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('forbids an app to import another app', async () => {
    const errors = await boundaryErrors(
      'apps/gateway/src/probe.ts',
      `import { printError } from '../../cli/src/output';\nexport const x = printError;\n`,
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('allows the testing library in test files only', async () => {
    const code = `import { createTestDatabase } from '@holdfast/testing';\nexport const x = createTestDatabase;\n`;
    expect(await boundaryErrors('libs/services/catalog/src/probe.int.spec.ts', code)).toEqual([]);
    expect((await boundaryErrors('libs/services/catalog/src/probe.ts', code)).join('\n')).toMatch(/type:domain" can only depend on libs tagged with "type:contracts", "type:infra"$/);
  });
});

// ESLint flat config. The layer rules (Nx tags) are the point:
//   type:contracts  depends on nothing of ours
//   type:infra      on contracts and infra
//   type:domain     on contracts and infra (never on another service's domain library)
//   type:app        on anything but apps
//   type:testing    from test files only (anywhere)
//   type:tooling    benchmarks and workspace checks (tools/): compose the product like an app
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');
const nx = require('@nx/eslint-plugin');

// The boundary rule reads Nx's cached project graph and silently skips itself without one
// (a fresh clone): when the eslint command runs, compute the graph first. Not when Nx itself
// loads this file to build the graph (its eslint plugin does): that would wait on Nx's lock.
const runByEslintCli = /[\\/](eslint[\\/]bin[\\/]eslint\.js|\.bin[\\/]eslint)$/.test(process.argv[1] ?? '');
if (runByEslintCli && !existsSync(path.join(__dirname, '.nx/workspace-data/project-graph.json'))) {
  execFileSync(process.execPath, [require.resolve('nx/bin/nx.js'), 'show', 'projects'], {
    cwd: __dirname,
    stdio: 'ignore',
    env: { ...process.env, NX_DAEMON: 'false' },
  });
}

const layers = {
  'type:contracts': ['type:contracts'],
  'type:infra': ['type:contracts', 'type:infra'],
  'type:domain': ['type:contracts', 'type:infra'],
  'type:app': ['type:contracts', 'type:infra', 'type:domain'],
  'type:testing': ['type:contracts', 'type:infra', 'type:testing'],
  'type:tooling': ['type:contracts', 'type:infra', 'type:domain', 'type:testing'],
};

/** The boundary rule; test files may also use type:testing libraries. */
function boundaries(inTests) {
  return [
    'error',
    {
      enforceBuildableLibDependency: false,
      banTransitiveDependencies: false,
      checkDynamicDependenciesExceptions: [],
      allow: [],
      depConstraints: Object.entries(layers).map(([sourceTag, allowed]) => ({
        sourceTag,
        onlyDependOnLibsWithTags: inTests ? [...new Set([...allowed, 'type:testing'])] : allowed,
      })),
    },
  ];
}

const testFiles = ['**/*.spec.ts', '**/*.spec.tsx', '**/*.int-helper.ts', '**/__tests__/**'];

module.exports = [
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'tmp/**',
      'coverage/**',
      '.nx/**',
      '.holdfast/**',
      'test-artifacts/**',
      '**/*.d.ts',
    ],
  },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.cjs', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(false),
      // NestJS injects through constructor parameters; unused ones are registrations
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-empty-function': 'off',
      // sanitizers and parsers of protocol data (MIME, file names) match control characters on purpose
      'no-control-regex': 'off',
    },
  },
  {
    files: testFiles,
    rules: {
      '@nx/enforce-module-boundaries': boundaries(true),
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // jest configs extend the workspace preset by path: tooling, not a project dependency
    files: ['**/jest.config.js'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    // CommonJS tooling scripts
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
  },
];

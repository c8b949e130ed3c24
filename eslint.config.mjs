import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

const nodeBuiltins = [
  'fs',
  'path',
  'os',
  'child_process',
  'crypto',
  'http',
  'https',
  'net',
  'process',
  'worker_threads',
];

/**
 * The layers, one folder each, and what each may import besides itself (README.md, Layout).
 * `import-x/no-restricted-paths` enforces it; `typeOnly` layers may be imported for types alone
 * (a workflow names its activities' signatures; the client names a workflow's function type).
 */
const LAYERS = {
  contracts: { imports: [] },
  config: { imports: ['contracts'] },
  workflows: { imports: ['contracts'], typeOnly: ['activities'] },
  adapters: { imports: ['contracts', 'config'] },
  activities: { imports: ['contracts', 'config', 'adapters'] },
  client: { imports: ['contracts', 'config', 'adapters'], typeOnly: ['workflows'] },
  evaluation: { imports: ['contracts', 'config', 'adapters', 'client'] },
  workers: { imports: ['contracts', 'config', 'adapters', 'activities'] },
  devstack: { imports: ['contracts', 'config', 'adapters', 'workers'] },
  cli: { imports: ['contracts', 'config', 'adapters', 'client', 'evaluation', 'workers', 'devstack'] },
};
const layerNames = Object.keys(LAYERS);

const layerZones = Object.entries(LAYERS).map(([layer, { imports, typeOnly = [] }]) => ({
  target: `./${layer}`,
  from: layerNames
    .filter((other) => other !== layer && !imports.includes(other) && !typeOnly.includes(other))
    .map((o) => `./${o}`),
  message: `${layer}/ may import only ${[...imports, ...typeOnly.map((t) => `types from ${t}`)].join(', ') || 'packages'} (README.md, Layout).`,
}));

/** For layers that may name another layer's types: value imports of it are refused. */
const typeOnlyRules = Object.entries(LAYERS)
  .filter(([, { typeOnly }]) => typeOnly?.length)
  .map(([layer, { typeOnly }]) => ({
    files: [`${layer}/**/*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: typeOnly.map((other) => ({
            group: [`**/${other}`, `**/${other}/**`],
            allowTypeImports: true,
            message: `${layer}/ may import only types from ${other}/ (README.md, Layout).`,
          })),
        },
      ],
    },
  }));

export default tseslint.config(
  { ignores: ['node_modules/**', '.memflow/**', '.stack/**', 'dist/**', 'bin/**', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    // Resolves the TypeScript sources themselves, so the import-x rules see every edge between files.
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json', '.node'] })] },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test tracks the promises test()/describe() return itself.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layerZones }],
    },
  },
  ...typeOnlyRules,
  {
    // Workflow code is replayed deterministically inside Temporal's sandbox: no Node built-ins.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: nodeBuiltins.flatMap((m) => [m, `node:${m}`]), patterns: ['node:*'] },
      ],
    },
  },
);

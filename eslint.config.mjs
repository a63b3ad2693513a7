// Lint rules after samples-typescript's .shared/.eslintrc.js and sdk-typescript's eslint.config.mjs:
// type-aware checks everywhere, and a stricter fence around workflow code that Temporal replays.
import js from '@eslint/js';
import importPlugin from 'eslint-plugin-import';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { builtinModules} from 'node:module';
import { readdirSync } from 'node:fs';

const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`]);

// The layers, lowest first. Imports point down only: api/ and worker/ -> orchestration/ (Temporal
// clients), activities/ and the workflow contracts -> integrations/ -> domain features -> the ledger
// core -> platform/. tools/ and test/ sit on top and may import anything.
const features = readdirSync(new URL('./domain', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'ledger')
  .map((entry) => entry.name);
const above = (...layers) => layers.map((layer) => ({ from: `./${layer}`, message: `layers: this folder sits below ${layer}/, which may import it, not the reverse` }));
const layerZones = [
  ...above('domain', 'integrations', 'workflows', 'activities', 'orchestration', 'api', 'worker', 'tools').map((zone) => ({ target: './platform', ...zone })),
  ...above('integrations', 'workflows', 'activities', 'orchestration', 'api', 'worker', 'tools').map((zone) => ({ target: './domain', ...zone })),
  { target: './domain/ledger', from: './domain', except: ['./ledger'], message: 'layers: the ledger core imports no feature; features call the ledger' },
  ...features.map((feature) => ({
    target: `./domain/${feature}`,
    from: './domain',
    except: ['./ledger', `./${feature}`],
    message: `layers: a feature depends only on the ledger and the platform; call the other feature from orchestration/, activities/ or api/`,
  })),
  ...above('workflows', 'activities', 'orchestration', 'api', 'worker', 'tools').map((zone) => ({ target: './integrations', ...zone })),
  ...above('platform', 'integrations', 'orchestration', 'api', 'worker', 'tools').map((zone) => ({ target: './workflows', ...zone })),
  ...above('orchestration', 'api', 'worker', 'tools').map((zone) => ({ target: './activities', ...zone })),
  ...above('activities', 'api', 'worker', 'tools').map((zone) => ({ target: './orchestration', ...zone })),
  ...above('activities', 'worker', 'tools').map((zone) => ({ target: './api', ...zone })),
  ...above('api', 'tools').map((zone) => ({ target: './worker', ...zone })),
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'generated/**', '.cache/**', '.data/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { import: importPlugin },
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.js'] } } },
    rules: {
      // A forgotten await on an activity or a transaction is a bug, not a style choice.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import/no-cycle': 'error',
      'import/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layerZones }],
    },
  },
  {
    // Workflow code is replayed and must be deterministic: no Node built-ins, no I/O modules, and
    // activities only as types (their code runs in the worker, never in the sandbox).
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code is deterministic: do I/O in an activity.' })),
          patterns: [
            { group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Workflows import only @temporalio/workflow (and @temporalio/common).' },
            { group: ['**/generated/**', '@prisma/*', 'pg', 'express', 'openai'], message: 'Workflow code is deterministic: do I/O in an activity.' },
          ],
        },
      ],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/activities/**', '**/domain/**'], allowTypeImports: true, message: 'Import activities and domain code as types only.' }] },
      ],
    },
  },
  {
    // HTTP handlers and Temporal clients reach data through domain modules, never through Prisma's
    // client: its types may be named, its values (queries) may not.
    files: ['api/**/*.ts', 'orchestration/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/generated/prisma/client'], allowTypeImports: true, message: 'Call a domain module; routes and orchestration do not query Prisma.' }] },
      ],
    },
  },
  {
    // The web app (web/): browser code, typed against web/tsconfig.json, React's rules of hooks.
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { import: importPlugin, 'react-hooks': reactHooks },
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.tsx', '.js'] } } },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import/no-cycle': 'error',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);

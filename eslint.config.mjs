// One lint config for the whole workspace.
// - @nx/enforce-module-boundaries makes the layout an enforced architecture (see STYLE principle 1).
// - Workflow files are sandboxed by Temporal; importing Node, Prisma or tfjs there breaks determinism,
//   so lint fails before the worker would.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'http2', 'https', 'module', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream',
  'timers', 'tls', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

/** Import patterns that must never reach code that has to stay portable or deterministic. */
const serverOnlyPatterns = [
  { group: ['node:*'], message: 'Node builtins are not allowed here.' },
  { group: ['@prisma/*', '@agiqa/db', '**/generated/prisma/**'], message: 'Prisma is not allowed here.' },
  { group: ['@tensorflow/*', '@huggingface/*', 'onnxruntime-*', 'sharp'], message: 'tfjs / ML runtimes are not allowed here.' },
];

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/generated/**', '**/.agiqa/**', '**/vite.config.*.timestamp*', 'tools/.venv/**'],
  },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain'] },
            // data-access libs may build on each other (orchestration re-runs read runs through libs/db).
            { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:contracts', 'type:data-access'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:data-access'] },
            { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['type:contracts'] },
            // e2e tests start the built apps as processes; they may only import libs (seed data, helpers).
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:data-access'] },
          ],
        },
      ],
    },
  },
  {
    // Contracts are shared with the browser and with workflow code: pure TypeScript + zod only.
    files: ['libs/contracts/src/**/*.ts'],
    ignores: ['libs/contracts/src/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Contracts import no Node builtins.' })),
          patterns: [...serverOnlyPatterns, { group: ['@nestjs/*'], message: 'Contracts import no NestJS.' }],
        },
      ],
    },
  },
  {
    // Temporal workflow code runs in a deterministic sandbox: control flow only, no I/O.
    files: ['apps/worker/src/workflows/**/*.ts'],
    ignores: ['apps/worker/src/workflows/**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must not import Node builtins.' })),
          patterns: [
            ...serverOnlyPatterns,
            { group: ['pg', 'pg-*', '@electric-sql/*'], message: 'Workflow code must not touch a database.' },
            { group: ['**/activities', '**/activities/**'], allowTypeImports: true, message: 'Workflows import activity types only (import type).' },
          ],
        },
      ],
    },
  },
);

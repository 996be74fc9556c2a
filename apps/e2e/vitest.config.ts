import { defineConfig } from 'vitest/config';

// Each file starts its own stack (Temporal dev server, API process, browser): files run one at a
// time so that they do not fight over the machine's few cores.
export default defineConfig({
  resolve: { conditions: ['@agiqa/source'] },
  ssr: { resolve: { conditions: ['@agiqa/source'] } },
  test: {
    include: ['src/**/*.e2e.spec.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 240_000,
    passWithNoTests: false,
  },
});

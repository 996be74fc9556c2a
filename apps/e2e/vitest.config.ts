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
    // The stack shares a small, busy machine: waiting for the page to catch up may take seconds.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    passWithNoTests: false,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@agiqa/source'] },
  ssr: { resolve: { conditions: ['@agiqa/source'] } },
  // Integration specs each run a Temporal dev server, a database and training: one file at a time
  // keeps them from starving each other on small machines.
  test: { include: ['src/**/*.spec.ts'], testTimeout: 180_000, hookTimeout: 180_000, fileParallelism: false, passWithNoTests: false },
});

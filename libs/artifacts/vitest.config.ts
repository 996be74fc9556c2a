import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@agiqa/source'] },
  ssr: { resolve: { conditions: ['@agiqa/source'] } },
  test: { include: ['src/**/*.spec.ts'], testTimeout: 60_000, hookTimeout: 60_000, passWithNoTests: false },
});

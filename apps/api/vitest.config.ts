import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// NestJS resolves constructor and handler parameter types from decorator metadata; esbuild (vitest's
// default transform) does not emit it, swc does.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: { conditions: ['@agiqa/source'] },
  ssr: { resolve: { conditions: ['@agiqa/source'] } },
  test: { include: ['src/**/*.spec.ts'], testTimeout: 30_000, hookTimeout: 60_000, passWithNoTests: false },
});

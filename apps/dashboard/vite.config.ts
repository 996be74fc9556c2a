import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

// `@agiqa/source` makes Vite read @agiqa/contracts from its TypeScript sources, so the dashboard
// builds without the libs being built first and always sees the current contracts. Setting
// `conditions` replaces Vite's defaults, hence the spread.
export default defineConfig({
  root,
  base: '/',
  resolve: { conditions: ['@agiqa/source', ...defaultClientConditions] },
  // Vitest runs the view-model specs in Node (SSR resolution).
  ssr: { resolve: { conditions: ['@agiqa/source', ...defaultServerConditions] } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // plotly is one ~4.7 MB minified module, loaded on demand in its own chunk.
    chunkSizeWarningLimit: 5000,
    rollupOptions: {
      onwarn(warning, warn) {
        // zod's sources carry `@__PURE__` comments in places Rollup cannot use; harmless noise.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/zod/')) return;
        warn(warning);
      },
    },
  },
  server: {
    // `npm run dev` against a running API: `AGIQA_API_URL=http://127.0.0.1:8750 npm run dev`.
    proxy: process.env['AGIQA_API_URL'] ? { '/api': process.env['AGIQA_API_URL'] } : undefined,
  },
  test: {
    include: ['src/**/*.spec.ts'],
    environment: 'node',
    passWithNoTests: false,
  },
});

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BundleOptions, WorkerOptions } from '@temporalio/worker';

const here = dirname(fileURLToPath(import.meta.url));
const runningFromSource = import.meta.url.endsWith('.ts');

/** The workflows entry: `src/workflows/index.ts` under tsx/vitest, `dist/workflows/index.js` when built. */
export const workflowsPath = join(here, 'workflows', runningFromSource ? 'index.ts' : 'index.js');

/** Prebuilt by `npm run build` (see build-bundle.ts): saves the webpack step at every start. */
export const prebuiltBundlePath = join(here, 'workflow-bundle.js');

/**
 * Bundler options for the workflow code. From sources, `@agiqa/contracts` must resolve to its
 * TypeScript through the `@agiqa/source` export condition (the bundler compiles .ts with swc);
 * from dist, the default condition picks the built JavaScript.
 */
export function bundlerOptions(): Pick<BundleOptions, 'webpackConfigHook' | 'ignoreModules'> {
  return {
    webpackConfigHook: (config) => {
      if (!runningFromSource) return config;
      const resolve = config.resolve ?? {};
      return { ...config, resolve: { ...resolve, conditionNames: ['@agiqa/source', 'import', 'module', 'webpack', 'default'] } };
    },
  };
}

/** How a Worker gets its workflows: the prebuilt bundle when there is one, else bundled now. */
export function workflowSource(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> {
  if (!runningFromSource && existsSync(prebuiltBundlePath)) return { workflowBundle: { codePath: prebuiltBundlePath } };
  return { workflowsPath, bundlerOptions: bundlerOptions() };
}

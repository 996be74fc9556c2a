// Build step (`npm run build` in apps/worker): bundles the workflow code once into
// dist/workflow-bundle.js so that worker processes start without running webpack.
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';
import { bundlerOptions, prebuiltBundlePath, workflowsPath } from './bundle.js';

const started = performance.now();
const { code } = await bundleWorkflowCode({ workflowsPath, ...bundlerOptions() });
await writeFile(prebuiltBundlePath, code);
console.log(`workflow bundle: ${prebuiltBundlePath} (${(code.length / 1024).toFixed(0)} KiB, ${((performance.now() - started) / 1000).toFixed(1)} s)`);

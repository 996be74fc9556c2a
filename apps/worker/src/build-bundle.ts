// Build step (`npm run build` in apps/worker): bundles the workflow code once into
// dist/workflow-bundle.js so that worker processes start without running webpack.
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { bundlerOptions, prebuiltBundlePath, workflowsPath } from './bundle.js';

const started = performance.now();
const { code } = await bundleWorkflowCode({ workflowsPath, ...bundlerOptions(), logger: new DefaultLogger('WARN') });
await writeFile(prebuiltBundlePath, code);
console.log(`workflow bundle: ${prebuiltBundlePath} (${(code.length / 1024).toFixed(0)} KiB, ${((performance.now() - started) / 1000).toFixed(1)} s)`);

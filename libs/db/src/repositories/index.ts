export { registerDataset } from './datasets.js';
export { saveSplitManifest } from './split-manifests.js';
export { createSweep, insertSweep, resolveGridDatasets, runConfig, type ClipIqaRunConfig, type FusionHeadRunConfig, type RunConfig } from './sweeps.js';

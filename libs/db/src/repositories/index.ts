export { registerDataset } from './datasets.js';
export { saveSplitManifest } from './split-manifests.js';
export { createSweep, resolveGridDatasets, runConfig, type RunConfig } from './sweeps.js';
export { getTable1 } from './table1.js';

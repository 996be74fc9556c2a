// Public API of @agiqa/model. Each folder exports through its own index; add lines, keep sections.

// --- tfjs backend selection ---
export * from './backend/index.js';
// --- encoders, feature cache, CLIP antonym baseline ---
export * from './encoders/index.js';
// --- matrix products that stay fast on tfjs-wasm ---
export * from './kernels/index.js';
// --- fusion heads (tfjs layers) ---
export * from './fusion/index.js';
// --- training ---
export * from './training/index.js';
// --- training engines: tfjs in process, torch in a Python subprocess ---
export * from './engines/index.js';
// --- metrics and statistics ---
export * from './metrics/index.js';
export * from './stats/index.js';
// --- timing ---
export * from './timing/index.js';

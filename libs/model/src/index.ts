// Public API of @agiqa/model. Each folder exports through its own index; add lines, keep sections.

// --- tfjs backend selection ---
// --- encoders, feature cache, CLIP antonym baseline ---
// --- fusion heads (tfjs layers) ---
// --- training ---
// --- metrics and statistics ---
export * from './metrics/index.js';
export * from './stats/index.js';
// --- timing ---

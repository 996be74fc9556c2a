// The workflows this worker registers (Temporal's bundler starts from this file). Function names are
// the workflow type names in WORKFLOW_TYPES.
export { SweepWorkflow } from './sweep.workflow.js';
export { RunWorkflow } from './run.workflow.js';
export { FeatureWorkflow } from './features.workflow.js';
export { ScheduledSweepWorkflow } from './scheduled-sweep.workflow.js';

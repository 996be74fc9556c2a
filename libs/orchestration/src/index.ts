// Public API of @agiqa/orchestration: the Temporal client side of sweeps and retraining schedules,
// shared by apps/api, apps/cli and the dashboard's API routes. The worker registers the workflows.
export { connectTemporal, cpuQueueOf, rememberCpuQueue, type ConnectOptions, type TemporalEnv, type TemporalHandle } from './connection.js';
export { temporalError } from './errors.js';
export {
  cancelSweep,
  describeSweepWorkflow,
  startSweep,
  sweepWorkflowId,
  type StartedSweep,
  type StartSweepOptions,
  type SweepRef,
  type SweepWorkflowDescription,
} from './sweeps.js';
export { rerunFailedCells, type RerunResult } from './rerun.js';
export {
  createSweepSchedule,
  deleteSchedule,
  describeSchedule,
  pauseSchedule,
  temporalScheduleId,
  triggerSchedule,
  unpauseSchedule,
  type CreateSweepScheduleOptions,
  type ScheduleOverlap,
  type ScheduleState,
} from './schedules.js';
export { describeWorkers } from './workers.js';

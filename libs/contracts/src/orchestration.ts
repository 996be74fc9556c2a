/**
 * Names and payloads shared by the Temporal client (api, cli) and the worker. Payloads carry IDs
 * and URIs only: never tensors, features or prediction arrays (Temporal rejects payloads > 2 MB,
 * and histories must stay small).
 */

/** Workflow type names, registered by apps/worker and started by name from clients. */
export const WORKFLOW_TYPES = {
  sweep: 'SweepWorkflow',
  run: 'RunWorkflow',
  features: 'FeatureWorkflow',
  /** Started by a Temporal Schedule: creates a sweep linked to the schedule, then runs it. */
  scheduledSweep: 'ScheduledSweepWorkflow',
} as const;

/** Default task queue names; overridable through env (`AGIQA_CPU_QUEUE`, `AGIQA_GPU_QUEUES`). */
export const DEFAULT_TASK_QUEUES = { cpu: 'agiqa-cpu', gpu: 'agiqa-gpu' } as const;

/** Input of `SweepWorkflow`. The sweep row (grid, cells) lives in Postgres. */
export interface SweepWorkflowInput {
  sweepId: string;
  /** Restrict to these runs (a re-run of failed / cancelled cells). Omitted: every pending cell. */
  runIds?: string[];
}

/** Input of a scheduled execution: the schedule row holds the grid; each firing creates a sweep. */
export interface ScheduledSweepInput {
  scheduleId: string;
}

/** Input of `RunWorkflow`: one grid cell, already a row in Postgres. */
export interface RunWorkflowInput {
  runId: string;
  /** 1 for the first execution, +1 for each re-run (part of the workflow id). */
  attempt: number;
}

/** Workflow ids are derived from database ids so that starting twice is idempotent. */
export const workflowIds = {
  sweep: (sweepId: string, rerun = 0) => (rerun === 0 ? `sweep-${sweepId}` : `sweep-${sweepId}-rerun-${rerun}`),
  run: (runId: string, attempt: number) => `run-${runId}-attempt-${attempt}`,
  /** One feature extraction per content key, shared by every cell and sweep that needs it. */
  features: (featureKey: string) => `features-${featureKey}`,
  schedule: (scheduleId: string) => `schedule-${scheduleId}`,
} as const;

/**
 * Dynamic configuration of the Temporal dev server that `agiqa up` and the tests start (server
 * 1.29): the priority-aware matcher with fairness, so that interactive single runs are dispatched
 * before sweep cells and sweeps share the queues fairly (see the worker's `cellPriority`), and one
 * partition per task queue, so that ordering is exact on one machine (a cluster keeps its default
 * partitions; priority then holds per partition).
 */
export const TEMPORAL_DEV_SERVER_ARGS: readonly string[] = [
  '--dynamic-config-value',
  'matching.enableFairness=true',
  '--dynamic-config-value',
  'matching.numTaskqueueReadPartitions=1',
  '--dynamic-config-value',
  'matching.numTaskqueueWritePartitions=1',
];

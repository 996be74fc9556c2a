/**
 * Timeouts and retry policies for every activity, in one place. Bad config or data fails at once;
 * an outage of the database (or another dependency) is ridden out for `RETRY_BUDGET.totalMs`
 * (10 minutes) with capped exponential backoff; an error nobody classified gets a few attempts
 * (`activities/failures.ts` decides which is which).
 *
 * Two ways to ride out an outage, by the length of the activity:
 * - short activities (bookkeeping, splits) fail their attempt and are retried by Temporal:
 *   `OUTAGE_ATTEMPTS` attempts spaced as `RETRY_BUDGET` says cover the whole budget;
 * - long ones (training, extraction, latency) retry their database calls in process
 *   (`activities/database-retry.ts`) while they heartbeat, so an outage costs no attempt and no
 *   work; their attempts count crashes of the worker.
 */
import type { Duration, Priority } from '@temporalio/common';
import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';
import { attemptsWithin, RETRY_BUDGET, type ErrorCode } from '@agiqa/contracts';

/**
 * AgiqaError codes that no retry can fix. Activities raise them as non-retryable
 * ApplicationFailures whose `type` is the code; the retry policies list them as well so that a
 * failure typed this way never retries even if an activity forgets the flag.
 */
export const NON_RETRYABLE_CODES = [
  'invalid_input',
  'not_found',
  'conflict',
  'unauthorized',
  'forbidden',
] as const satisfies readonly ErrorCode[];

const backoff: RetryPolicy = {
  initialInterval: RETRY_BUDGET.initialIntervalMs,
  backoffCoefficient: RETRY_BUDGET.backoffCoefficient,
  maximumInterval: RETRY_BUDGET.maximumIntervalMs,
  nonRetryableErrorTypes: [...NON_RETRYABLE_CODES],
};

/** Attempts whose backoff spans the outage budget (25 for 10 minutes). */
export const OUTAGE_ATTEMPTS = attemptsWithin(RETRY_BUDGET);

/** Short database bookkeeping (status changes, plans): rides out a 10-minute outage, then the cell fails. */
export const BOOKKEEPING: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { ...backoff, maximumAttempts: OUTAGE_ATTEMPTS },
};

/**
 * Materialising a split reads the whole dataset from Postgres; planning features may hash every
 * image of a dataset registered without digests. Both ride out an outage like bookkeeping.
 */
export const SPLIT: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  retry: { ...backoff, maximumAttempts: OUTAGE_ATTEMPTS },
};

/**
 * Waiting on a shared FeatureWorkflow by polling: each attempt returns the features or fails with
 * the retryable `features_pending`, and the retry policy is the poll loop (1 s, growing to 10 s).
 * Extraction of real encoders on CPU may take hours, hence the long schedule-to-close bound.
 */
export const AWAIT_FEATURES: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '24 hours',
  // No attempt limit: the schedule-to-close bound ends the wait.
  retry: { ...backoff, backoffCoefficient: 1.5, maximumInterval: '10 seconds' },
};

/**
 * Running the encoders over a dataset: heartbeats progress; retried from scratch (the cache write is
 * atomic). Attempts count crashes: database outages are ridden out in process.
 */
export const EXTRACT_FEATURES: ActivityOptions = {
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '2 minutes',
  retry: { ...backoff, maximumAttempts: 3 },
};

/** Crashed or handed-back training attempts before the cell fails. */
export const TRAINING_ATTEMPTS = 10;

/**
 * Scoring a CLIP-IQA cell on the CPU queue: loads CLIP's text tower for two prompts and scores
 * cached image embeddings; minutes at most. Retried from scratch (it writes one result file).
 */
export const SCORE_ZERO_SHOT: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  retry: { ...backoff, maximumAttempts: 5 },
};

/**
 * Training on a GPU queue. `heartbeatTimeout` comes from the worker configuration (through
 * `beginAttempt`), so that a crashed device is detected within it and the attempt resumes from its
 * last checkpoint on another worker. Cancellation waits until training has really stopped.
 * Attempts count crashes and hand-backs of shutting-down workers (database outages are ridden out
 * in process, see `trainRun`).
 */
export function trainingOptions(plan: { gpuQueue: string; heartbeatTimeoutMs: number; trainTimeoutMs: number }): ActivityOptions {
  return {
    taskQueue: plan.gpuQueue,
    startToCloseTimeout: plan.trainTimeoutMs,
    heartbeatTimeout: plan.heartbeatTimeoutMs,
    cancellationType: 'WAIT_CANCELLATION_COMPLETED',
    retry: { ...backoff, maximumAttempts: TRAINING_ATTEMPTS },
  };
}

/**
 * Measuring a trained run's latency on its GPU queue: heartbeats every head call; one retry (a
 * crashed device), then the measurement is given up without failing the finished run.
 */
export function latencyOptions(plan: { gpuQueue: string }): ActivityOptions {
  return {
    taskQueue: plan.gpuQueue,
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: '5 minutes',
    retry: { ...backoff, maximumAttempts: 2 },
  };
}

/** Cells a sweep execution starts before it continues as new (~10 history events per cell). */
export const DEFAULT_SWEEP_PAGE_SIZE = 100;

/**
 * Task-queue priority of a cell (Temporal priority keys: 1 is served first, 5 last; 3 is the
 * default). A sweep of a single cell is someone waiting for one result (a run launched from the
 * dashboard or the CLI): it goes before the cells of larger sweeps. Every cell carries its sweep
 * as fairness key, so that the matching service shares each queue's backlog between sweeps instead
 * of serving one big sweep first. A RunWorkflow's activities inherit its priority.
 */
export function cellPriority(sweepId: string, cellCount: number | undefined): Priority {
  return { priorityKey: cellCount === 1 ? INTERACTIVE_PRIORITY : SWEEP_PRIORITY, fairnessKey: `sweep-${sweepId}` };
}
export const INTERACTIVE_PRIORITY = 1;
export const SWEEP_PRIORITY = 3;

/** How long a sweep waits on its running cells before it asks whether any closed without a word. */
export const SETTLE_CHECK_INTERVAL: Duration = '2 minutes';

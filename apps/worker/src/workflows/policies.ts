/**
 * Timeouts and retry policies for every activity, in one place. Bad config or data fails at once;
 * anything else (a database that is briefly unreachable, a crashed worker) retries with backoff.
 */
import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';
import type { ErrorCode } from '@agiqa/contracts';

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
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  nonRetryableErrorTypes: [...NON_RETRYABLE_CODES],
};

/** Short database bookkeeping (status changes, plans): ~10 minutes of retries, then the cell fails. */
export const BOOKKEEPING: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { ...backoff, maximumAttempts: 25 },
};

/** Materialising a split reads the whole dataset from Postgres. */
export const SPLIT: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  retry: { ...backoff, maximumAttempts: 10 },
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

/** Running the encoders over a dataset: heartbeats progress; retried from scratch (the cache write is atomic). */
export const EXTRACT_FEATURES: ActivityOptions = {
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '2 minutes',
  retry: { ...backoff, maximumAttempts: 3 },
};

/**
 * Training on a GPU queue. `heartbeatTimeout` comes from the worker configuration (through
 * `beginAttempt`), so that a crashed device is detected within it and the attempt resumes from its
 * last checkpoint on another worker. Cancellation waits until training has really stopped.
 */
export function trainingOptions(plan: { gpuQueue: string; heartbeatTimeoutMs: number; trainTimeoutMs: number }): ActivityOptions {
  return {
    taskQueue: plan.gpuQueue,
    startToCloseTimeout: plan.trainTimeoutMs,
    heartbeatTimeout: plan.heartbeatTimeoutMs,
    cancellationType: 'WAIT_CANCELLATION_COMPLETED',
    retry: { ...backoff, maximumInterval: '1 minute', maximumAttempts: 5 },
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

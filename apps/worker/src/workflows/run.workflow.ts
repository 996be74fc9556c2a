import {
  ApplicationFailure,
  CancellationScope,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { RunWorkflowInput } from '@agiqa/contracts';
import type { CpuActivities, GpuActivities } from '../activities/index.js';
import { describeError } from './errors.js';
import { AWAIT_FEATURES, BOOKKEEPING, latencyOptions, SCORE_ZERO_SHOT, SPLIT, trainingOptions } from './policies.js';
import { cellFinished } from './signals.js';
import type { AttemptPlan, FeatureRef, RunOutcome, TrainOutcome } from './types.js';

const { beginAttempt, recordResults, finishAttempt } = proxyActivities<CpuActivities>(BOOKKEEPING);
const { ensureSplit, planFeatures } = proxyActivities<CpuActivities>(SPLIT);
const { awaitFeatures } = proxyActivities<CpuActivities>(AWAIT_FEATURES);
const { scoreClipIqa } = proxyActivities<CpuActivities>(SCORE_ZERO_SHOT);

/**
 * One grid cell, one attempt: split → shared feature extraction → training on a GPU queue (or,
 * for a `clip-iqa` cell, zero-shot scoring of the cached image features) → results. Status
 * changes land in Postgres through activities; the run ends `completed`, `failed` (with the
 * message) or `cancelled`. Final metrics and predictions are written only by
 * `recordResults`, in one transaction, so a cancelled or failed run has epoch progress rows but no
 * half-written results.
 */
export async function RunWorkflow(input: RunWorkflowInput): Promise<RunOutcome> {
  try {
    return await runAttempt(input);
  } finally {
    await CancellationScope.nonCancellable(() => tellSweep(input));
  }
}

/** Patch: executions recorded before it replay without the signal (__histories__/run-*.json). */
const SIGNAL_THE_SWEEP = 'run-signals-its-sweep';

/**
 * Tells the sweep this cell has ended (`cellFinished`), addressed to the sweep's workflow id so
 * that it reaches the sweep's current execution after continue-as-new. A sweep that has closed
 * meanwhile cannot be told, and needs not be.
 */
async function tellSweep({ runId, attempt }: RunWorkflowInput): Promise<void> {
  const parent = workflowInfo().parent;
  if (!parent || !patched(SIGNAL_THE_SWEEP)) return;
  await getExternalWorkflowHandle(parent.workflowId)
    .signal(cellFinished, { runId, attempt })
    .catch((error: unknown) => log.info('the sweep was not told this cell ended', { runId, error: String(error) }));
}

async function runAttempt({ runId, attempt }: RunWorkflowInput): Promise<RunOutcome> {
  const plan = await beginAttempt({ runId, attempt, workflowId: workflowInfo().workflowId });
  try {
    const [, requests] = await Promise.all([ensureSplit({ runId }), planFeatures({ runId })]);
    const features = await Promise.all(requests.map((request) => awaitFeatures(request)));
    const trained = await produceResults(plan, { runId, attempt, features });
    // Training is done: recording it is short and atomic, so a late cancellation does not discard it.
    const metrics = await CancellationScope.nonCancellable(() => recordResults({ runId, attempt, resultKey: trained.resultKey }));
    // Gated by data in the history (the plan), not by code: a workflow whose plan was recorded
    // before latency measurement existed replays without it, so no patch marker is needed.
    if (plan.measureLatency) await measureLatencyBestEffort(runId, plan);
    return { runId, attempt, status: 'completed', srcc: metrics.srcc, plcc: metrics.plcc };
  } catch (error) {
    if (isCancellation(error) || CancellationScope.current().consideredCancelled) {
      await CancellationScope.nonCancellable(() => finishAttempt({ runId, attempt, status: 'cancelled' }));
      throw error;
    }
    const message = describeError(error);
    await CancellationScope.nonCancellable(() => finishAttempt({ runId, attempt, status: 'failed', error: message }));
    throw ApplicationFailure.create({ type: 'run_failed', message, nonRetryable: true });
  }
}

/**
 * Trains the cell's head, or scores it zero-shot. Gated by data in the history (the plan): a plan
 * recorded before methods existed has no `method` and replays as a fusion-head run.
 */
async function produceResults(plan: AttemptPlan, input: { runId: string; attempt: number; features: FeatureRef[] }): Promise<TrainOutcome> {
  if (plan.method === 'clip-iqa') return await scoreClipIqa(input);
  const { trainRun } = proxyActivities<GpuActivities>(trainingOptions(plan));
  return await trainRun(input);
}

/**
 * The run is complete when this starts: a failed or cancelled measurement leaves it completed
 * (without timing rows) and is only logged.
 */
async function measureLatencyBestEffort(runId: string, plan: AttemptPlan): Promise<void> {
  const { measureRunLatency } = proxyActivities<GpuActivities>(latencyOptions(plan));
  try {
    await measureRunLatency({ runId });
  } catch (error) {
    if (!isCancellation(error)) log.warn('latency measurement failed; the run stays completed', { runId, error: describeError(error) });
  }
}

import { ApplicationFailure, CancellationScope, isCancellation, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RunWorkflowInput } from '@agiqa/contracts';
import type { CpuActivities, GpuActivities } from '../activities/index.js';
import { describeError } from './errors.js';
import { AWAIT_FEATURES, BOOKKEEPING, latencyOptions, SPLIT, trainingOptions } from './policies.js';
import type { AttemptPlan, RunOutcome } from './types.js';

const { beginAttempt, planFeatures, recordResults, finishAttempt } = proxyActivities<CpuActivities>(BOOKKEEPING);
const { ensureSplit } = proxyActivities<CpuActivities>(SPLIT);
const { awaitFeatures } = proxyActivities<CpuActivities>(AWAIT_FEATURES);

/**
 * One grid cell, one attempt: split → shared feature extraction → training on a GPU queue →
 * results. Status changes land in Postgres through activities; the run ends `completed`, `failed`
 * (with the message) or `cancelled`. Final metrics and predictions are written only by
 * `recordResults`, in one transaction, so a cancelled or failed run has epoch progress rows but no
 * half-written results.
 */
export async function RunWorkflow({ runId, attempt }: RunWorkflowInput): Promise<RunOutcome> {
  const plan = await beginAttempt({ runId, attempt, workflowId: workflowInfo().workflowId });
  try {
    const [, requests] = await Promise.all([ensureSplit({ runId }), planFeatures({ runId })]);
    const features = await Promise.all(requests.map((request) => awaitFeatures(request)));
    const { trainRun } = proxyActivities<GpuActivities>(trainingOptions(plan));
    const trained = await trainRun({ runId, attempt, features });
    // Training is done: recording it is short and atomic, so a late cancellation does not discard it.
    const metrics = await CancellationScope.nonCancellable(() => recordResults({ runId, attempt, resultUri: trained.resultUri }));
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

import { ApplicationFailure, CancellationScope, isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RunWorkflowInput } from '@agiqa/contracts';
import type { CpuActivities, GpuActivities } from '../activities/index.js';
import { describeError } from './errors.js';
import { AWAIT_FEATURES, BOOKKEEPING, SPLIT, trainingOptions } from './policies.js';
import type { RunOutcome } from './types.js';

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

import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import { WORKFLOW_TYPES, workflowIds, type ScheduledSweepInput } from '@agiqa/contracts';
import type { CpuActivities } from '../activities/index.js';
import { BOOKKEEPING } from './policies.js';
import type { SweepOutcome } from './types.js';
import type { SweepWorkflow } from './sweep.workflow.js';

const { createScheduledSweep } = proxyActivities<CpuActivities>(BOOKKEEPING);

/**
 * What a retraining schedule starts on each firing: a new sweep of the schedule's grid, linked to
 * the schedule, then run as an ordinary SweepWorkflow (so cancel and re-run work as for any sweep).
 * The sweep row is keyed by this execution's workflow id, so a retried activity creates it once.
 * While the sweep runs this execution stays open, which is what the schedule's overlap policy sees.
 */
export async function ScheduledSweepWorkflow({ scheduleId }: ScheduledSweepInput): Promise<SweepOutcome> {
  const { sweepId } = await createScheduledSweep({ scheduleId, workflowId: workflowInfo().workflowId });
  return await executeChild<typeof SweepWorkflow>(WORKFLOW_TYPES.sweep, {
    workflowId: workflowIds.sweep(sweepId),
    args: [{ sweepId }],
    cancellationType: 'WAIT_CANCELLATION_COMPLETED',
    parentClosePolicy: 'REQUEST_CANCEL',
  });
}

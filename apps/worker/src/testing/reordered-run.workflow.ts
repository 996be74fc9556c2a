// A deliberately non-deterministic edit of RunWorkflow, used by replay.spec.ts to show that the
// replay test catches such a change: it plans features before opening the attempt, so the first
// command differs from what every recorded history says happened.
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RunWorkflowInput } from '@agiqa/contracts';
import type { CpuActivities } from '../activities/index.js';
import { BOOKKEEPING } from '../workflows/policies.js';

const { beginAttempt, planFeatures } = proxyActivities<CpuActivities>(BOOKKEEPING);

export async function RunWorkflow({ runId, attempt }: RunWorkflowInput): Promise<void> {
  await planFeatures({ runId });
  await beginAttempt({ runId, attempt, workflowId: workflowInfo().workflowId });
}

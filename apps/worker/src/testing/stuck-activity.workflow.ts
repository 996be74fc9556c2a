/** A workflow for worker.spec.ts: runs one CPU activity, `stuck`, which ignores its cancellation. */
import { proxyActivities } from '@temporalio/workflow';

const { stuck } = proxyActivities<{ stuck(): Promise<void> }>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 1 } });

export async function stuckActivityWorkflow(): Promise<void> {
  await stuck();
}

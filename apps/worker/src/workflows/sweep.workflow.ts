import {
  CancellationScope,
  ContinueAsNew,
  continueAsNew,
  executeChild,
  isCancellation,
  log,
  patched,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { WORKFLOW_TYPES, workflowIds } from '@agiqa/contracts';
import type { CpuActivities } from '../activities/index.js';
import { describeError } from './errors.js';
import { BOOKKEEPING, DEFAULT_SWEEP_PAGE_SIZE } from './policies.js';
import type { PlannedCell, SweepOutcome, SweepWorkflowArgs } from './types.js';
import type { RunWorkflow } from './run.workflow.js';

const { loadSweepPage, markSweepRunning, finishSweep, failUnfinishedCell, cancelUnfinishedRuns } =
  proxyActivities<CpuActivities>(BOOKKEEPING);

/**
 * `continueAsNew` ends an execution by throwing `ContinueAsNew`; before this patch the catch below
 * took it for a failure and marked the sweep failed between pages. Executions recorded before the
 * patch replay the old path (see __histories__/sweep-continue-as-new-v1.json).
 */
const CONTINUE_AS_NEW_IS_NOT_A_FAILURE = 'continue-as-new-is-not-a-failure';

/**
 * Runs the pending cells of a sweep as child RunWorkflows, at most `grid.maxParallel` at once.
 *
 * Cells are read from Postgres one page at a time in `cellKey` order; after each page the workflow
 * continues as new with a cursor, so a sweep of thousands of cells keeps a short history. A re-run
 * passes `runIds` (cells reset to pending by `rerunFailedCells`). Cancelling the sweep cancels the
 * running cells and waits until they have stopped; cells never started are marked cancelled, so a
 * later re-run picks them up.
 */
export async function SweepWorkflow(args: SweepWorkflowArgs): Promise<SweepOutcome> {
  const { sweepId } = args;
  const pageSize = args.pageSize ?? DEFAULT_SWEEP_PAGE_SIZE;
  try {
    if (args.after === undefined) await markSweepRunning({ sweepId, workflowId: workflowInfo().workflowId });
    const page = await loadSweepPage({ sweepId, runIds: args.runIds, after: args.after, limit: pageSize });
    await runBounded(page.cells, page.maxParallel, (cell) => runCell(cell));
    if (page.cells.length === pageSize) {
      await continueAsNew<typeof SweepWorkflow>({ ...args, pageSize, after: page.cells[page.cells.length - 1].cellKey });
    }
    return await finishSweep({ sweepId, cancelled: false });
  } catch (error) {
    if (error instanceof ContinueAsNew && patched(CONTINUE_AS_NEW_IS_NOT_A_FAILURE)) throw error;
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(async () => {
        await cancelUnfinishedRuns({ sweepId, runIds: args.runIds });
        await finishSweep({ sweepId, cancelled: true });
      });
      throw error;
    }
    // The sweep itself could not proceed (e.g. its row is gone): mark it failed, then fail loudly
    // (the workflow failure carries the reason).
    await CancellationScope.nonCancellable(() =>
      finishSweep({ sweepId, cancelled: false, error: describeError(error) }).catch(() => undefined),
    );
    throw error;
  }
}

/** One cell: its RunWorkflow records its own outcome; a crash of the child itself is recorded here. */
async function runCell(cell: PlannedCell): Promise<void> {
  try {
    await executeChild<typeof RunWorkflow>(WORKFLOW_TYPES.run, {
      workflowId: workflowIds.run(cell.runId, cell.attempt),
      args: [{ runId: cell.runId, attempt: cell.attempt }],
      cancellationType: 'WAIT_CANCELLATION_COMPLETED',
      parentClosePolicy: 'REQUEST_CANCEL',
    });
  } catch (error) {
    if (isCancellation(error)) throw error;
    // The cell failed; the sweep goes on with the others. The child normally marked the run failed
    // already; this covers a child that was terminated or timed out before it could.
    log.warn('cell failed', { runId: cell.runId, cellKey: cell.cellKey, error: describeError(error) });
    await failUnfinishedCell({ runId: cell.runId, attempt: cell.attempt, error: describeError(error) });
  }
}

/**
 * Runs `work` over `items` with at most `limit` in flight: `limit` lanes pull from one queue. After a
 * cancellation every lane stops pulling, and this waits until all in-flight work has settled before
 * rethrowing, so no cell is still cancelling when the sweep records its final state.
 */
async function runBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const lane = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, queue.length)) }, lane);
  const settled = await Promise.allSettled(lanes);
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
}

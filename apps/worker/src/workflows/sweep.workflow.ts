import {
  CancellationScope,
  CancelledFailure,
  ContinueAsNew,
  continueAsNew,
  executeChild,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { WORKFLOW_TYPES, workflowIds } from '@agiqa/contracts';
import type { CpuActivities } from '../activities/index.js';
import { CellWindow } from './cell-window.js';
import { describeError } from './errors.js';
import { PageQueue } from './page-queue.js';
import { BOOKKEEPING, cellPriority, DEFAULT_SWEEP_PAGE_SIZE } from './policies.js';
import { cellFinished } from './signals.js';
import type { PlannedCell, SweepOutcome, SweepWorkflowArgs } from './types.js';
import type { RunWorkflow } from './run.workflow.js';

const { loadSweepPage, markSweepRunning, finishSweep, failUnfinishedCell, cancelUnfinishedRuns } = proxyActivities<CpuActivities>(BOOKKEEPING);

/**
 * `continueAsNew` ends an execution by throwing `ContinueAsNew`; before this patch the catch below
 * took it for a failure and marked the sweep failed between pages. Executions recorded before the
 * patch replay the old path (see __histories__/sweep-continue-as-new-v1.json).
 */
const CONTINUE_AS_NEW_IS_NOT_A_FAILURE = 'continue-as-new-is-not-a-failure';
/**
 * Cells in flight across page boundaries: children are abandoned on continue-as-new and report
 * back with the `cellFinished` signal, so no page waits for its slowest cell. Executions recorded
 * before the patch replay the page-by-page path (__histories__/sweep-continue-as-new*.json).
 */
const SLIDING_WINDOW = 'sweep-sliding-window-across-pages';
/**
 * Pages loaded one ahead and handed over with the queue, and the window kept full while an
 * execution waits to continue as new: before this patch each new execution first waited for
 * `loadSweepPage` on the busy CPU queue, and the old one for its last child's start, long enough
 * for the window to drain at some page boundaries. Executions recorded before it replay the
 * sliding window (__histories__/sweep-sliding-window.json).
 */
const QUEUED_PAGES = 'sweep-prefetch-next-page';

/**
 * Runs the pending cells of a sweep as child RunWorkflows, keeping `grid.maxParallel` in flight.
 *
 * Cells are read from Postgres a page at a time in `cellKey` order, one page ahead of the cells
 * being started (`PageQueue`). Once an execution has started a page's worth of cells and every
 * start is confirmed, it continues as new with the cells still running and those loaded but not
 * started (so a sweep of thousands of cells keeps short histories): the running children are
 * abandoned by the old execution and tell the new one when they end (`cellFinished`), and the new
 * one starts its next cell without a database read, so the window does not drain at a boundary.
 * A re-run passes `runIds` (cells reset to pending by `rerunFailedCells`). Cancelling the sweep
 * cancels the running cells and waits until they have stopped; cells never started are marked
 * cancelled, so a later re-run picks them up.
 */
export async function SweepWorkflow(args: SweepWorkflowArgs): Promise<SweepOutcome> {
  if (patched(QUEUED_PAGES)) return await queuedSweep(args);
  if (patched(SLIDING_WINDOW)) return await slidingSweep(args);
  return await pagedSweep(args);
}

async function queuedSweep(args: SweepWorkflowArgs): Promise<SweepOutcome> {
  const { sweepId } = args;
  const pageSize = args.pageSize ?? DEFAULT_SWEEP_PAGE_SIZE;
  return await inWindow(args, async (window) => {
    if (args.after === undefined && args.inFlight === undefined) await markSweepRunning({ sweepId, workflowId: workflowInfo().workflowId });
    const request = { sweepId, runIds: args.runIds, limit: pageSize };
    const queue = args.queued ? PageQueue.carried(request, args.queued, args.loadedAfter ?? args.after) : await PageQueue.load(request, args.after);
    const lastStarted = await startCells(window, queue, pageSize, cellPriority(sweepId, queue.cellCount));
    const { queued, loadedAfter } = await queue.handOver();
    if (queued.cells.length > 0 || queued.more) {
      await window.bookkeeping();
      // A cancellation that came while the last starts were confirmed ends the sweep here: the next
      // execution would not inherit it.
      if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('sweep cancelled while handing over');
      // `after` is the last cell started, not the last loaded: code from before QUEUED_PAGES (a
      // worker not yet upgraded, or rolled back) ignores `queued` and reads on from `after`, so it
      // starts the queued cells itself instead of skipping them.
      await continueAsNew<typeof SweepWorkflow>({ ...args, pageSize, after: lastStarted ?? args.after, loadedAfter, inFlight: window.running(), queued });
    }
    await window.drain();
    return await finishSweep({ sweepId, cancelled: false });
  });
}

/** Most cells one execution starts: a page, plus those started while its last starts are confirmed. */
const STARTS_PER_EXECUTION = 2;

/**
 * Starts queued cells, keeping the window full, until the queue is empty or this execution has
 * started a page of cells and every start is confirmed (at most STARTS_PER_EXECUTION pages, so the
 * history stays bounded even when cells finish faster than starts are confirmed). Returns the
 * `cellKey` of the last cell started (cells start in `cellKey` order), if any.
 */
async function startCells(window: CellWindow, queue: PageQueue, pageSize: number, priority: ReturnType<typeof cellPriority>): Promise<string | undefined> {
  let lastStarted: string | undefined;
  for (let started = 0; started < STARTS_PER_EXECUTION * pageSize; started++) {
    if (started < pageSize) await window.waitForRoom(queue.maxParallel);
    else if (!(await window.roomOrStartsConfirmed(queue.maxParallel))) break;
    const cell = await queue.next();
    if (cell === undefined) break;
    window.start(cell, priority);
    lastStarted = cell.cellKey;
  }
  return lastStarted;
}

/**
 * Runs `body` with the sweep's window of cells in flight. A cancellation cancels those cells,
 * marks the unfinished runs and the sweep cancelled; another failure marks the sweep failed.
 */
async function inWindow(args: SweepWorkflowArgs, body: (window: CellWindow) => Promise<SweepOutcome>): Promise<SweepOutcome> {
  const { sweepId } = args;
  const window = new CellWindow(args.inFlight ?? []);
  setHandler(cellFinished, ({ runId }) => window.settle(runId));
  try {
    return await body(window);
  } catch (error) {
    if (error instanceof ContinueAsNew) throw error;
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(async () => {
        await window.cancelAll();
        await cancelUnfinishedRuns({ sweepId, runIds: args.runIds });
        await finishSweep({ sweepId, cancelled: true });
      });
      throw error;
    }
    await CancellationScope.nonCancellable(() =>
      finishSweep({ sweepId, cancelled: false, error: describeError(error) }).catch(() => undefined),
    );
    throw error;
  }
}

/** The sweep before QUEUED_PAGES: a page is read when an execution begins; it continues as new once the page's cells have started. */
async function slidingSweep(args: SweepWorkflowArgs): Promise<SweepOutcome> {
  const { sweepId } = args;
  const pageSize = args.pageSize ?? DEFAULT_SWEEP_PAGE_SIZE;
  return await inWindow(args, async (window) => {
    if (args.after === undefined && args.inFlight === undefined) await markSweepRunning({ sweepId, workflowId: workflowInfo().workflowId });
    const page = await loadSweepPage({ sweepId, runIds: args.runIds, after: args.after, limit: pageSize });
    const priority = cellPriority(sweepId, page.cellCount);
    for (const cell of page.cells) {
      await window.waitForRoom(page.maxParallel);
      window.start(cell, priority);
    }
    if (page.cells.length === pageSize) {
      // Every cell of this page has started: hand the running ones to the next execution.
      await window.bookkeeping();
      await continueAsNew<typeof SweepWorkflow>({ ...args, pageSize, after: page.cells[page.cells.length - 1].cellKey, inFlight: window.running() });
    }
    await window.drain();
    return await finishSweep({ sweepId, cancelled: false });
  });
}

/** The sweep before SLIDING_WINDOW: each page runs to its end before the next one starts. */
async function pagedSweep(args: SweepWorkflowArgs): Promise<SweepOutcome> {
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

/** One cell of the paged sweep: its RunWorkflow records its own outcome; a crash of the child itself is recorded here. */
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

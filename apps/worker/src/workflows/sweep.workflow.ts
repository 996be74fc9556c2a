import {
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WORKFLOW_TYPES, workflowIds } from '@agiqa/contracts';
import type { CpuActivities } from '../activities/index.js';
import { describeError } from './errors.js';
import { BOOKKEEPING, cellPriority, DEFAULT_SWEEP_PAGE_SIZE, SETTLE_CHECK_INTERVAL } from './policies.js';
import { cellFinished } from './signals.js';
import type { PlannedCell, SweepOutcome, SweepPage, SweepWorkflowArgs } from './types.js';
import type { RunWorkflow } from './run.workflow.js';

const { loadSweepPage, markSweepRunning, finishSweep, failUnfinishedCell, cancelUnfinishedRuns, settledCells } =
  proxyActivities<CpuActivities>(BOOKKEEPING);

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
 * The next page is loaded while this page's cells start, and handed to the next execution, which
 * starts its first cell at once: before this patch the new execution first waited for
 * `loadSweepPage` (on a busy CPU queue, long enough for the window to drain). Executions recorded
 * before it replay the sliding window without prefetch (__histories__/sweep-sliding-window.json).
 */
const PREFETCH_NEXT_PAGE = 'sweep-prefetch-next-page';

/**
 * Runs the pending cells of a sweep as child RunWorkflows, keeping `grid.maxParallel` in flight.
 *
 * Cells are read from Postgres one page at a time in `cellKey` order, the next page while this
 * one's cells start. Once a page's cells have all started, the workflow continues as new with a
 * cursor, the next page and the cells still running (so a sweep of thousands of cells keeps short
 * histories): those children are abandoned by the old execution and tell the new one when they end
 * (`cellFinished`), and the new execution starts its first cell without waiting for a database
 * read, so the window does not drain at a page boundary.
 * A re-run passes `runIds` (cells reset to pending by `rerunFailedCells`). Cancelling the sweep
 * cancels the running cells and waits until they have stopped; cells never started are marked
 * cancelled, so a later re-run picks them up.
 */
export async function SweepWorkflow(args: SweepWorkflowArgs): Promise<SweepOutcome> {
  if (patched(PREFETCH_NEXT_PAGE)) return await slidingSweep(args, { prefetch: true });
  if (patched(SLIDING_WINDOW)) return await slidingSweep(args, { prefetch: false });
  return await pagedSweep(args);
}

/**
 * With `prefetch`, a full page's successor is loaded while the page's cells start; the execution
 * continues as new only when that successor has cells (a sweep of exactly N pages ends in its last
 * execution instead of an extra one that finds nothing).
 */
async function slidingSweep(args: SweepWorkflowArgs, { prefetch }: { prefetch: boolean }): Promise<SweepOutcome> {
  const { sweepId } = args;
  const pageSize = args.pageSize ?? DEFAULT_SWEEP_PAGE_SIZE;
  const window = new CellWindow(args.inFlight ?? []);
  setHandler(cellFinished, ({ runId }) => window.settle(runId));
  try {
    if (args.after === undefined && args.inFlight === undefined) await markSweepRunning({ sweepId, workflowId: workflowInfo().workflowId });
    const page = args.nextPage ?? (await loadSweepPage({ sweepId, runIds: args.runIds, after: args.after, limit: pageSize }));
    const full = page.cells.length === pageSize;
    const cursor = page.cells.at(-1)?.cellKey;
    const nextPage = prefetch && full ? prefetchPage({ sweepId, runIds: args.runIds, after: cursor, limit: pageSize }) : undefined;
    const priority = cellPriority(sweepId, page.cellCount);
    for (const cell of page.cells) {
      await window.waitForRoom(page.maxParallel);
      window.start(cell, priority);
    }
    if (full) {
      const next = await nextPage;
      // Every cell of this page has started: hand the running ones (and the next page) to the next execution.
      await window.bookkeeping();
      if (next === undefined || next.cells.length > 0) {
        await continueAsNew<typeof SweepWorkflow>({ ...args, pageSize, after: cursor, inFlight: window.running(), nextPage: next });
      }
    }
    await window.drain();
    return await finishSweep({ sweepId, cancelled: false });
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

/**
 * Starts loading a page now and returns it when awaited. A failure (retries exhausted,
 * cancellation) surfaces where the page is awaited, not as an unhandled rejection while the current
 * page's cells start.
 */
function prefetchPage(input: Parameters<typeof loadSweepPage>[0]): Promise<SweepPage> {
  const loading = loadSweepPage(input);
  loading.catch(() => undefined);
  return loading;
}

/**
 * The cells of a sweep in flight, by run id. A cell leaves the window when its RunWorkflow signals
 * `cellFinished`, when a child started by this execution closes (whatever the reason), or when a
 * periodic check finds its workflow closed without a word (terminated, timed out).
 */
class CellWindow {
  private readonly cells = new Map<string, PlannedCell>();
  private readonly pending = new Set<Promise<void>>();

  constructor(carried: readonly PlannedCell[]) {
    for (const cell of carried) this.cells.set(cell.runId, cell);
  }

  running(): PlannedCell[] {
    return [...this.cells.values()];
  }

  settle(runId: string): void {
    this.cells.delete(runId);
  }

  /** Starts the cell's RunWorkflow (abandoned on continue-as-new: it outlives this execution). */
  start(cell: PlannedCell, priority: ReturnType<typeof cellPriority>): void {
    this.cells.set(cell.runId, cell);
    const started = startChild<typeof RunWorkflow>(WORKFLOW_TYPES.run, {
      workflowId: workflowIds.run(cell.runId, cell.attempt),
      args: [{ runId: cell.runId, attempt: cell.attempt }],
      parentClosePolicy: 'ABANDON',
      priority,
    });
    // Until the child has started, this execution must not continue as new.
    this.track(started.then(() => undefined, () => undefined));
    void started
      .then((child) => child.result())
      .then(
        () => this.settle(cell.runId),
        (error: unknown) => {
          if (isCancellation(error)) return this.settle(cell.runId);
          // The cell failed; the sweep goes on with the others. The child normally marked the run
          // failed already; this covers a child that was terminated or timed out before it could.
          log.warn('cell failed', { runId: cell.runId, cellKey: cell.cellKey, error: describeError(error) });
          this.track(
            failUnfinishedCell({ runId: cell.runId, attempt: cell.attempt, error: describeError(error) }).finally(() => this.settle(cell.runId)),
          );
        },
      );
  }

  async waitForRoom(limit: number): Promise<void> {
    while (this.cells.size >= Math.max(1, limit)) await this.waitForChange();
  }

  async drain(): Promise<void> {
    while (this.cells.size > 0) await this.waitForChange();
    await this.bookkeeping();
  }

  /** Waits until the window shrinks; now and then asks whether silent cells have closed. */
  private async waitForChange(): Promise<void> {
    const size = this.cells.size;
    if (await condition(() => this.cells.size < size, SETTLE_CHECK_INTERVAL)) return;
    const settled = await settledCells({ cells: this.running() });
    for (const runId of settled) this.settle(runId);
  }

  /** Child starts and failure bookkeeping still under way: finished before the execution ends or continues. */
  async bookkeeping(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Cancels every cell in flight and waits until each has stopped (or closed otherwise). */
  async cancelAll(): Promise<void> {
    await Promise.all(
      this.running().map((cell) =>
        getExternalWorkflowHandle(workflowIds.run(cell.runId, cell.attempt))
          .cancel()
          .catch(() => this.settle(cell.runId)),
      ),
    );
    await this.drain();
  }

  private track(promise: Promise<void>): void {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }
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

import { condition, getExternalWorkflowHandle, isCancellation, log, proxyActivities, startChild } from '@temporalio/workflow';
import { WORKFLOW_TYPES, workflowIds } from '@agiqa/contracts';
import type { CpuActivities } from '../activities/index.js';
import { describeError } from './errors.js';
import { BOOKKEEPING, type cellPriority, SETTLE_CHECK_INTERVAL } from './policies.js';
import type { PlannedCell } from './types.js';
import type { RunWorkflow } from './run.workflow.js';

const { failUnfinishedCell, settledCells } = proxyActivities<CpuActivities>(BOOKKEEPING);

/**
 * The cells of a sweep in flight, by run id. A cell leaves the window when its RunWorkflow signals
 * `cellFinished`, when a child started by this execution closes (whatever the reason), or when a
 * periodic check finds its workflow closed without a word (terminated, timed out).
 */
export class CellWindow {
  private readonly cells = new Map<string, PlannedCell>();
  private readonly pending = new Set<Promise<void>>();
  /** Children whose start is not yet confirmed (their ChildWorkflowExecutionStarted not yet seen). */
  private starting = 0;

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
    this.starting += 1;
    this.track(started.then(() => undefined, () => undefined).finally(() => (this.starting -= 1)));
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

  /**
   * Waits until the window has room (true) or every child start is confirmed (false), whichever
   * comes first: while an execution waits to hand over, it keeps the window full.
   */
  async roomOrStartsConfirmed(limit: number): Promise<boolean> {
    await condition(() => this.cells.size < Math.max(1, limit) || this.starting === 0);
    return this.cells.size < Math.max(1, limit);
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

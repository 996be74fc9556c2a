import type { Client } from '@temporalio/client';
import type { PrismaClient } from '@agiqa/db';
import { AgiqaError, notFound } from '@agiqa/contracts';
import { describeSweepWorkflow, startSweep, sweepWorkflowId } from './sweeps.js';

export interface RerunResult {
  sweepId: string;
  /** The new execution number (`Sweep.executions` after the bump). */
  execution: number;
  workflowId: string;
  /** The cells being re-run, in cellKey order. Completed cells are never among them. */
  runIds: string[];
  cellKeys: string[];
}

/**
 * Re-runs the cells of a sweep that did not complete (failed or cancelled, or left unfinished by a
 * terminated workflow) and keeps the completed ones. The one implementation behind
 * `agiqa sweep rerun-failed`, `POST /api/sweeps/:id/rerun-failed` and the dashboard button.
 *
 * In one transaction it claims the next execution number (so two concurrent re-runs cannot both
 * start) and resets the chosen cells to pending; then it starts `SweepWorkflow` for that execution
 * with their ids. Each cell gets a new attempt (`Run.attempts` + 1, a RunAttempt row) when it
 * starts. If Temporal is unreachable after the claim, the cells stay pending and calling this again
 * re-runs them.
 *
 * Errors: unknown sweep → not_found; sweep still running or nothing to re-run → conflict;
 * Temporal down → unavailable.
 */
export async function rerunFailedCells(
  prisma: PrismaClient,
  client: Client,
  sweepId: string,
  options: { taskQueue?: string } = {},
): Promise<RerunResult> {
  const sweep = await prisma.sweep.findUnique({ where: { id: sweepId }, select: { id: true, executions: true } });
  if (!sweep) throw notFound(`sweep ${sweepId} not found`);
  const current = await describeSweepWorkflow(client, sweep);
  if (current?.running) {
    throw new AgiqaError('conflict', `sweep ${sweepId} is still running (${current.workflowId}); cancel it or wait for it to finish`);
  }

  const execution = sweep.executions + 1;
  const cells = await prisma.$transaction(async (tx) => {
    const runs = await tx.run.findMany({
      where: { sweepId, status: { not: 'completed' } },
      select: { id: true, cellKey: true },
      orderBy: { cellKey: 'asc' },
    });
    if (runs.length === 0) throw new AgiqaError('conflict', `sweep ${sweepId} has no failed or cancelled cells to re-run`);
    const claimed = await tx.sweep.updateMany({
      where: { id: sweepId, executions: sweep.executions },
      data: { executions: execution, status: 'pending', finishedAt: null, workflowId: sweepWorkflowId(sweepId, execution) },
    });
    if (claimed.count === 0) throw new AgiqaError('conflict', `a re-run of sweep ${sweepId} was started concurrently`);
    // The previous attempt's error stays in its RunAttempt row; the cell itself starts clean.
    await tx.run.updateMany({ where: { id: { in: runs.map((r) => r.id) } }, data: { status: 'pending', error: null } });
    return runs;
  });

  const runIds = cells.map((c) => c.id);
  const started = await startSweep(client, { sweepId, runIds, execution, taskQueue: options.taskQueue });
  return { sweepId, execution, workflowId: started.workflowId, runIds, cellKeys: cells.map((c) => c.cellKey) };
}

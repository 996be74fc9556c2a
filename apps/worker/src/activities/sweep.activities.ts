import { WorkflowNotFoundError } from '@temporalio/client';
import { GridSpecSchema, notFound, parseOrThrow, RUN_STATUSES, workflowIds, type RunStatus, type SweepStatus } from '@agiqa/contracts';
import type { PlannedCell, SweepOutcome, SweepPage } from '../workflows/types.js';
import type { ActivityDeps } from './deps.js';

const UNFINISHED: RunStatus[] = ['pending', 'running'];

/** Runs marked cancelled per transaction when a sweep is cancelled (see `cancelUnfinishedRuns`). */
export const CANCEL_BATCH = 100;

/** Activities of SweepWorkflow and ScheduledSweepWorkflow: bookkeeping in the database and Temporal. */
export function createSweepActivities({ prisma, temporal }: Pick<ActivityDeps, 'prisma' | 'temporal'>) {
  return {
    /**
     * Which of these cells' RunWorkflows have closed: the sweep asks when it has heard nothing for a
     * while (a workflow terminated or timed out never signals). A closed cell that did not record
     * its end is marked failed, as `failUnfinishedCell` does.
     */
    async settledCells(input: { cells: PlannedCell[] }): Promise<string[]> {
      const settled: string[] = [];
      for (const cell of input.cells) {
        const description = await temporal.workflow
          .getHandle(workflowIds.run(cell.runId, cell.attempt))
          .describe()
          .catch((error: unknown) => {
            if (error instanceof WorkflowNotFoundError) return null;
            throw error;
          });
        const status = description?.status.name ?? 'NOT_FOUND';
        if (status === 'RUNNING') continue;
        await failUnfinished(prisma, { ...cell, error: `run workflow ended ${status.toLowerCase()} without recording its outcome` });
        settled.push(cell.runId);
      }
      return settled;
    },

    /** Marks the sweep running under this workflow execution. */
    async markSweepRunning(input: { sweepId: string; workflowId: string }): Promise<void> {
      const { count } = await prisma.sweep.updateMany({
        where: { id: input.sweepId },
        data: { status: 'running', workflowId: input.workflowId, finishedAt: null },
      });
      if (count === 0) throw notFound(`sweep ${input.sweepId} not found`);
    },

    /**
     * The next page of pending cells in `cellKey` order after the cursor, each with the attempt
     * number it will run as. Only pending cells: completed ones are kept, and a re-run has reset
     * the cells it re-runs to pending.
     */
    async loadSweepPage(input: { sweepId: string; runIds?: string[]; after?: string; limit: number }): Promise<SweepPage> {
      const sweep = await prisma.sweep.findUnique({ where: { id: input.sweepId }, select: { grid: true, cellCount: true } });
      if (!sweep) throw notFound(`sweep ${input.sweepId} not found`);
      const grid = parseOrThrow(GridSpecSchema, sweep.grid, `grid of sweep ${input.sweepId}`);
      const runs = await prisma.run.findMany({
        where: {
          sweepId: input.sweepId,
          status: 'pending',
          ...(input.runIds ? { id: { in: input.runIds } } : {}),
          ...(input.after !== undefined ? { cellKey: { gt: input.after } } : {}),
        },
        orderBy: { cellKey: 'asc' },
        take: input.limit,
        select: { id: true, cellKey: true, attempts: true },
      });
      const cells: PlannedCell[] = runs.map((r) => ({ runId: r.id, cellKey: r.cellKey, attempt: r.attempts + 1 }));
      return { cells, maxParallel: grid.maxParallel, cellCount: sweep.cellCount };
    },

    /**
     * Records how the sweep ended: `cancelled` when it was cancelled, `completed` when every cell
     * completed, otherwise `failed` (some cells failed or were cancelled: `rerun-failed` applies).
     */
    async finishSweep(input: { sweepId: string; cancelled: boolean; error?: string }): Promise<SweepOutcome> {
      const groups = await prisma.run.groupBy({ by: ['status'], where: { sweepId: input.sweepId }, _count: { _all: true } });
      const counts = Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;
      for (const g of groups) counts[g.status as RunStatus] = g._count._all;
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const status: SweepStatus = input.cancelled
        ? 'cancelled'
        : input.error === undefined && counts.completed === total
          ? 'completed'
          : 'failed';
      const { count } = await prisma.sweep.updateMany({ where: { id: input.sweepId }, data: { status, finishedAt: new Date() } });
      if (count === 0) throw notFound(`sweep ${input.sweepId} not found`);
      return { sweepId: input.sweepId, status, counts };
    },

    /**
     * After a cancellation: cells that never started (or did not record their end) become
     * cancelled, `CANCEL_BATCH` runs per short transaction. One transaction over a 5,000-cell sweep
     * held the embedded database (the gateway serves one transaction at a time) for most of a
     * second, and `/api/health` and a training cell's epoch writes waited behind it. Idempotent: a
     * retry goes on with the runs still unfinished.
     */
    async cancelUnfinishedRuns(input: { sweepId: string; runIds?: string[] }): Promise<number> {
      const where = {
        sweepId: input.sweepId,
        status: { in: UNFINISHED },
        ...(input.runIds ? { id: { in: input.runIds } } : {}),
      };
      let cancelled = 0;
      for (;;) {
        const batch = await prisma.$transaction(async (tx) => {
          const ids = (await tx.run.findMany({ where, select: { id: true }, take: CANCEL_BATCH })).map((r) => r.id);
          if (ids.length === 0) return null;
          await tx.runAttempt.updateMany({
            where: { runId: { in: ids }, status: 'running' },
            data: { status: 'cancelled', finishedAt: new Date() },
          });
          const { count } = await tx.run.updateMany({
            where: { id: { in: ids }, status: { in: UNFINISHED } },
            data: { status: 'cancelled', error: 'cancelled with its sweep', finishedAt: new Date() },
          });
          return count;
        });
        if (batch === null) return cancelled;
        cancelled += batch;
      }
    },

    /** A cell whose workflow ended without recording its outcome (terminated, timed out) → failed. */
    async failUnfinishedCell(input: { runId: string; attempt: number; error: string }): Promise<void> {
      await failUnfinished(prisma, input);
    },
  };
}

async function failUnfinished(prisma: ActivityDeps['prisma'], input: { runId: string; attempt: number; error: string }): Promise<void> {
  await prisma.$transaction([
    prisma.runAttempt.updateMany({
      where: { runId: input.runId, attempt: input.attempt, status: 'running' },
      data: { status: 'failed', error: input.error, finishedAt: new Date() },
    }),
    prisma.run.updateMany({
      where: { id: input.runId, status: { in: UNFINISHED } },
      data: { status: 'failed', error: input.error, finishedAt: new Date() },
    }),
  ]);
}

import { GridSpecSchema, notFound, parseOrThrow } from '@agiqa/contracts';
import { insertSweep } from '@agiqa/db';
import type { ActivityDeps } from './deps.js';

export function createScheduleActivities({ prisma }: Pick<ActivityDeps, 'prisma'>) {
  return {
    /**
     * Creates the sweep of one schedule firing: the schedule's grid, linked to the schedule. Marked
     * with the firing's workflow id from its first write (stored as the sweep's workflow id until
     * its SweepWorkflow starts and takes over the field), so a retry after a crash returns the
     * sweep instead of creating another. Its runs are written in short batches (`insertSweep`), not
     * in one transaction that would hold the embedded database for the whole grid; a retry that
     * finds a marked sweep with fewer runs than cells (a crash interrupted the writing) removes it
     * and writes it again.
     */
    async createScheduledSweep(input: { scheduleId: string; workflowId: string }): Promise<{ sweepId: string }> {
      const schedule = await prisma.schedule.findUnique({ where: { id: input.scheduleId }, select: { name: true, grid: true } });
      if (!schedule) throw notFound(`schedule ${input.scheduleId} not found`);
      const grid = parseOrThrow(GridSpecSchema, schedule.grid, `grid of schedule ${schedule.name}`);
      const existing = await prisma.sweep.findFirst({
        where: { scheduleId: input.scheduleId, workflowId: input.workflowId },
        select: { id: true, cellCount: true, _count: { select: { runs: true } } },
      });
      if (existing && existing._count.runs === existing.cellCount) return { sweepId: existing.id };
      if (existing) await prisma.sweep.delete({ where: { id: existing.id } });
      const sweep = await insertSweep(prisma, {
        grid: { ...grid, name: grid.name ?? `${schedule.name} (scheduled)` },
        scheduleId: input.scheduleId,
        workflowId: input.workflowId,
      });
      return { sweepId: sweep.id };
    },
  };
}

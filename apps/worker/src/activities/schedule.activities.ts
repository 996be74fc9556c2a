import { GridSpecSchema, notFound, parseOrThrow } from '@agiqa/contracts';
import { createSweep, type PrismaClient } from '@agiqa/db';
import type { ActivityDeps } from './deps.js';

export function createScheduleActivities({ prisma }: Pick<ActivityDeps, 'prisma'>) {
  return {
    /**
     * Creates the sweep of one schedule firing: the schedule's grid, linked to the schedule. Keyed by
     * the firing's workflow id (stored as the sweep's workflow id until its SweepWorkflow starts and
     * takes over the field), so a retry after a crash returns the sweep instead of creating another.
     */
    async createScheduledSweep(input: { scheduleId: string; workflowId: string }): Promise<{ sweepId: string }> {
      const schedule = await prisma.schedule.findUnique({ where: { id: input.scheduleId }, select: { name: true, grid: true } });
      if (!schedule) throw notFound(`schedule ${input.scheduleId} not found`);
      const grid = parseOrThrow(GridSpecSchema, schedule.grid, `grid of schedule ${schedule.name}`);
      // Look-up, creation and the marker commit together: a retry after a crash anywhere in here
      // finds either nothing or the whole sweep.
      const sweep = await prisma.$transaction(async (tx) => {
        const existing = await tx.sweep.findFirst({ where: { scheduleId: input.scheduleId, workflowId: input.workflowId }, select: { id: true } });
        if (existing) return existing;
        // createSweep only reads datasets and writes the sweep with its runs: the transaction
        // client has every delegate it uses.
        const created = await createSweep(tx as unknown as PrismaClient, {
          grid: { ...grid, name: grid.name ?? `${schedule.name} (scheduled)` },
          scheduleId: input.scheduleId,
        });
        return await tx.sweep.update({ where: { id: created.sweep.id }, data: { workflowId: input.workflowId }, select: { id: true } });
      });
      return { sweepId: sweep.id };
    },
  };
}

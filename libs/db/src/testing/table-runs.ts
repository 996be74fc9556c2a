import { GridSpecSchema, type GridSpecInput, type SweepStatus } from '@agiqa/contracts';
import type { Prisma, PrismaClient, Run, Sweep } from '../generated/prisma/client.js';
import { createSweep } from '../repositories/sweeps.js';

/** A run's headline result: `[srcc, plcc]`, or with the logistic PLCC and report rule spelled out. */
export type RunResult = [number, number] | { srcc: number; plcc: number; plccLogistic?: number | null; reportRule?: 'last' | 'best_on_val' | 'best_on_test' };

let clock = Date.UTC(2025, 0, 1);

/**
 * A sweep of `grid` whose runs named in `results` (by full cell key, `dataset/encoder/fusion/r0/s0`)
 * completed with those metrics, each finishing one second after the previous (so "newest" is
 * well defined), the others left pending. `status` is the sweep's (default `completed`);
 * `config` rewrites each run's stored config (e.g. to stand for another method). Spec-only.
 */
export async function sweepWithResults(
  prisma: PrismaClient,
  grid: GridSpecInput,
  results: Record<string, RunResult>,
  options: { status?: SweepStatus; config?: (config: Record<string, unknown>) => Record<string, unknown> } = {},
): Promise<{ sweep: Sweep; runs: Run[] }> {
  const { sweep, runs } = await createSweep(prisma, { grid: GridSpecSchema.parse(grid) });
  const unknown = Object.keys(results).filter((key) => !runs.some((r) => r.cellKey === key));
  if (unknown.length > 0) throw new Error(`sweepWithResults: no cells ${unknown.join(', ')} (cells: ${runs.map((r) => r.cellKey).join(', ')})`);
  for (const run of runs) {
    const result = results[run.cellKey];
    if (options.config) {
      await prisma.run.update({ where: { id: run.id }, data: { config: options.config(run.config as Record<string, unknown>) as Prisma.InputJsonObject } });
    }
    if (result === undefined) continue;
    const r = Array.isArray(result) ? { srcc: result[0], plcc: result[1] } : result;
    clock += 1000;
    await prisma.run.update({
      where: { id: run.id },
      data: {
        status: 'completed',
        srcc: r.srcc,
        plcc: r.plcc,
        plccLogistic: 'plccLogistic' in r ? r.plccLogistic : r.plcc,
        krcc: r.srcc * 0.8,
        rmse: 0.5,
        reportRule: ('reportRule' in r ? r.reportRule : undefined) ?? 'last',
        epochsDone: 1,
        reportedEpoch: 1,
        finishedAt: new Date(clock),
      },
    });
  }
  const status = options.status ?? 'completed';
  const updated = await prisma.sweep.update({ where: { id: sweep.id }, data: { status, ...(status === 'completed' ? { finishedAt: new Date(clock) } : {}) } });
  return { sweep: updated, runs: await prisma.run.findMany({ where: { sweepId: sweep.id } }) };
}

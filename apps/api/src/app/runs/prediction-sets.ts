import type { PrismaClient } from '@agiqa/db';
import type { RunPredictionSet } from './significance.js';

/**
 * The stored test predictions of each run, keyed by dataset item, for the significance tests.
 * Pairs with a non-finite prediction or MOS (a diverged head) are left out; a run without
 * predictions gets an empty set (the tests then say so in a note).
 */
export async function loadPredictionSets(prisma: PrismaClient, runIds: readonly string[]): Promise<Map<string, RunPredictionSet>> {
  const sets = new Map(runIds.map((runId) => [runId, { runId, items: new Map<string, [number, number]>() }]));
  if (runIds.length === 0) return sets;
  const rows = await prisma.prediction.findMany({
    where: { runId: { in: [...runIds] } },
    select: { runId: true, itemId: true, predicted: true, mos: true },
  });
  for (const row of rows) {
    if (Number.isFinite(row.predicted) && Number.isFinite(row.mos)) sets.get(row.runId)?.items.set(row.itemId, [row.predicted, row.mos]);
  }
  return sets;
}

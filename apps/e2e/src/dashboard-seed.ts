/**
 * Finished runs written straight into the database, so that the dashboard has tables, curves and
 * predictions to show without training anything. The numbers are chosen by hand; the spec derives
 * what the pages must print from them (see `expectedTable1`).
 */
import { cellKey, expandGrid, GridSpecSchema, type FusionHeadCell, type GridSpec } from '@agiqa/contracts';
import type { Db } from '@agiqa/db';

export const SEED_DATASET = 'agiqa3k-e2e';

/** SRCC / PLCC of each completed run, by `encoder/fusion/seed`; the failed cell has none. */
const METRICS: Record<string, { srcc: number; plcc: number }> = {
  'bert-base/concat/0': { srcc: 0.71, plcc: 0.74 },
  'bert-base/concat/1': { srcc: 0.73, plcc: 0.76 },
  'bert-base/cross_attention/0': { srcc: 0.8, plcc: 0.85 },
  'bert-base/cross_attention/1': { srcc: 0.82, plcc: 0.87 },
  'distilbert/concat/0': { srcc: 0.66, plcc: 0.7 },
  'distilbert/concat/1': { srcc: 0.68, plcc: 0.72 },
  'distilbert/cross_attention/0': { srcc: 0.75, plcc: 0.79 },
  // distilbert/cross_attention/1 failed.
};
const FAILED = 'distilbert/cross_attention/1';
const FAILED_ERROR = 'trainRun: loss became NaN at epoch 2 (learning rate too high?)';

export interface SeededSweep {
  sweepId: string;
  sweepName: string;
  runIds: string[];
  /** A completed run with epoch metrics and predictions (bert-base × concat, seed 0). */
  predictedRunId: string;
  /** Another completed run with predictions on the same items (bert-base × cross-attention, seed 0). */
  comparedRunId: string;
  failedRunId: string;
  cellCount: number;
}

/** Mean of the two seeds of a grid point, as Table 1 must print it (4 decimals). */
export function expectedTable1(encoder: string, fusion: string): { srcc: string; plcc: string } {
  const runs = [0, 1].map((seed) => METRICS[`${encoder}/${fusion}/${seed}`]).filter(Boolean);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { srcc: mean(runs.map((r) => r.srcc)).toFixed(4), plcc: mean(runs.map((r) => r.plcc)).toFixed(4) };
}

/**
 * One dataset (6 items), one finished sweep over 2 encoders × 2 fusions × 2 seeds: 7 completed runs
 * with 3 epochs of metrics each and 1 failed run; predictions for the first run.
 */
export async function seedFinishedSweep(db: Db): Promise<SeededSweep> {
  const { prisma } = db;
  const items = Array.from({ length: 6 }, (_, i) => ({
    position: i,
    key: `e2e_${i}.png`,
    imagePath: `images/e2e_${i}.png`,
    prompt: `a test prompt ${i % 3}`,
    promptKey: String(i % 3).padStart(3, '0'),
    generator: i % 2 === 0 ? 'sd1.5' : 'midjourney',
    mos: { quality: 1 + (i * 3) / 5, align: 2 + i / 5 },
  }));
  const dataset = await prisma.dataset.create({
    data: {
      name: SEED_DATASET,
      format: 'agiqa3k',
      root: '/nonexistent/agiqa3k-e2e',
      contentHash: 'e2e0000000000000000000000000000000000000000000000000000000000000',
      itemCount: items.length,
      labels: ['quality', 'align'],
      summary: {
        rows: items.length,
        prompts: 3,
        generators: { 'sd1.5': 3, midjourney: 3 },
        mos: { quality: { min: 1, max: 4, mean: 2.5 }, align: { min: 2, max: 3, mean: 2.5 } },
        missingImages: 0,
      },
      items: { create: items },
    },
    include: { items: true },
  });

  const grid: GridSpec = GridSpecSchema.parse({
    name: 'e2e-table1',
    encoders: ['bert-base', 'distilbert'],
    fusions: ['concat', 'cross_attention'],
    datasets: [SEED_DATASET],
    seeds: [0, 1],
    epochs: 3,
  });
  // The seeded grid trains heads only.
  const cells = expandGrid(grid).filter((cell): cell is FusionHeadCell => cell.method === 'fusion-head');
  const created = new Date(Date.now() - 60 * 60_000);
  const finished = new Date(Date.now() - 5 * 60_000);
  const sweep = await prisma.sweep.create({
    data: { name: grid.name, grid, status: 'failed', cellCount: cells.length, workflowId: 'sweep-e2e', createdAt: created, finishedAt: finished },
  });

  const runIds: string[] = [];
  let failedRunId = '';
  for (const cell of cells) {
    const key = `${cell.textEncoder}/${cell.fusion}/${cell.seed}`;
    const metrics = METRICS[key];
    const failed = key === FAILED;
    const run = await prisma.run.create({
      data: {
        sweepId: sweep.id,
        cellKey: cellKey(cell),
        datasetId: dataset.id,
        textEncoder: cell.textEncoder,
        imageEncoder: grid.imageEncoder,
        fusion: cell.fusion,
        splitRepeat: cell.splitRepeat,
        seed: cell.seed,
        config: {
          epochs: grid.epochs,
          batchSize: grid.batchSize,
          learningRate: grid.learningRate,
          label: grid.label,
          head: grid.head,
          split: grid.split,
          trainingMode: grid.trainingMode,
          reportRule: grid.reportRule,
        },
        status: failed ? 'failed' : 'completed',
        attempts: 1,
        backend: 'cpu',
        machine: { hostname: 'e2e-host', cpu: 'test cpu', gpu: null },
        epochsDone: failed ? 1 : grid.epochs,
        reportedEpoch: failed ? null : grid.epochs,
        srcc: metrics?.srcc ?? null,
        plcc: metrics?.plcc ?? null,
        plccLogistic: metrics ? metrics.plcc + 0.005 : null,
        krcc: metrics ? metrics.srcc - 0.15 : null,
        rmse: metrics ? 0.42 : null,
        error: failed ? FAILED_ERROR : null,
        workflowId: `run-e2e-${runIds.length}-attempt-1`,
        startedAt: created,
        finishedAt: finished,
        attemptsLog: {
          create: {
            createdAt: created,
            attempt: 1,
            workflowId: `run-e2e-${runIds.length}-attempt-1`,
            status: failed ? 'failed' : 'completed',
            error: failed ? FAILED_ERROR : null,
            finishedAt: finished,
          },
        },
        epochMetrics: {
          create: Array.from({ length: failed ? 1 : grid.epochs }, (_, i) => ({
            epoch: i + 1,
            trainLoss: 1 / (i + 1),
            testSrcc: (metrics?.srcc ?? 0.3) - (grid.epochs - 1 - i) * 0.05,
            testPlcc: (metrics?.plcc ?? 0.3) - (grid.epochs - 1 - i) * 0.05,
            durationMs: 120,
          })),
        },
      },
    });
    runIds.push(run.id);
    if (failed) failedRunId = run.id;
  }

  // Two runs predicted the same items, so that Compare can run Steiger's test between them.
  const predictedRunId = runIds[cells.findIndex((c) => c.textEncoder === 'bert-base' && c.fusion === 'concat' && c.seed === 0)];
  const comparedRunId = runIds[cells.findIndex((c) => c.textEncoder === 'bert-base' && c.fusion === 'cross_attention' && c.seed === 0)];
  // MOS steps are 0.6 apart: these offsets swap different neighbours in each run, so neither run
  // nor the pair correlates perfectly (Steiger's test needs correlations strictly inside (-1, 1)).
  const offsets: Record<string, number[]> = {
    [predictedRunId]: [0.7, -0.4, 0, 0.5, -0.5, 0],
    [comparedRunId]: [0, 0.8, -0.5, 0, 0.1, -0.2],
  };
  for (const [runId, offset] of Object.entries(offsets)) {
    await prisma.prediction.createMany({
      data: dataset.items.map((item, i) => {
        const mos = (item.mos as { quality: number }).quality;
        return { runId, itemId: item.id, mos, predicted: mos + offset[i] };
      }),
    });
  }

  return { sweepId: sweep.id, sweepName: grid.name ?? '', runIds, predictedRunId, comparedRunId, failedRunId, cellCount: cells.length };
}

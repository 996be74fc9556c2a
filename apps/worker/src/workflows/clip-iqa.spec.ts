import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaperTablesQuerySchema, workflowIds } from '@agiqa/contracts';
import { datasetBaseDir } from '@agiqa/data';
import { getTable2 } from '@agiqa/db';
import { clipIqaScores, evaluate, FIXTURES_DIR, resolveEncoder } from '@agiqa/model';
import { startSweep } from '@agiqa/orchestration';
import { recordHistory } from '../testing/histories.js';
import { startHarness, tinyGrid, type Harness } from '../testing/harness.js';
import type { SweepOutcome } from './types.js';

// One real Temporal dev server, one PGlite database and in-process workers for the whole file.
let h: Harness;
let stopWorkers: () => Promise<void>;

beforeAll(async () => {
  h = await startHarness();
  stopWorkers = await h.startWorkers();
}, 120_000);
afterAll(async () => {
  await stopWorkers?.();
  await h?.close();
});

async function runSweep(grid: Parameters<Harness['newSweep']>[0]): Promise<{ sweepId: string; outcome: SweepOutcome; runIds: string[] }> {
  const { sweepId, runIds } = await h.newSweep(grid);
  const started = await startSweep(h.env.client, { sweepId, taskQueue: h.cpuQueue });
  return { sweepId, outcome: (await h.env.client.workflow.getHandle(started.workflowId).result()) as SweepOutcome, runIds };
}

/** The run's test images scored by libs/model straight from the image files (no feature cache). */
async function scoredFromFiles(runId: string, logitScale: number): Promise<Float64Array> {
  const run = await h.db.prisma.run.findUniqueOrThrow({ where: { id: runId }, include: { splitManifest: true, dataset: true } });
  const items = await h.db.prisma.datasetItem.findMany({ where: { datasetId: run.datasetId }, select: { key: true, imagePath: true } });
  const pathOf = new Map(items.map((i) => [i.key, i.imagePath]));
  const base = await datasetBaseDir(run.dataset.root);
  const images = (run.splitManifest?.testKeys ?? []).map((key) => join(base, pathOf.get(key) as string));
  return clipIqaScores({ encoder: resolveEncoder('tiny-clip'), images, logitScale });
}

describe('clip-iqa cells (grid methods)', () => {
  it('scores the test split zero-shot with Eq. 2 and lands a measured run beside the trained heads', async () => {
    const { sweepId, outcome, runIds } = await runSweep(tinyGrid({ methods: ['fusion-head', 'clip-iqa'] }));
    expect(outcome).toMatchObject({ status: 'completed', counts: { completed: 2, failed: 0 } });

    const prisma = h.db.prisma;
    const runs = await prisma.run.findMany({ where: { id: { in: runIds } }, include: { splitManifest: true, attemptsLog: true } });
    const head = runs.find((r) => r.method === 'fusion_head');
    const clip = runs.find((r) => r.method === 'clip_iqa');
    expect(head).toMatchObject({ status: 'completed', textEncoder: 'tiny-bert', fusion: 'concat', seed: 0, reportedEpoch: 2 });
    expect(clip).toMatchObject({
      status: 'completed',
      cellKey: 'synth/clip-iqa/r0',
      textEncoder: null,
      fusion: null,
      seed: null,
      imageEncoder: 'tiny-clip',
      reportedEpoch: null,
      epochsDone: 0,
      rmse: null,
      error: null,
    });
    expect(clip?.attemptsLog.map((a) => a.status)).toEqual(['completed']);
    // Both cells split the dataset the same way: CLIP-IQA is measured on the heads' test items.
    expect(clip?.splitManifestId).toBe(head?.splitManifestId);

    // Predictions are P("Good photo."), the same as libs/model computes from the image files at
    // scale 1 (the paper's Eq. 2), and the stored metrics are those of these predictions.
    const predictions = await prisma.prediction.findMany({ where: { runId: clip?.id }, include: { item: { select: { key: true } } } });
    const testKeys = clip?.splitManifest?.testKeys ?? [];
    expect(predictions).toHaveLength(testKeys.length);
    const byKey = new Map(predictions.map((p) => [p.item.key, p]));
    const expected = await scoredFromFiles(clip?.id as string, 1);
    testKeys.forEach((key, i) => expect(byKey.get(key)?.predicted).toBeCloseTo(expected[i], 5));
    const ordered = testKeys.map((key) => byKey.get(key) as (typeof predictions)[number]);
    const metrics = evaluate(
      ordered.map((p) => p.predicted),
      ordered.map((p) => p.mos),
    );
    expect(clip?.srcc).toBeCloseTo(metrics.srcc, 6);
    expect(clip?.plcc).toBeCloseTo(metrics.plcc, 6);
    expect(clip?.krcc).toBeCloseTo(metrics.krcc, 6);
    // Tiny fixture encoders never make a measured row of the paper's tables.
    const table2 = await getTable2(prisma, PaperTablesQuerySchema.parse({ sweep: sweepId, agiqa3k: 'synth' }));
    expect(table2.rows.filter((r) => r.source === 'measured')).toEqual([]);

    // The CLIP-IQA cell reads the image features the head extracted: one image and one text set.
    expect(await prisma.featureSet.count({ where: { dataset: { name: 'synth' } } })).toBe(2);
    expect(h.extractions).toEqual({ text: 1, image: 1 });
    // Nothing trained, nothing to time: no epochs, no checkpoint.
    expect(await prisma.epochMetric.count({ where: { runId: clip?.id } })).toBe(0);
    expect(clip?.checkpointKey).toBeNull();

    await recordHistory(h.env.address, workflowIds.run(clip?.id as string, 1), 'run-clip-iqa');
  });

  it('applies the grid\'s antonym pair and logit scale: same ranking at CLIP\'s scale, other probabilities', async () => {
    const textExtractions = h.extractions.text;
    const eq2 = await runSweep(tinyGrid({ methods: ['clip-iqa'], encoders: [], fusions: [], seeds: [] }));
    const clip = await runSweep(tinyGrid({ methods: ['clip-iqa'], encoders: [], fusions: [], seeds: [], clipIqa: { logitScale: 100 } }));
    const swapped = await runSweep(
      tinyGrid({ methods: ['clip-iqa'], encoders: [], fusions: [], seeds: [], clipIqa: { prompts: ['Bad photo.', 'Good photo.'] } }),
    );
    const run = (runIds: string[]) => h.db.prisma.run.findUniqueOrThrow({ where: { id: runIds[0] } });
    const [a, b, c] = await Promise.all([run(eq2.runIds), run(clip.runIds), run(swapped.runIds)]);
    for (const [sweep, r] of [[eq2, a], [clip, b], [swapped, c]] as const) {
      expect({ sweep: sweep.outcome.status, error: r.error }).toEqual({ sweep: 'completed', error: null });
    }
    expect(b.srcc).toBeCloseTo(a.srcc as number, 10);
    expect(b.plcc).not.toBeCloseTo(a.plcc as number, 6);
    // Swapping the pair gives 1 − P: the ranking reverses.
    expect(c.srcc).toBeCloseTo(-(a.srcc as number), 10);
    expect(b.config).toMatchObject({ method: 'clip-iqa', clipIqa: { prompts: ['Good photo.', 'Bad photo.'], logitScale: 100 } });
    // CLIP-IQA cells need no text features: no text extraction ran.
    expect(h.extractions.text).toBe(textExtractions);
  });

  it('lands a worker-run CLIP-IQA cell on CLIP ViT-B/32 as the measured CLIP-IQA row of Table 2, its setting naming the model folder', async () => {
    // clip-vit-b32 from a local folder (the tiny fixture's files stand in for downloaded weights).
    const folder = join(FIXTURES_DIR, 'tiny-clip');
    const grid = tinyGrid({ methods: ['clip-iqa'], encoders: [], fusions: [], seeds: [], imageEncoder: 'clip-vit-b32', modelOverrides: { 'clip-vit-b32': folder } });
    const { sweepId, outcome, runIds } = await runSweep(grid);
    expect(outcome).toMatchObject({ status: 'completed', counts: { completed: 1, failed: 0 } });
    const clip = await h.db.prisma.run.findUniqueOrThrow({ where: { id: runIds[0] } });
    expect(clip).toMatchObject({ method: 'clip_iqa', imageEncoder: 'clip-vit-b32', status: 'completed', error: null });

    // The whole way from a worker's cell to the row a paper copies: the run's own metrics, n = 1.
    const table2 = await getTable2(h.db.prisma, PaperTablesQuerySchema.parse({ sweep: sweepId, agiqa3k: 'synth' }));
    const measured = table2.rows.filter((r) => r.source === 'measured');
    expect(measured.map((r) => r.method)).toEqual(['CLIP-IQA (this platform)']);
    const figure = measured[0].cells.agiqa3k;
    expect(figure).toMatchObject({ n: 1, dataset: 'synth', runIds: [clip.id] });
    expect(figure?.srcc).toBeCloseTo(clip.srcc as number, 12);
    expect(figure?.plcc).toBeCloseTo(clip.plcc as number, 12);
    // Not the paper's protocol: the model folder is part of the row's setting, shown with it.
    expect(JSON.stringify(measured[0].setting)).toContain(folder);
  });
});

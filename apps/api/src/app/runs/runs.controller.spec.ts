import { ComparisonSchema, EpochPageSchema, ErrorBodySchema, RunComparisonSchema, RunDetailSchema, RunPredictionsSchema } from '@agiqa/contracts';
import { holmAdjust } from '@agiqa/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeRun, seedDataset, seedSweep, setNaN } from '../../testing/seed.js';
import { startTestApi, type TestApi } from '../../testing/test-api.js';
import { RunsController } from './runs.controller.js';

describe(RunsController.name, () => {
  let api: TestApi;
  let concat: string;
  let cross: string;
  let otherSplit: string;

  beforeAll(async () => {
    api = await startTestApi();
    const prisma = api.db.prisma;
    const dataset = await seedDataset(prisma, 'synth', { items: 12 });
    const { runs } = await seedSweep(prisma, {
      encoders: ['tiny-bert'],
      fusions: ['concat', 'cross_attention'],
      datasets: ['synth'],
      seeds: [0],
      split: { repeats: 2 },
      epochs: 3,
    });
    const idOf = (key: string) => runs.find((r) => r.cellKey === key)?.id ?? '';
    concat = idOf('synth/tiny-bert/concat/r0/s0');
    cross = idOf('synth/tiny-bert/cross_attention/r0/s0');
    otherSplit = idOf('synth/tiny-bert/cross_attention/r1/s0');

    const items = await prisma.datasetItem.findMany({ where: { datasetId: dataset.id }, orderBy: { position: 'asc' } });
    const mosOf = (item: (typeof items)[number]) => (item.mos as { quality: number }).quality;
    // concat and cross share the test items; the other split's run saw the first 8 only.
    const predict = async (runId: string, noise: number, count: number) =>
      prisma.prediction.createMany({
        data: items.slice(0, count).map((item, i) => ({ runId, itemId: item.id, predicted: mosOf(item) + Math.sin(i * 2.1) * noise, mos: mosOf(item) })),
      });
    await predict(concat, 1.2, 12);
    await predict(cross, 0.3, 12);
    await predict(otherSplit, 0.3, 8);
    for (const [runId, srcc] of [
      [concat, 0.6],
      [cross, 0.9],
      [otherSplit, 0.85],
    ] as const) {
      await completeRun(prisma, runId, { srcc, plcc: srcc });
      await prisma.epochMetric.createMany({
        data: [1, 2, 3].map((epoch) => ({ runId, epoch, trainLoss: 1 / epoch, testSrcc: srcc - 0.1 / epoch, testPlcc: srcc, durationMs: 10 })),
      });
    }
    // Prisma refuses to write NaN; a diverged epoch can still reach Postgres (float8 holds NaN).
    await setNaN(prisma, 'EpochMetric', 'trainLoss', { runId: concat, epoch: 1 });
  });

  afterAll(async () => {
    await api?.close();
  });

  it('shows a run with its config and attempts', async () => {
    const response = await api.request('GET', `/api/runs/${cross}`);
    expect(response.status).toBe(200);
    const run = RunDetailSchema.parse(response.body);
    expect(run).toMatchObject({ id: cross, dataset: 'synth', method: 'fusion-head', fusion: 'cross_attention', status: 'completed', epochs: 3, backend: 'cpu' });
    expect(run.metrics?.srcc).toBe(0.9);
    expect(run.attemptsLog).toEqual([]);
  });

  it('pages the learning curve in epoch order', async () => {
    const all = EpochPageSchema.parse((await api.request('GET', `/api/runs/${cross}/epochs`)).body);
    expect(all.items.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect([all.total, all.limit, all.offset]).toEqual([3, 1000, 0]);
    const second = EpochPageSchema.parse((await api.request('GET', `/api/runs/${cross}/epochs?limit=2&offset=2`)).body);
    expect(second.items.map((e) => e.epoch)).toEqual([3]);
    expect((await api.request('GET', `/api/runs/${cross}/epochs?limit=1001`)).status).toBe(400);
    expect((await api.request('GET', '/api/runs/00000000-0000-0000-0000-000000000000/epochs')).status).toBe(404);
  });

  it('shows a CLIP-IQA run as zero-shot: no text encoder, fusion, seed, epochs or RMSE', async () => {
    const prisma = api.db.prisma;
    const { runs } = await seedSweep(prisma, { methods: ['clip-iqa'], datasets: ['synth'], imageEncoder: 'tiny-clip' });
    await prisma.run.update({
      where: { id: runs[0].id },
      data: { status: 'completed', srcc: 0.4, plcc: 0.3, plccLogistic: 0.35, krcc: 0.3, rmse: null, backend: 'onnxruntime-cpu', finishedAt: new Date() },
    });
    const response = await api.request('GET', `/api/runs/${runs[0].id}`);
    expect(response.status).toBe(200);
    const run = RunDetailSchema.parse(response.body);
    expect(run).toMatchObject({ method: 'clip-iqa', cellKey: 'synth/clip-iqa/r0', textEncoder: null, fusion: null, seed: null, epochs: 0, reportedEpoch: null });
    expect(run.metrics).toEqual({ srcc: 0.4, plcc: 0.3, plccLogistic: 0.35, krcc: 0.3, rmse: null });
    expect(run.config).toMatchObject({ method: 'clip-iqa', clipIqa: { prompts: ['Good photo.', 'Bad photo.'], logitScale: 1 } });
  });

  it('shows a diverged epoch as a gap, never NaN', async () => {
    const response = await api.request('GET', `/api/runs/${concat}/epochs`);
    expect(response.text).not.toContain('NaN');
    expect(EpochPageSchema.parse(response.body).items[0].trainLoss).toBeNull();
  });

  it('pages the predictions of a run in dataset order', async () => {
    const predictions = RunPredictionsSchema.parse((await api.request('GET', `/api/runs/${cross}/predictions`)).body);
    expect(predictions).toMatchObject({ runId: cross, dataset: 'synth', total: 12, offset: 0 });
    expect(predictions.items[0].key).toBe('gen0_normal_000.jpg');
    const pages = await Promise.all(
      [0, 5, 10].map(async (offset) => RunPredictionsSchema.parse((await api.request('GET', `/api/runs/${cross}/predictions?limit=5&offset=${offset}`)).body)),
    );
    expect(pages.map((p) => p.items.length)).toEqual([5, 5, 2]);
    expect(pages.flatMap((p) => p.items)).toEqual(predictions.items);
  });

  it('compares runs: Steiger on the same test items, Fisher across splits', async () => {
    const response = await api.request('GET', `/api/runs/compare?ids=${concat},${cross},${otherSplit}`);
    expect(response.status).toBe(200);
    const comparison = RunComparisonSchema.parse(response.body);
    expect(comparison.runs.map((r) => r.id)).toEqual([concat, cross, otherSplit]);
    expect(comparison.curves.map((c) => c.epochs.length)).toEqual([3, 3, 3]);
    expect(comparison.significance.map((s) => [s.otherRunId, s.test, s.n])).toEqual([
      [cross, 'steiger', 12],
      [otherSplit, 'fisher', 12],
    ]);
    expect(comparison.significance[0].z).toBeGreaterThan(0);
    // Two tests against the first run: Holm's correction, said in the notes.
    const [first, second] = comparison.significance;
    expect(Math.min(first.pHolm, second.pHolm)).toBeCloseTo(Math.min(1, 2 * Math.min(first.p, second.p)), 12);
    expect(comparison.notes).toEqual(["Holm's correction over the 2 tests against the first run (pHolm)."]);
  });

  it('tests single runs pairwise on their predictions (Steiger, Fisher) with Holm, in POST /api/runs/compare', async () => {
    const pairwiseOf = async (ids: string[]) => {
      const response = await api.request('POST', '/api/runs/compare', { body: { ids } });
      expect(response.status, response.text).toBe(200);
      return ComparisonSchema.parse(response.body);
    };
    const comparison = await pairwiseOf([concat, cross, otherSplit]);
    expect(comparison.pairwise.map((t) => [t.a, t.b, t.test, t.n])).toEqual([
      [concat, cross, 'steiger', 12],
      [concat, otherSplit, 'fisher', 12 + 8],
      [cross, otherSplit, 'fisher', 12 + 8],
    ]);
    expect(comparison.notes).toEqual([]);
    const old = RunComparisonSchema.parse((await api.request('GET', `/api/runs/compare?ids=${concat},${cross}`)).body).significance[0];
    // Positive when a (concat) is the better one: the opposite sign of "cross against baseline concat".
    expect(comparison.pairwise[0].statistic).toBeCloseTo(-old.z, 12);
    expect(comparison.pairwise[0].p).toBeCloseTo(old.p, 12);
    const ps = comparison.pairwise.map((t) => t.p);
    expect(comparison.pairwise.map((t) => t.pHolm)).toEqual(holmAdjust(ps));
  });

  it('downloads the predictions as CSV, and answers an unknown run with a JSON 404', async () => {
    const csv = await api.request('GET', `/api/runs/${cross}/predictions.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.text.split('\n')[0]).toContain('predicted');
    const missing = await api.request('GET', '/api/runs/00000000-0000-0000-0000-000000000000/predictions.csv');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
    expect(ErrorBodySchema.parse(missing.body).error.code).toBe('not_found');
  });

  it('answers 404 naming unknown runs and 400 for a bad id list', async () => {
    const missing = await api.request('GET', `/api/runs/compare?ids=${cross},00000000-0000-0000-0000-000000000000`);
    expect(missing.status).toBe(404);
    expect(ErrorBodySchema.parse(missing.body).error.message).toContain('00000000-0000-0000-0000-000000000000');
    expect((await api.request('GET', '/api/runs/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await api.request('GET', '/api/runs/00000000-0000-0000-0000-000000000000/predictions')).status).toBe(404);
    for (const query of [`ids=${cross}`, `ids=${cross},${cross}`, '']) {
      const response = await api.request('GET', `/api/runs/compare?${query}`);
      expect(response.status, query).toBe(400);
      expect(ErrorBodySchema.parse(response.body).error.details?.[0].path).toBe('ids');
    }
  });
});

import { ErrorBodySchema, RunComparisonSchema, RunDetailSchema, RunPredictionsSchema } from '@agiqa/contracts';
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

  it('shows a run with its config, learning curve and attempts', async () => {
    const response = await api.request('GET', `/api/runs/${cross}`);
    expect(response.status).toBe(200);
    const run = RunDetailSchema.parse(response.body);
    expect(run).toMatchObject({ id: cross, dataset: 'synth', fusion: 'cross_attention', status: 'completed', epochs: 3, backend: 'cpu' });
    expect(run.metrics?.srcc).toBe(0.9);
    expect(run.epochMetrics.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(run.attemptsLog).toEqual([]);
  });

  it('shows a diverged epoch as a gap, never NaN', async () => {
    const response = await api.request('GET', `/api/runs/${concat}`);
    expect(response.text).not.toContain('NaN');
    expect(RunDetailSchema.parse(response.body).epochMetrics[0].trainLoss).toBeNull();
  });

  it('lists the predictions of a run in dataset order', async () => {
    const predictions = RunPredictionsSchema.parse((await api.request('GET', `/api/runs/${cross}/predictions`)).body);
    expect(predictions).toMatchObject({ runId: cross, dataset: 'synth', count: 12 });
    expect(predictions.items[0].key).toBe('gen0_normal_000.jpg');
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
    expect(comparison.notes).toEqual([]);
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

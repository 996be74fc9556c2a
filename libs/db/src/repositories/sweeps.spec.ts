import { expandGrid, GridSpecSchema, type GridSpecInput } from '@agiqa/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../connection/create-db.js';
import { createTestDb } from '../testing/test-db.js';
import { registerDataset } from './datasets.js';
import { loadedDataset } from '../testing/fixtures.js';
import { createSweep, type RunConfig } from './sweeps.js';

const grid = (input: Partial<GridSpecInput> = {}) =>
  GridSpecSchema.parse({ encoders: ['bert-base', 'distilbert'], fusions: ['concat', 'cross_attention'], datasets: ['a3k'], seeds: [0, 1], ...input });

describe(createSweep.name, () => {
  let db: Db;
  beforeEach(async () => {
    db = await createTestDb();
    await registerDataset(db.prisma, 'a3k', loadedDataset(8, 'agiqa3k'));
    await registerDataset(db.prisma, 'aigc', loadedDataset(8, 'aigciqa2023'));
  });
  afterEach(async () => {
    await db.close();
  });

  it('creates the sweep and one pending run per cell, in grid order', async () => {
    const spec = grid({ name: 'ablation', datasets: ['a3k', 'aigc'], split: { repeats: 2 } });
    const { sweep, runs } = await createSweep(db.prisma, { grid: spec });
    const cells = expandGrid(spec);
    expect(cells).toHaveLength(32);
    expect(sweep).toMatchObject({ name: 'ablation', cellCount: 32, status: 'pending', scheduleId: null });
    expect(sweep.grid).toEqual(JSON.parse(JSON.stringify(spec)));
    expect(runs.map((r) => r.cellKey)).toEqual(cells.map((c) => c.key));
    expect(runs.every((r) => r.status === 'pending' && r.sweepId === sweep.id && r.imageEncoder === 'clip-vit-b32')).toBe(true);
    const aigcIds = new Set(runs.filter((r) => r.cellKey.startsWith('aigc/')).map((r) => r.datasetId));
    expect(aigcIds.size).toBe(1);
  });

  it('stores in each run everything needed to reproduce its cell', async () => {
    const spec = grid({
      encoders: ['roberta'],
      fusions: ['cosine'],
      seeds: [5],
      reportRule: 'best-on-val',
      split: { val: 0.1 },
      modelOverrides: { roberta: '/models/roberta', distilbert: '/models/unused' },
    });
    const { runs } = await createSweep(db.prisma, { grid: spec });
    const [run] = runs;
    expect(run).toMatchObject({ textEncoder: 'roberta', fusion: 'cosine', seed: 5, splitRepeat: 0, reportRule: 'best_on_val', trainingMode: 'frozen' });
    const config = run?.config as unknown as RunConfig;
    expect(config).toEqual({
      dataset: 'a3k',
      textEncoder: 'roberta',
      imageEncoder: 'clip-vit-b32',
      fusion: 'cosine',
      splitRepeat: 0,
      seed: 5,
      split: { unit: 'prompt', train: 0.8, val: 0.1, seed: 0, repeats: 1 },
      epochs: 100,
      batchSize: 32,
      learningRate: 1e-4,
      reportRule: 'best-on-val',
      trainingMode: 'frozen',
      label: 'quality',
      head: spec.head,
      modelOverrides: { roberta: '/models/roberta' },
    });
  });

  it('uses the paper train ratio of each dataset format when the grid leaves it open', async () => {
    const { runs } = await createSweep(db.prisma, { grid: grid({ datasets: ['a3k', 'aigc'], encoders: ['bert-base'], fusions: ['concat'], seeds: [0] }) });
    expect(runs.map((r) => (r.config as unknown as RunConfig).split.train)).toEqual([0.8, 0.75]);
  });

  it('links a sweep created by a schedule', async () => {
    const schedule = await db.prisma.schedule.create({ data: { name: 'nightly', grid: {}, cron: '0 3 * * *', temporalScheduleId: 't-1' } });
    const { sweep } = await createSweep(db.prisma, { grid: grid(), scheduleId: schedule.id });
    expect(sweep.scheduleId).toBe(schedule.id);
  });

  it('rejects unknown datasets naming datasets.<i> and listing the registered names, creating nothing', async () => {
    await expect(createSweep(db.prisma, { grid: grid({ datasets: ['a3k', 'pku', 'nope'] }) })).rejects.toMatchObject({
      code: 'invalid_input',
      message: 'datasets.1: unknown dataset "pku"; datasets.2: unknown dataset "nope" (registered: a3k, aigc)',
      details: [
        { path: 'datasets.1', message: 'unknown dataset "pku"' },
        { path: 'datasets.2', message: 'unknown dataset "nope"' },
      ],
    });
    expect(await db.prisma.sweep.count()).toBe(0);
    expect(await db.prisma.run.count()).toBe(0);
  });

  it('rejects, before any cell runs, a label a dataset lacks and a split the paper ratio leaves without test share', async () => {
    // a3k (AGIQA-3K): paper ratio 0.8, so val 0.2 leaves nothing; aigc: 0.75 + 0.2 is fine.
    const bad = grid({ datasets: ['a3k', 'aigc'], label: 'sharpness', split: { val: 0.2 } });
    const error = await createSweep(db.prisma, { grid: bad }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_input' });
    const details = (error as { details: { path: string; message: string }[] }).details;
    expect(details.map((d) => d.path)).toEqual(['label', 'split.val', 'label']);
    expect(details[0].message).toContain('dataset "a3k" has no "sharpness" MOS');
    expect(details[1].message).toBe('on dataset "a3k" train 0.8 (the paper\'s ratio) + val 0.2 leaves no test share');
    expect(await db.prisma.sweep.count()).toBe(0);
  });
});

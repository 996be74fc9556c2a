import { expandGrid, GridSpecSchema, type GridSpecInput } from '@agiqa/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../connection/create-db.js';
import { startGateway } from '../gateway/gateway.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { createMigratedPglite, createTestDb } from '../testing/test-db.js';
import { registerDataset } from './datasets.js';
import { loadedDataset } from '../testing/fixtures.js';
import { createSweep, insertSweep, SWEEP_INSERT_BATCH, type RunConfig } from './sweeps.js';

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

  it('writes a sweep larger than one batch completely, in cell order', async () => {
    const seeds = Array.from({ length: SWEEP_INSERT_BATCH + 13 }, (_, i) => i);
    const spec = grid({ encoders: ['bert-base'], fusions: ['concat', 'cosine'], seeds });
    const { sweep, runs } = await createSweep(db.prisma, { grid: spec });
    const cells = expandGrid(spec);
    expect(cells.length).toBeGreaterThan(2 * SWEEP_INSERT_BATCH);
    expect(runs.map((r) => r.cellKey)).toEqual(cells.map((c) => c.key));
    expect(await db.prisma.run.count({ where: { sweepId: sweep.id } })).toBe(cells.length);
    expect(sweep.cellCount).toBe(cells.length);
  });

  it('refuses a grid over maxCells before writing anything, naming the limit', async () => {
    await expect(createSweep(db.prisma, { grid: grid(), maxCells: 7 })).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('at most 7 (AGIQA_MAX_SWEEP_CELLS)') });
    expect(await db.prisma.sweep.count()).toBe(0);
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
      method: 'fusion-head',
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
      trainer: 'auto',
      label: 'quality',
      head: spec.head,
      features: { dtype: 'fp32', resize: 'pillow' },
      modelOverrides: { roberta: '/models/roberta' },
    });
  });

  it('stores a CLIP-IQA cell without text encoder, fusion or seed, with its antonym pair and logit scale', async () => {
    const spec = grid({
      methods: ['fusion-head', 'clip-iqa'],
      encoders: ['roberta'],
      fusions: ['concat'],
      seeds: [0],
      clipIqa: { prompts: ['Sharp photo.', 'Blurry photo.'], logitScale: 100 },
      modelOverrides: { roberta: '/models/roberta', 'clip-vit-b32': '/models/clip' },
    });
    const { runs } = await createSweep(db.prisma, { grid: spec });
    expect(runs.map((r) => [r.cellKey, r.method])).toEqual([
      ['a3k/roberta/concat/r0/s0', 'fusion_head'],
      ['a3k/clip-iqa/r0', 'clip_iqa'],
    ]);
    const clip = runs[1];
    expect(clip).toMatchObject({ textEncoder: null, fusion: null, seed: null, imageEncoder: 'clip-vit-b32', splitRepeat: 0 });
    expect(clip?.config as unknown as RunConfig).toEqual({
      method: 'clip-iqa',
      dataset: 'a3k',
      imageEncoder: 'clip-vit-b32',
      splitRepeat: 0,
      split: { unit: 'prompt', train: 0.8, val: 0, seed: 0, repeats: 1 },
      label: 'quality',
      // The image features' precision and resize apply to CLIP-IQA's embeddings too.
      features: { dtype: 'fp32', resize: 'pillow' },
      clipIqa: { prompts: ['Sharp photo.', 'Blurry photo.'], logitScale: 100 },
      // Only the overrides of the encoders the cell runs: CLIP's, not the text encoder's.
      modelOverrides: { 'clip-vit-b32': '/models/clip' },
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

  it('removes the whole sweep when a batch of its runs fails midway, leaving no sweep and no run', async () => {
    // The database refuses one cell of the third batch, after two batches were written.
    const seeds = Array.from({ length: 3 * SWEEP_INSERT_BATCH }, (_, i) => i);
    const spec = grid({ encoders: ['bert-base'], fusions: ['concat'], seeds });
    const refused = expandGrid(spec)[2 * SWEEP_INSERT_BATCH + 5]?.key;
    await db.prisma.$executeRawUnsafe(`
      CREATE FUNCTION refuse_cell() RETURNS trigger AS $$
      BEGIN IF NEW."cellKey" = '${refused}' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await db.prisma.$executeRawUnsafe(`CREATE TRIGGER refuse_cell BEFORE INSERT ON "Run" FOR EACH ROW EXECUTE FUNCTION refuse_cell()`);
    await expect(insertSweep(db.prisma, { grid: spec })).rejects.toThrow();
    expect(await db.prisma.sweep.count()).toBe(0);
    expect(await db.prisma.run.count()).toBe(0);
  });
});

describe(`${insertSweep.name} through the embedded gateway`, () => {
  it('lets another connection query while a large sweep is being written (no transaction holds the database)', async () => {
    const pglite = await createMigratedPglite();
    const gateway = await startGateway({ db: pglite, idleInTransactionTimeoutMs: 0 });
    const writer = await createDb({ url: gateway.url });
    const other = await createDb({ url: gateway.url });
    try {
      await registerDataset(writer.prisma, 'a3k', loadedDataset(8, 'agiqa3k'));
      const seeds = Array.from({ length: 15 * SWEEP_INSERT_BATCH }, (_, i) => i);
      const spec = grid({ encoders: ['bert-base'], fusions: ['concat'], seeds });
      // Resolves when the first batch of runs has been written: the creation is under way.
      let writing!: () => void;
      const underWay = new Promise<void>((resolve) => (writing = resolve));
      const prisma = new Proxy(writer.prisma, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver) as unknown;
          if (key !== '$executeRaw') return value;
          return (...args: unknown[]) =>
            (value as (...a: unknown[]) => Promise<number>).apply(target, args).then((n) => {
              writing();
              return n;
            });
        },
      }) as PrismaClient;
      const creation = insertSweep(prisma, { grid: spec });
      await underWay;
      const first = await Promise.race([
        other.prisma.$queryRaw`SELECT 1`.then(() => 'query'),
        creation.then(() => 'creation'),
      ]);
      expect(first).toBe('query');
      const sweep = await creation;
      expect(await other.prisma.run.count({ where: { sweepId: sweep.id } })).toBe(seeds.length);
    } finally {
      await writer.close();
      await other.close();
      await gateway.close();
      await pglite.close();
    }
  });
});

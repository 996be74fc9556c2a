import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GridSpecInput } from '@agiqa/contracts';
import type { Db } from '../connection/create-db.js';
import type { Prisma } from '../generated/prisma/client.js';
import { registerDataset } from '../repositories/datasets.js';
import { loadedDataset } from '../testing/fixtures.js';
import { createTestDb } from '../testing/test-db.js';
import { sweepWithResults } from '../testing/table-runs.js';
import { loadTableRuns, PER_CELL_CONFIG_KEYS } from './replicates.js';
import { settingFields, settingRef, textModelOverride } from './settings.js';

let db: Db;

beforeAll(async () => {
  db = await createTestDb();
  await registerDataset(db.prisma, 'a3k', loadedDataset(8));
  await registerDataset(db.prisma, 'other', loadedDataset(8, 'manifest'));
}, 60_000);
afterAll(async () => {
  await db?.close();
});

/** Stored configs the rules must read alike in SQL and in TypeScript, keyed by cell. */
const CONFIG_VARIANTS: Record<string, (config: Record<string, unknown>) => Record<string, unknown>> = {
  // A text encoder with a model override (its own row) and an image encoder override (part of the setting).
  's0': (c) => ({ ...c, modelOverrides: { [c['textEncoder'] as string]: '/models/bert', 'tiny-clip': '/models/clip' } }),
  // A row from before grids had `method`, a split seed, or feature options.
  's1': ({ method: _method, features: _features, ...c }) => ({ ...c, split: { ...(c['split'] as object), seed: 41 } }),
  // Odd values: a non-string method, a non-string override, a numeric text encoder name.
  's2': (c) => ({ ...c, method: 7, modelOverrides: { [c['textEncoder'] as string]: 3 } }),
  's3': (c) => ({ ...c, textEncoder: 5 }),
  // A CLIP-IQA row (no training seed); its split seed as a string is not a seed.
  's4': (c) => ({ ...c, method: 'clip-iqa', split: { ...(c['split'] as object), seed: '9' } }),
};

describe(loadTableRuns.name, () => {
  it('reads method, text model, split seed and setting from each config exactly as the TypeScript rules do', async () => {
    const grid: GridSpecInput = { encoders: ['tiny-bert', 'tiny-distilbert'], fusions: ['concat', 'cosine'], datasets: ['a3k', 'other'], seeds: [0, 1, 2, 3, 4], imageEncoder: 'tiny-clip', epochs: 1 };
    const results = Object.fromEntries(
      ['a3k', 'other'].flatMap((d) => ['tiny-bert', 'tiny-distilbert'].flatMap((e) => ['concat', 'cosine'].flatMap((f) => [0, 1, 2, 3, 4].map((s) => [`${d}/${e}/${f}/r0/s${s}`, { srcc: 0.5 + s / 100, plcc: 0.6, reportRule: s % 2 === 0 ? ('best_on_test' as const) : ('last' as const) }])))),
    );
    const { runs } = await sweepWithResults(db.prisma, grid, results, {
      config: (config) => CONFIG_VARIANTS[`s${config['seed'] as number}`](config),
    });
    await db.prisma.run.update({ where: { id: runs[0].id }, data: { engine: 'torch' } });
    const stored = new Map((await db.prisma.run.findMany({ include: { dataset: true } })).map((r) => [r.id, r]));

    const loaded = await loadTableRuns(db.prisma, {}, 'raw');
    expect(loaded).toHaveLength(runs.length);
    for (const run of loaded) {
      const row = stored.get(run.runId);
      const config = row?.config as Record<string, unknown>;
      const method = typeof config['method'] === 'string' ? config['method'] : 'fusion-head';
      const split = config['split'] as Record<string, unknown>;
      const format = row?.dataset.format as 'agiqa3k' | 'manifest';
      expect({ method: run.method, textModel: run.textModel, splitSeed: run.splitSeed, optimistic: run.optimistic, setting: run.setting }, row?.cellKey).toEqual({
        method,
        optimistic: row?.reportRule === 'best_on_test',
        textModel: textModelOverride(config),
        splitSeed: typeof split['seed'] === 'number' ? split['seed'] : 0,
        setting: settingRef(settingFields(config, format, { engine: row?.engine }), method),
      });
    }
    // The variants give several settings (plain, image-encoder override, torch engine), text models
    // and report rules, so the comparison above is not vacuous.
    expect(new Set(loaded.map((r) => r.setting.id)).size).toBe(3);
    expect(new Set(loaded.map((r) => r.textModel))).toEqual(new Set([null, '/models/bert']));
    expect(new Set(loaded.map((r) => r.optimistic))).toEqual(new Set([true, false]));
  });

  it('leaves out only keys that do not change a setting', () => {
    const base = { imageEncoder: 'tiny-clip', label: 'quality', split: { unit: 'prompt', train: 0.8, val: 0 } } as Prisma.JsonObject;
    for (const key of PER_CELL_CONFIG_KEYS) {
      expect(settingFields({ ...base, [key]: 'x' }, 'agiqa3k'), key).toEqual(settingFields(base, 'agiqa3k'));
    }
  });

  it('filters by dataset, sweep and run id, and leaves archived runs and sweeps out', async () => {
    const grid: GridSpecInput = { encoders: ['tiny-bert'], fusions: ['concat'], datasets: ['a3k'], seeds: [0, 1, 2], imageEncoder: 'tiny-clip', epochs: 1 };
    const keys = [0, 1, 2].map((s) => `a3k/tiny-bert/concat/r0/s${s}`);
    const one = await sweepWithResults(db.prisma, grid, Object.fromEntries(keys.map((k) => [k, [0.5, 0.5]])));
    const two = await sweepWithResults(db.prisma, grid, Object.fromEntries(keys.map((k) => [k, [0.5, 0.5]])));
    await db.prisma.run.update({ where: { id: one.runs[0].id }, data: { archivedAt: new Date() } });
    await db.prisma.sweep.update({ where: { id: two.sweep.id }, data: { archivedAt: new Date() } });
    const a3k = await db.prisma.dataset.findUniqueOrThrow({ where: { name: 'a3k' } });

    const ofSweep = await loadTableRuns(db.prisma, { sweepId: one.sweep.id }, 'raw');
    expect(ofSweep.map((r) => r.runId).sort()).toEqual(one.runs.slice(1).map((r) => r.id).sort());
    expect(await loadTableRuns(db.prisma, { sweepId: two.sweep.id }, 'raw')).toEqual([]);
    const byId = await loadTableRuns(db.prisma, { runIds: [one.runs[1].id, one.runs[0].id] }, 'raw');
    expect(byId.map((r) => r.runId)).toEqual([one.runs[1].id]);
    const ofDataset = await loadTableRuns(db.prisma, { datasetIds: [a3k.id] }, 'raw');
    expect(ofDataset.every((r) => r.dataset.name === 'a3k')).toBe(true);
    expect(ofDataset.some((r) => r.sweep.id === two.sweep.id)).toBe(false);
    // Oldest finished first.
    const finished = ofDataset.map((r) => r.finishedAt?.getTime() ?? 0);
    expect(finished).toEqual([...finished].sort((a, b) => a - b));
  });
});

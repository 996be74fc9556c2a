import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../connection/create-db.js';
import { registerDataset } from '../repositories/datasets.js';
import { loadedDataset } from '../testing/fixtures.js';
import { createTestDb } from '../testing/test-db.js';
import { sweepWithResults } from '../testing/table-runs.js';
import { matchedReplicates } from './matched.js';
import { settingFields, settingId, summarize } from './settings.js';
import { listSettings } from './settings-list.js';

describe(settingFields.name, () => {
  const config = {
    dataset: 'd', textEncoder: 'bert-base', fusion: 'concat', seed: 3, splitRepeat: 1, imageEncoder: 'clip-vit-b32', label: 'quality', epochs: 100,
    split: { unit: 'prompt', train: 0.8, val: 0, seed: 9, repeats: 4 }, trainer: 'auto', modelOverrides: { 'bert-base': '/m/bert', 'clip-vit-b32': '/m/clip' },
  };

  it('drops the cell and replicate coordinates, keeps the rest, and names the paper ratio', () => {
    expect(settingFields(config, 'agiqa3k', { engine: 'torch' })).toEqual({
      imageEncoder: 'clip-vit-b32', label: 'quality', epochs: 100, split: { unit: 'prompt', train: 'paper', val: 0 }, imageModel: '/m/clip', engine: 'torch',
      features: { dtype: 'fp32', resize: 'pillow' },
    });
    // The same 0.8 on an AIGCIQA2023 dataset is not the paper's ratio there (0.75).
    expect(settingFields(config, 'aigciqa2023').split).toEqual({ unit: 'prompt', train: 0.8, val: 0 });
  });

  it('gives equal settings equal ids whatever the key order, and a summary that names what differs from defaults', () => {
    const a = settingFields(config, 'agiqa3k');
    const b = Object.fromEntries(Object.entries(a).reverse());
    expect(settingId(a)).toBe(settingId(b));
    expect(settingId(a)).toMatch(/^set_[0-9a-f]{12}$/);
    expect(summarize({ ...a, head: { hiddenUnits: 64 } })).toContain('head hiddenUnits=64');
  });

  it('reads a config from before the feature options as fp32 / Pillow (one setting with today\'s defaults), and splits q8 or libvips off', () => {
    const today = { ...config, features: { dtype: 'fp32', resize: 'pillow' } };
    expect(settingId(settingFields(config, 'agiqa3k'))).toBe(settingId(settingFields(today, 'agiqa3k')));
    expect(summarize(settingFields(today, 'agiqa3k'))).not.toContain('features');
    const q8 = settingFields({ ...config, features: { dtype: 'q8', resize: 'pillow' } }, 'agiqa3k');
    const libvips = settingFields({ ...config, features: { dtype: 'fp32', resize: 'libvips' } }, 'agiqa3k');
    expect(new Set([settingFields(config, 'agiqa3k'), q8, libvips].map(settingId)).size).toBe(3);
    expect(summarize(q8)).toContain('features dtype="q8"');
  });
});

describe('settings and their matched replicates', () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
    await registerDataset(db.prisma, 'a3k', loadedDataset(8));
    await registerDataset(db.prisma, 'other', loadedDataset(8));
  }, 60_000);
  afterAll(async () => {
    await db.close();
  });

  it('lists settings with their replicates, the paper\'s protocol first, and pairs two settings replicate by replicate', async () => {
    const grid = { encoders: ['bert-base' as const], fusions: ['concat' as const, 'cosine' as const], datasets: ['a3k'], seeds: [0, 1, 2] };
    const paper = await sweepWithResults(db.prisma, grid, {
      'a3k/bert-base/concat/r0/s0': [0.8, 0.8], 'a3k/bert-base/concat/r0/s1': [0.81, 0.8], 'a3k/bert-base/concat/r0/s2': [0.82, 0.8],
    });
    const short = await sweepWithResults(db.prisma, { ...grid, epochs: 5 }, {
      'a3k/bert-base/concat/r0/s0': [0.7, 0.7], 'a3k/bert-base/concat/r0/s1': [0.72, 0.7], 'a3k/bert-base/cosine/r0/s0': [0.5, 0.5],
    });
    const list = await listSettings(db.prisma, { dataset: 'a3k' });
    expect(list.settings.map((s) => [s.paperProtocol, s.replicates, s.sweeps.map((w) => w.id)])).toEqual([
      [true, 3, [paper.sweep.id]],
      [false, 3, [short.sweep.id]],
    ]);

    const matched = await matchedReplicates(db.prisma, { a: list.settings[0].id, b: short.sweep.id, metric: 'srcc', plcc: 'raw', inProgress: 'exclude' });
    expect(matched.dataset.name).toBe('a3k');
    expect(matched.cells).toEqual([
      { method: 'fusion-head', textEncoder: 'bert-base', fusion: 'concat', a: [0.8, 0.81], b: [0.7, 0.72], unmatchedA: 1, unmatchedB: 0, meanA: expect.closeTo(0.81, 12), meanB: expect.closeTo(0.71, 12) },
    ]);
    expect(matched.onlyIn).toEqual({ a: [], b: ['bert-base/cosine'] });
    // The engine that trained a run splits the setting; both engines follow the paper's protocol.
    await db.prisma.run.updateMany({ where: { sweepId: paper.sweep.id, seed: { in: [0, 1] } }, data: { engine: 'tfjs' } });
    await db.prisma.run.updateMany({ where: { sweepId: paper.sweep.id, seed: 2 }, data: { engine: 'torch' } });
    const byEngine = await listSettings(db.prisma, { dataset: 'a3k' });
    expect(byEngine.settings.filter((s) => s.paperProtocol).map((s) => [s.fields['engine'], s.replicates]).sort()).toEqual([['tfjs', 2], ['torch', 1]]);
    await db.prisma.run.updateMany({ where: { sweepId: paper.sweep.id }, data: { engine: null } });
    await expect(matchedReplicates(db.prisma, { a: 'nope', b: short.sweep.id, metric: 'srcc', plcc: 'raw', inProgress: 'exclude' })).rejects.toMatchObject({ details: [{ path: 'a' }] });
    await expect(matchedReplicates(db.prisma, { a: paper.sweep.id, b: short.sweep.id, dataset: 'other', metric: 'srcc', plcc: 'raw', inProgress: 'exclude' })).rejects.toMatchObject({ details: [{ path: 'a' }] });
  });
});

import { PAPER_RESULTS, type GridSpecInput } from '@agiqa/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../connection/create-db.js';
import { registerDataset } from '../repositories/datasets.js';
import { loadedDataset } from '../testing/fixtures.js';
import { createTestDb } from '../testing/test-db.js';
import { sweepWithResults } from '../testing/table-runs.js';
import { getTable1 } from './table1.js';

const grid = (dataset: string, extra: Partial<GridSpecInput> = {}): GridSpecInput => ({
  encoders: ['bert-base', 'tiny-bert'],
  fusions: ['concat', 'cosine'],
  datasets: [dataset],
  seeds: [0, 1, 2],
  ...extra,
});

describe(getTable1.name, () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
  }, 60_000);
  afterAll(async () => {
    await db.close();
  });
  beforeEach(async () => {
    await db.prisma.sweep.deleteMany();
    await db.prisma.dataset.deleteMany();
    await registerDataset(db.prisma, 'a3k', loadedDataset(8));
    await registerDataset(db.prisma, 'small', loadedDataset(8));
    await registerDataset(db.prisma, 'pku-like', loadedDataset(8, 'manifest'));
  });

  it('aggregates replicates per (encoder, fusion): mean, sample std, n, run ids and Δ to the paper', async () => {
    const { runs } = await sweepWithResults(db.prisma, grid('a3k'), {
      'a3k/bert-base/concat/r0/s0': [0.8, 0.9],
      'a3k/bert-base/concat/r0/s1': [0.82, 0.88],
      'a3k/bert-base/concat/r0/s2': [0.84, 0.86],
      'a3k/bert-base/cosine/r0/s0': [0.7, 0.75],
      'a3k/tiny-bert/concat/r0/s0': [0.1, 0.2],
    });
    const table = await getTable1(db.prisma);
    expect(table).toMatchObject({ dataset: 'a3k', fusions: ['concat', 'cosine', 'cross_attention'], plcc: 'raw', inProgress: 'exclude' });
    expect(table.selection).toMatchObject({ rule: 'paper-protocol', otherSettings: 0, setting: { paperProtocol: true } });
    expect(table.rows.map((r) => r.textEncoder)).toEqual(['bert-base', 'tiny-bert']);
    const concat = table.rows[0]?.cells.concat;
    expect(concat?.srcc).toBeCloseTo(0.82, 12);
    expect(concat?.srccStd).toBeCloseTo(0.02, 12);
    expect(concat?.plccStd).toBeCloseTo(0.02, 12);
    expect(concat).toMatchObject({ n: 3, optimistic: false });
    expect(concat?.delta?.srcc).toBeCloseTo(0.82 - PAPER_RESULTS.table1_ablation_agiqa3k.rows.bert_base.concat.srcc, 12);
    const idOf = (key: string) => runs.find((r) => r.cellKey === `a3k/${key}`)?.id;
    expect(concat?.runIds).toEqual(['bert-base/concat/r0/s0', 'bert-base/concat/r0/s1', 'bert-base/concat/r0/s2'].map(idOf));
    // One replicate: the standard deviation is undefined, not zero.
    expect(table.rows[0]?.cells.cosine).toMatchObject({ srcc: 0.7, n: 1, srccStd: null, plccStd: null });
    // Tiny fixtures have no paper figure: no Δ, and a note says why.
    expect(table.rows[1]?.cells.concat?.delta).toBeNull();
    expect(table.notes.join(' ')).toContain('tiny-bert: randomly initialised fixture encoders');
    expect(table.caption).toMatch(/on a3k.*setting set_[0-9a-f]{12}.*paper's protocol.*n = 1–3.*PLCC raw/);
  });

  it('splits settings on every option that changes a number, and treats split seeds as replicates', async () => {
    const base = { 'a3k/bert-base/concat/r0/s0': [0.5, 0.5] as [number, number] };
    const variants: Partial<GridSpecInput>[] = [
      {},
      { label: 'align' },
      { epochs: 5 },
      { learningRate: 1e-3 },
      { batchSize: 16 },
      { reportRule: 'best-on-test' },
      { imageEncoder: 'tiny-clip' },
      { head: { hiddenUnits: 64 } },
      { split: { unit: 'image' } },
      { split: { train: 0.7 } },
      { split: { val: 0.1 } },
      { modelOverrides: { 'clip-vit-b32': '/models/other-clip' } },
    ];
    for (const extra of variants) await sweepWithResults(db.prisma, grid('a3k', { encoders: ['bert-base'], seeds: [0], ...extra }), base);
    // Another split seed is another replicate of the paper's setting, not another setting.
    await sweepWithResults(db.prisma, grid('a3k', { encoders: ['bert-base'], seeds: [0], split: { seed: 7 } }), { 'a3k/bert-base/concat/r0/s0': [0.7, 0.7] });

    const table = await getTable1(db.prisma, { dataset: 'a3k' });
    expect(table.selection).toMatchObject({ rule: 'paper-protocol', otherSettings: variants.length - 1 });
    expect(table.rows[0]?.cells.concat).toMatchObject({ n: 2, srcc: 0.6 });
    expect(table.excluded.duplicates).toBe(0);
  });

  it('falls back to the latest run\'s setting when no run follows the paper\'s protocol, and picks others by setting or sweep', async () => {
    const short = await sweepWithResults(db.prisma, grid('a3k', { epochs: 5 }), { 'a3k/bert-base/concat/r0/s0': [0.2, 0.3] });
    const lr = await sweepWithResults(db.prisma, grid('a3k', { learningRate: 1e-3 }), { 'a3k/bert-base/concat/r0/s0': [0.4, 0.5] });
    const latest = await getTable1(db.prisma, { dataset: 'a3k' });
    expect(latest.selection).toMatchObject({ rule: 'latest', otherSettings: 1, setting: { fields: { learningRate: 1e-3 } } });
    expect(latest.caption).toContain("latest completed run's setting");

    const setting = (await getTable1(db.prisma, { sweep: short.sweep.id })).selection.setting;
    expect(setting?.fields['epochs']).toBe(5);
    const picked = await getTable1(db.prisma, { setting: setting?.id });
    expect(picked).toMatchObject({ dataset: 'a3k', selection: { rule: 'setting', setting: { id: setting?.id } } });
    expect(picked.rows[0]?.cells.concat).toMatchObject({ srcc: 0.2, n: 1 });
    await expect(getTable1(db.prisma, { setting: 'set_000000000000', dataset: 'a3k' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: [{ path: 'setting' }],
    });
    await expect(getTable1(db.prisma, { sweep: 'nope' })).rejects.toMatchObject({ code: 'invalid_input', details: [{ path: 'sweep' }] });
    expect(lr.runs).toHaveLength(12);
  });

  it('shows PLCC after the logistic fit when asked, and says so in the caption', async () => {
    await sweepWithResults(db.prisma, grid('a3k'), {
      'a3k/bert-base/concat/r0/s0': { srcc: 0.8, plcc: 0.81, plccLogistic: 0.86 },
      'a3k/bert-base/concat/r0/s1': { srcc: 0.8, plcc: 0.83, plccLogistic: null },
    });
    const raw = await getTable1(db.prisma, { dataset: 'a3k' });
    expect(raw.rows[0]?.cells.concat?.plcc).toBeCloseTo(0.82, 12);
    const fitted = await getTable1(db.prisma, { dataset: 'a3k', plcc: 'logistic' });
    // A replicate without a logistic PLCC (too few pairs for the fit) is left out, and counted.
    expect(fitted.rows[0]?.cells.concat).toMatchObject({ plcc: 0.86, n: 1 });
    expect(fitted.excluded.nonFinite).toBe(1);
    expect(fitted.caption).toContain('PLCC after the 4-parameter logistic fit');
  });

  it('flags a cell as optimistic when a replicate reported its best epoch on the test set', async () => {
    await sweepWithResults(db.prisma, grid('a3k', { reportRule: 'best-on-test' }), { 'a3k/bert-base/concat/r0/s0': { srcc: 0.8, plcc: 0.9, reportRule: 'best_on_test' } });
    const table = await getTable1(db.prisma, { dataset: 'a3k' });
    expect(table.rows[0]?.cells.concat?.optimistic).toBe(true);
  });

  it('defaults to the dataset with the most completed runs and never reports NaN', async () => {
    await sweepWithResults(db.prisma, grid('small'), { 'small/bert-base/concat/r0/s0': [0.5, 0.5], 'small/bert-base/concat/r0/s1': [Number.NaN, 0.5] });
    await sweepWithResults(db.prisma, grid('a3k'), { 'a3k/bert-base/concat/r0/s0': [0.6, 0.6] });
    const table = await getTable1(db.prisma);
    expect(table.dataset).toBe('small');
    expect(table.rows[0]?.cells.concat).toMatchObject({ srcc: 0.5, plcc: 0.5, n: 1 });
    expect(table.excluded.nonFinite).toBe(1);
    expect(JSON.stringify(table)).not.toMatch(/NaN/);
  });

  it('gives no Δ on a dataset that is not AGIQA-3K, and says why', async () => {
    await sweepWithResults(db.prisma, grid('pku-like'), { 'pku-like/bert-base/concat/r0/s0': [0.5, 0.5] });
    const table = await getTable1(db.prisma, { dataset: 'pku-like' });
    expect(table.rows[0]?.cells.concat?.delta).toBeNull();
    expect(table.notes.join(' ')).toContain('pku-like is not an AGIQA-3K dataset');
    // The split at the paper's ratio for its format is still the paper's protocol.
    expect(table.selection.setting?.paperProtocol).toBe(true);
  });

  it('keeps a text encoder run with a model override in a row of its own', async () => {
    await sweepWithResults(db.prisma, grid('a3k', { encoders: ['bert-base'] }), { 'a3k/bert-base/concat/r0/s0': [0.5, 0.5] });
    await sweepWithResults(db.prisma, grid('a3k', { encoders: ['bert-base'], modelOverrides: { 'bert-base': '/models/my-bert' } }), { 'a3k/bert-base/concat/r0/s0': [0.9, 0.9] });
    const table = await getTable1(db.prisma, { dataset: 'a3k' });
    expect(table.rows.map((r) => r.textEncoder)).toEqual(['bert-base', 'bert-base @ /models/my-bert']);
    expect(table.rows[1]?.cells.concat).toMatchObject({ srcc: 0.9, delta: null });
  });

  it('shows the paper figures for the encoders the paper has, flags included', async () => {
    const table = await getTable1(db.prisma);
    expect(table).toMatchObject({ dataset: null, rows: [], selection: { setting: null } });
    expect(table.reported.map((r) => r.textEncoder)).toEqual(['bert-base', 'distilbert', 'roberta']);
    expect(table.reported[2]?.cells.concat).toEqual({ srcc: 0.8591, plcc: 0.8796, uncertain: true });
  });

  it('rejects an unknown dataset naming the field and listing registered names', async () => {
    await expect(getTable1(db.prisma, { dataset: 'nope' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: 'unknown dataset "nope" (registered: a3k, pku-like, small)',
      details: [{ path: 'dataset', message: 'unknown dataset "nope"' }],
    });
  });
});

import { GridSpecSchema, PAPER_RESULTS } from '@agiqa/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../connection/create-db.js';
import type { $Enums } from '../generated/prisma/client.js';
import { createTestDb } from '../testing/test-db.js';
import { registerDataset } from './datasets.js';
import { loadedDataset } from '../testing/fixtures.js';
import { createSweep } from './sweeps.js';
import { getTable1 } from './table1.js';

describe(getTable1.name, () => {
  let db: Db;
  beforeEach(async () => {
    db = await createTestDb();
    await registerDataset(db.prisma, 'a3k', loadedDataset(8));
    await registerDataset(db.prisma, 'small', loadedDataset(8));
  });
  afterEach(async () => {
    await db.close();
  });

  /** Creates one sweep over `dataset` and finishes its runs with the given (srcc, plcc) per cell key. */
  async function finishRuns(
    dataset: string,
    results: Record<string, [number, number] | 'failed'>,
    reportRule: $Enums.ReportRule = 'last',
    options: { epochs?: number } = {},
  ) {
    const grid = GridSpecSchema.parse({ encoders: ['bert-base', 'tiny-bert'], fusions: ['concat', 'cosine'], datasets: [dataset], seeds: [0, 1, 2], ...options });
    const { runs } = await createSweep(db.prisma, { grid });
    for (const run of runs) {
      const key = run.cellKey.slice(dataset.length + 1);
      const result = results[key];
      if (result === undefined) continue;
      await db.prisma.run.update({
        where: { id: run.id },
        data:
          result === 'failed'
            ? { status: 'failed', error: 'boom' }
            : { status: 'completed', srcc: result[0], plcc: result[1], reportRule },
      });
    }
    return runs;
  }

  it('aggregates completed runs per (encoder, fusion): mean and sample std, run ids listed', async () => {
    const runs = await finishRuns('a3k', {
      'bert-base/concat/r0/s0': [0.8, 0.9],
      'bert-base/concat/r0/s1': [0.82, 0.88],
      'bert-base/concat/r0/s2': [0.84, 0.86],
      'bert-base/cosine/r0/s0': [0.7, 0.75],
      'bert-base/cosine/r0/s1': 'failed',
      'tiny-bert/concat/r0/s0': [0.1, 0.2],
    });
    const table = await getTable1(db.prisma, {});
    expect(table.dataset).toBe('a3k');
    expect(table.fusions).toEqual(['concat', 'cosine', 'cross_attention']);
    expect(table.rows.map((r) => r.textEncoder)).toEqual(['bert-base', 'tiny-bert']);
    const concat = table.rows[0]?.cells.concat;
    expect(concat?.srcc).toBeCloseTo(0.82, 12);
    expect(concat?.plcc).toBeCloseTo(0.88, 12);
    expect(concat?.srccStd).toBeCloseTo(0.02, 12);
    expect(concat?.plccStd).toBeCloseTo(0.02, 12);
    expect(concat).toMatchObject({ runs: 3, optimistic: false });
    const idOf = (key: string) => runs.find((r) => r.cellKey === `a3k/${key}`)?.id;
    expect(concat?.runIds?.sort()).toEqual(['bert-base/concat/r0/s0', 'bert-base/concat/r0/s1', 'bert-base/concat/r0/s2'].map(idOf).sort());
    expect(table.rows[0]?.cells.cosine).toEqual({ srcc: 0.7, plcc: 0.75, srccStd: 0, plccStd: 0, runs: 1, optimistic: false, runIds: [idOf('bert-base/cosine/r0/s0')] });
    expect(table.rows[0]?.cells.cross_attention).toBeUndefined();
  });

  it('never averages runs of different settings: the latest by default, another through its sweep', async () => {
    const long = await finishRuns('a3k', { 'bert-base/concat/r0/s0': [0.8, 0.9] }, 'last', { epochs: 100 });
    await finishRuns('a3k', { 'bert-base/concat/r0/s0': [0.2, 0.3] }, 'last', { epochs: 5 });
    const latest = await getTable1(db.prisma, { dataset: 'a3k' });
    expect(latest.setting).toMatchObject({ epochs: 5, label: 'quality', imageEncoder: 'clip-vit-b32', split: { unit: 'prompt', train: 0.8, val: 0 } });
    expect(latest.otherSettings).toBe(1);
    expect(latest.rows[0]?.cells.concat).toMatchObject({ srcc: 0.2, runs: 1 });
    const picked = await getTable1(db.prisma, { dataset: 'a3k', sweep: long[0].sweepId });
    expect(picked.setting?.epochs).toBe(100);
    expect(picked.rows[0]?.cells.concat).toMatchObject({ srcc: 0.8, runs: 1 });
    await expect(getTable1(db.prisma, { dataset: 'a3k', sweep: 'nope' })).rejects.toMatchObject({ code: 'invalid_input', details: [{ path: 'sweep' }] });
  });

  it('flags a cell as optimistic when a run reported its best epoch on the test set', async () => {
    await finishRuns('a3k', { 'bert-base/concat/r0/s0': [0.8, 0.9] }, 'best_on_test');
    await finishRuns('a3k', { 'bert-base/cosine/r0/s0': [0.8, 0.9] }, 'best_on_val');
    const table = await getTable1(db.prisma, { dataset: 'a3k' });
    expect(table.rows[0]?.cells.concat?.optimistic).toBe(true);
    expect(table.rows[0]?.cells.cosine?.optimistic).toBe(false);
  });

  it('defaults to the dataset with the most completed runs and never reports NaN', async () => {
    await finishRuns('small', { 'bert-base/concat/r0/s0': [0.5, 0.5], 'bert-base/concat/r0/s1': [Number.NaN, 0.5] });
    await finishRuns('a3k', { 'bert-base/concat/r0/s0': [0.6, 0.6] });
    const table = await getTable1(db.prisma);
    expect(table.dataset).toBe('small');
    expect(table.rows[0]?.cells.concat).toMatchObject({ srcc: 0.5, plcc: 0.5, runs: 1 });
    expect(JSON.stringify(table)).not.toMatch(/NaN|null/);
  });

  it('shows the paper figures for the encoders the paper has, flags included', async () => {
    const table = await getTable1(db.prisma);
    expect(table).toMatchObject({ dataset: null, rows: [] });
    expect(table.reported.map((r) => r.textEncoder)).toEqual(['bert-base', 'distilbert', 'roberta']);
    const paper = PAPER_RESULTS.table1_ablation_agiqa3k.rows;
    expect(table.reported[0]?.cells.cross_attention).toEqual({ srcc: paper.bert_base.cross_attention.srcc, plcc: paper.bert_base.cross_attention.plcc });
    expect(table.reported[2]?.cells.concat).toEqual({ srcc: 0.8591, plcc: 0.8796, uncertain: true });
  });

  it('rejects an unknown dataset naming the field and listing registered names', async () => {
    await expect(getTable1(db.prisma, { dataset: 'nope' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: 'unknown dataset "nope" (registered: a3k, small)',
      details: [{ path: 'dataset', message: 'unknown dataset "nope"' }],
    });
  });
});

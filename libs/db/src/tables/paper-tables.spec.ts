import { PaperTablesQuerySchema, PUBLISHED_RESULTS, type PaperTablesQueryInput } from '@agiqa/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../connection/create-db.js';
import { registerDataset } from '../repositories/datasets.js';
import { loadedDataset } from '../testing/fixtures.js';
import { createTestDb } from '../testing/test-db.js';
import { sweepWithResults } from '../testing/table-runs.js';
import { getTable2, getTable3 } from './paper-tables.js';

const query = (q: PaperTablesQueryInput = {}) => PaperTablesQuerySchema.parse(q);

describe('Tables 2 and 3', () => {
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
    await registerDataset(db.prisma, 'aigc', loadedDataset(8, 'aigciqa2023'));
    await registerDataset(db.prisma, 'pku-i2iqa', loadedDataset(8, 'manifest'));
  });

  it('fills each paper column from its own dataset with the measured rows of one setting, Δ to the paper beside them', async () => {
    await sweepWithResults(db.prisma, { encoders: ['bert-base'], fusions: ['cross_attention'], datasets: ['a3k', 'aigc', 'pku-i2iqa'], seeds: [0] }, {
      'a3k/bert-base/cross_attention/r0/s0': [0.86, 0.9],
      'aigc/bert-base/cross_attention/r0/s0': [0.8, 0.82],
      'pku-i2iqa/bert-base/cross_attention/r0/s0': [0.7, 0.75],
    });
    const table = await getTable2(db.prisma, query());
    expect(table.columns.map((c) => c.dataset)).toEqual(['a3k', 'aigc', 'pku-i2iqa']);
    const measured = table.rows.find((r) => r.source === 'measured');
    expect(measured).toMatchObject({ method: 'CLIP-BERT-AGIQA (this platform)', proposed: true, setting: { paperProtocol: true } });
    expect(measured?.cells.aigciqa2023?.delta?.srcc).toBeCloseTo(0.8 - 0.8397, 12);
    // PKU-I2IQA: Δ to the paper's Table 2 figure; the paper's own row carries the conflict flag.
    expect(measured?.cells.pku_i2iqa?.delta?.srcc).toBeCloseTo(0.7 - 0.7349, 12);
    expect(table.rows.find((r) => r.method === 'CLIP-BERT-AGIQA')?.cells.pku_i2iqa?.flags).toEqual(['conflict']);
    expect(table.rows.filter((r) => r.source === 'reported')).toHaveLength(16);
    expect(table.caption).toMatch(/AGIQA-3K \(a3k\), AIGCIQA2023 \(aigc\), PKU-I2IQA \(pku-i2iqa\).*n = 1.*PLCC raw/);
  });

  it('shows no measured row when no run follows the paper\'s protocol, and says how to pick one', async () => {
    await sweepWithResults(db.prisma, { encoders: ['bert-base'], fusions: ['cross_attention'], datasets: ['a3k'], seeds: [0], epochs: 5 }, { 'a3k/bert-base/cross_attention/r0/s0': [0.5, 0.5] });
    const table = await getTable2(db.prisma, query());
    expect(table.rows.every((r) => r.source === 'reported')).toBe(true);
    expect(table.selection).toMatchObject({ rule: 'paper-protocol', setting: null, otherSettings: 1 });
    expect(table.notes.join(' ')).toContain("No completed run follows the paper's protocol");
    await expect(getTable2(db.prisma, query({ setting: 'set_000000000000' }))).rejects.toMatchObject({ code: 'invalid_input', details: [{ path: 'setting' }] });
  });

  it('adds other papers\' published AGIQA-3K figures to Table 3 as reported-only rows with citation and protocol', async () => {
    const table = await getTable3(db.prisma, query());
    const published = table.rows.filter((r) => r.source === 'published');
    expect(published.map((r) => [r.method, r.figure.srcc, r.figure.plcc])).toEqual([
      ['IPCE', 0.8841, 0.9246],
      ['M3-AGIQA', 0.9045, 0.9317],
    ]);
    expect(published[1]).toMatchObject({ citation: { url: 'https://arxiv.org/abs/2502.15167' }, protocol: { repeats: 'not stated' }, figure: { n: 0, runIds: [], note: PUBLISHED_RESULTS.note } });
    expect(table.rows.slice(0, 3).map((r) => `${r.method}:${r.source}`)).toEqual(['PSCR:reported', 'CLIP-AGIQA:reported', 'CLIP-BERT-AGIQA:reported']);
    expect((await getTable3(db.prisma, query({ published: 'false' }))).rows.some((r) => r.source === 'published')).toBe(false);
  });

  it('rejects a dataset the sweep did not run on, naming the column', async () => {
    const { sweep } = await sweepWithResults(db.prisma, { encoders: ['bert-base'], fusions: ['cross_attention'], datasets: ['a3k'], seeds: [0] }, { 'a3k/bert-base/cross_attention/r0/s0': [0.5, 0.5] });
    await expect(getTable2(db.prisma, query({ sweep: sweep.id, aigciqa2023: 'aigc' }))).rejects.toMatchObject({ code: 'invalid_input', details: [{ path: 'aigciqa2023' }] });
    await expect(getTable3(db.prisma, query({ agiqa3k: 'nope' }))).rejects.toMatchObject({ code: 'invalid_input', details: [{ path: 'agiqa3k' }] });
  });
});

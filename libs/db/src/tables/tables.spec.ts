import { PaperTablesQuerySchema, type GridSpecInput, type PaperTablesQueryInput } from '@agiqa/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../connection/create-db.js';
import { registerDataset } from '../repositories/datasets.js';
import { dbTargets } from '../testing/db-targets.js';
import { loadedDataset } from '../testing/fixtures.js';
import { sweepWithResults } from '../testing/table-runs.js';
import { getTable2, getTable3 } from './paper-tables.js';
import { listSettings } from './settings-list.js';
import { getTable1 } from './table1.js';

/** The paper's protocol (the default grid) for the proposed model, on `dataset`. */
const proposed = (dataset: string, extra: Partial<GridSpecInput> = {}): GridSpecInput => ({
  encoders: ['bert-base'],
  fusions: ['cross_attention'],
  datasets: [dataset],
  seeds: [0, 1],
  ...extra,
});
const table2 = (db: Db, query: PaperTablesQueryInput = {}) => getTable2(db.prisma, PaperTablesQuerySchema.parse(query));
const table3 = (db: Db, query: PaperTablesQueryInput = {}) => getTable3(db.prisma, PaperTablesQuerySchema.parse(query));
const row2 = (table: Awaited<ReturnType<typeof getTable2>>, method: string) => table.rows.find((r) => r.method === method);

// The defects issue #9 names, shown fixed on each kind of real database.
describe.each(dbTargets())('the tables on $name', (target) => {
  let db: Db;
  beforeAll(async () => {
    if (!target.skip) db = await target.open();
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });
  // One database per target (a PostgreSQL database takes seconds to create and migrate), emptied before each test.
  beforeEach(async () => {
    if (target.skip) return;
    await db.prisma.sweep.deleteMany();
    await db.prisma.dataset.deleteMany();
    await registerDataset(db.prisma, 'a3k', loadedDataset(8));
    await registerDataset(db.prisma, 'small', loadedDataset(8));
  });
  const it_ = it.skipIf(target.skip !== undefined);

  it_('counts a re-run of an identical cell once, the newest, in Tables 1, 2 and 3', async () => {
    await sweepWithResults(db.prisma, proposed('a3k'), { 'a3k/bert-base/cross_attention/r0/s0': [0.8, 0.85], 'a3k/bert-base/cross_attention/r0/s1': [0.82, 0.86] });
    const rerun = await sweepWithResults(db.prisma, proposed('a3k'), { 'a3k/bert-base/cross_attention/r0/s0': [0.84, 0.88] });

    const t1 = await getTable1(db.prisma, { dataset: 'a3k' });
    const cell = t1.rows[0]?.cells.cross_attention;
    expect(cell).toMatchObject({ n: 2, inProgress: false });
    expect(cell?.srcc).toBeCloseTo(0.83, 12);
    expect(cell?.plcc).toBeCloseTo(0.87, 12);
    expect(cell?.runIds[0]).toBe(rerun.runs.find((r) => r.seed === 0)?.id);
    expect(t1.excluded.duplicates).toBe(1);
    expect(t1.notes.join(' ')).toContain('counts once');

    const measured = row2(await table2(db), 'CLIP-BERT-AGIQA (this platform)')?.cells.agiqa3k;
    expect(measured).toMatchObject({ n: 2, dataset: 'a3k' });
    expect(measured?.srcc).toBeCloseTo(0.83, 12);
    const t3 = await table3(db);
    expect(t3.rows.find((r) => r.source === 'measured')?.figure.n).toBe(2);
  });

  it_('keeps the proposed row of Table 2 (and Table 3, and the default Table 1) when align-label, 5-epoch and other ablation runs finish later', async () => {
    await sweepWithResults(db.prisma, proposed('a3k'), { 'a3k/bert-base/cross_attention/r0/s0': [0.8, 0.85], 'a3k/bert-base/cross_attention/r0/s1': [0.82, 0.86] });
    const before2 = row2(await table2(db), 'CLIP-BERT-AGIQA (this platform)');
    const before3 = (await table3(db)).rows.find((r) => r.source === 'measured');
    expect(before2?.cells.agiqa3k?.srcc).toBeCloseTo(0.81, 12);
    expect(before2?.setting?.paperProtocol).toBe(true);

    const align = await sweepWithResults(db.prisma, proposed('a3k', { label: 'align' }), { 'a3k/bert-base/cross_attention/r0/s0': [0.1, 0.1] });
    await sweepWithResults(db.prisma, proposed('a3k', { epochs: 5 }), { 'a3k/bert-base/cross_attention/r0/s0': [0.2, 0.2] });
    await sweepWithResults(db.prisma, proposed('a3k', { learningRate: 1e-3, head: { attentionWithImage: false } }), { 'a3k/bert-base/cross_attention/r0/s1': [0.3, 0.3] });

    const after2 = await table2(db);
    expect(row2(after2, 'CLIP-BERT-AGIQA (this platform)')).toEqual(before2);
    expect(after2.selection).toMatchObject({ rule: 'paper-protocol', otherSettings: 3 });
    expect((await table3(db)).rows.find((r) => r.source === 'measured')).toEqual(before3);
    const t1 = await getTable1(db.prisma, { dataset: 'a3k' });
    expect(t1.selection).toMatchObject({ rule: 'paper-protocol', otherSettings: 3 });
    expect(t1.rows[0]?.cells.cross_attention?.srcc).toBeCloseTo(0.81, 12);

    // The ablation is still one request away, and says so.
    const picked = row2(await table2(db, { sweep: align.sweep.id }), 'CLIP-BERT-AGIQA (this platform)');
    expect(picked?.cells.agiqa3k).toMatchObject({ srcc: 0.1, n: 1 });
    expect(picked?.setting).toMatchObject({ paperProtocol: false, fields: { label: 'align' } });
  });

  it_('finds a sweep\'s runs on the sweep\'s dataset, not on the busiest one', async () => {
    await sweepWithResults(db.prisma, proposed('a3k', { seeds: [0, 1, 2] }), {
      'a3k/bert-base/cross_attention/r0/s0': [0.8, 0.8],
      'a3k/bert-base/cross_attention/r0/s1': [0.8, 0.8],
      'a3k/bert-base/cross_attention/r0/s2': [0.8, 0.8],
    });
    const mine = await sweepWithResults(db.prisma, proposed('small', { seeds: [0] }), { 'small/bert-base/cross_attention/r0/s0': [0.55, 0.6] });
    // Another sweep of the same setting on the same dataset: `?sweep=` means that sweep's runs only.
    await sweepWithResults(db.prisma, proposed('small', { seeds: [1] }), { 'small/bert-base/cross_attention/r0/s1': [0.65, 0.7] });

    const t1 = await getTable1(db.prisma, { sweep: mine.sweep.id });
    expect(t1).toMatchObject({ dataset: 'small', selection: { rule: 'sweep', sweep: { id: mine.sweep.id } } });
    expect(t1.rows[0]?.cells.cross_attention).toMatchObject({ srcc: 0.55, n: 1, runIds: [mine.runs[0].id] });
    const t2 = await table2(db, { sweep: mine.sweep.id });
    expect(t2.columns[0]).toMatchObject({ key: 'agiqa3k', dataset: 'small' });
    expect(row2(t2, 'CLIP-BERT-AGIQA (this platform)')?.cells.agiqa3k).toMatchObject({ srcc: 0.55, n: 1 });
    await expect(getTable1(db.prisma, { sweep: mine.sweep.id, dataset: 'a3k' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: [{ path: 'dataset' }],
    });
  });

  it_('leaves out completed runs of a sweep still running unless asked, and then marks them', async () => {
    await sweepWithResults(db.prisma, proposed('a3k'), { 'a3k/bert-base/cross_attention/r0/s0': [0.8, 0.85] });
    const running = await sweepWithResults(db.prisma, proposed('a3k'), { 'a3k/bert-base/cross_attention/r0/s1': [0.9, 0.95] }, { status: 'running' });

    const shown = await getTable1(db.prisma, { dataset: 'a3k' });
    expect(shown.rows[0]?.cells.cross_attention).toMatchObject({ srcc: 0.8, n: 1, inProgress: false });
    expect(shown.excluded.inProgress).toBe(1);
    const included = await getTable1(db.prisma, { dataset: 'a3k', inProgress: 'include' });
    expect(included.rows[0]?.cells.cross_attention).toMatchObject({ n: 2, inProgress: true });
    expect(row2(await table2(db, { inProgress: 'include' }), 'CLIP-BERT-AGIQA (this platform)')?.cells.agiqa3k).toMatchObject({ n: 2, inProgress: true });
    await expect(getTable1(db.prisma, { sweep: running.sweep.id })).rejects.toMatchObject({ code: 'invalid_input', details: [{ path: 'sweep' }] });
  });

  it_('leaves archived runs and the runs of archived sweeps out of every table, the settings list and ?sweep=', async () => {
    const kept = await sweepWithResults(db.prisma, proposed('a3k'), { 'a3k/bert-base/cross_attention/r0/s0': [0.8, 0.85], 'a3k/bert-base/cross_attention/r0/s1': [0.6, 0.65] });
    // A newer run of seed 0, archived: the older one counts again, as if the newer had never run.
    const rerun = await sweepWithResults(db.prisma, proposed('a3k', { seeds: [0] }), { 'a3k/bert-base/cross_attention/r0/s0': [0.1, 0.1] });
    const archivedSweep = await sweepWithResults(db.prisma, proposed('a3k', { seeds: [2] }), { 'a3k/bert-base/cross_attention/r0/s2': [0.2, 0.2] });
    const ablation = await sweepWithResults(db.prisma, proposed('small', { epochs: 5 }), { 'small/bert-base/cross_attention/r0/s0': [0.3, 0.3] });
    await db.prisma.run.update({ where: { id: rerun.runs[0].id }, data: { archivedAt: new Date() } });
    await db.prisma.run.update({ where: { id: kept.runs.find((r) => r.seed === 1)?.id }, data: { archivedAt: new Date() } });
    await db.prisma.sweep.updateMany({ where: { id: { in: [archivedSweep.sweep.id, ablation.sweep.id] } }, data: { archivedAt: new Date() } });

    const t1 = await getTable1(db.prisma, {});
    expect(t1.dataset).toBe('a3k');
    expect(t1.rows[0]?.cells.cross_attention).toMatchObject({ srcc: 0.8, n: 1, runIds: [kept.runs.find((r) => r.seed === 0)?.id] });
    expect(t1.excluded.duplicates).toBe(0);
    expect(t1.selection.otherSettings).toBe(0);
    expect(row2(await table2(db), 'CLIP-BERT-AGIQA (this platform)')?.cells.agiqa3k).toMatchObject({ srcc: 0.8, n: 1 });
    expect((await table3(db)).rows.find((r) => r.source === 'measured')?.figure).toMatchObject({ srcc: 0.8, n: 1 });
    const settings = await listSettings(db.prisma);
    expect(settings.settings.map((s) => s.replicates)).toEqual([1]);
    expect(settings.settings[0].sweeps.map((s) => s.id)).toEqual([kept.sweep.id]);
    for (const table of [() => getTable1(db.prisma, { sweep: ablation.sweep.id }), () => table2(db, { sweep: ablation.sweep.id })]) {
      await expect(table()).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringContaining('archived'), details: [{ path: 'sweep' }] });
    }

    // Unarchived, they count again.
    await db.prisma.run.updateMany({ data: { archivedAt: null } });
    await db.prisma.sweep.updateMany({ data: { archivedAt: null } });
    expect((await getTable1(db.prisma, { dataset: 'a3k' })).rows[0]?.cells.cross_attention?.n).toBe(3);
  });

  it_('shows a real clip-iqa sweep (the grid\'s methods) as the measured CLIP-IQA row of Tables 2 and 3, the paper\'s protocol by default', async () => {
    await sweepWithResults(db.prisma, proposed('a3k'), { 'a3k/bert-base/cross_attention/r0/s0': [0.8, 0.85] });
    const clip = await sweepWithResults(db.prisma, { methods: ['clip-iqa'], datasets: ['a3k'], split: { repeats: 2 } }, { 'a3k/clip-iqa/r0': [0.6, 0.62], 'a3k/clip-iqa/r1': [0.64, 0.66] });
    expect(clip.runs.map((r) => [r.method, r.textEncoder, r.fusion, r.seed])).toEqual([['clip_iqa', null, null, null], ['clip_iqa', null, null, null]]);

    const t2 = await table2(db);
    const measured = row2(t2, 'CLIP-IQA (this platform)');
    expect(measured).toMatchObject({ source: 'measured', setting: { paperProtocol: true } });
    expect(measured?.cells.agiqa3k).toMatchObject({ n: 2, dataset: 'a3k', runIds: expect.arrayContaining(clip.runs.map((r) => r.id)) });
    expect(measured?.cells.agiqa3k?.srcc).toBeCloseTo(0.62, 12);
    expect(measured?.cells.agiqa3k?.delta?.srcc).toBeCloseTo(0.62 - 0.6846, 12);
    expect(row2(t2, 'CLIP-BERT-AGIQA (this platform)')?.cells.agiqa3k).toMatchObject({ srcc: 0.8, n: 1 });
    expect((await table3(db)).rows.filter((r) => r.source === 'measured').map((r) => [r.method, r.figure?.n])).toEqual(
      expect.arrayContaining([['CLIP-IQA (this platform)', 2]]),
    );
    // Table 1 is the fusion heads' table: the zero-shot runs are not a row there.
    expect((await getTable1(db.prisma, { dataset: 'a3k' })).rows.map((r) => r.textEncoder)).toEqual(['bert-base']);
  });

  it_('shows a method that needs no training (clip-iqa) as measured rows of Tables 2 and 3 under the same rule', async () => {
    const { sweep } = await sweepWithResults(
      db.prisma,
      proposed('a3k', { seeds: [0, 1] }),
      // Zero-shot: the training seed changes nothing, so the two seeds are one replicate.
      { 'a3k/bert-base/cross_attention/r0/s0': [0.61, 0.63], 'a3k/bert-base/cross_attention/r0/s1': [0.62, 0.64] },
      { config: (config) => ({ ...config, method: 'clip-iqa' }) },
    );
    const t2 = await table2(db, { sweep: sweep.id });
    const index = t2.rows.findIndex((r) => r.method === 'CLIPIQA');
    expect(t2.rows[index + 1]).toMatchObject({ method: 'CLIP-IQA (this platform)', source: 'measured', config: { method: 'clip-iqa', textEncoder: null } });
    const figure = t2.rows[index + 1].cells.agiqa3k;
    expect(figure).toMatchObject({ srcc: 0.62, n: 1 });
    expect(figure?.delta?.srcc).toBeCloseTo(0.62 - 0.6846, 12);
    expect(t2.excluded.duplicates).toBe(1);
    expect(row2(t2, 'CLIP-BERT-AGIQA (this platform)')).toBeUndefined();
    expect((await table3(db, { sweep: sweep.id })).rows.filter((r) => r.source === 'measured').map((r) => r.method)).toEqual(['CLIP-IQA (this platform)']);
  });
});

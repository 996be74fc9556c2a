import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../connection/create-db.js';
import { registerDataset } from '../repositories/datasets.js';
import { loadedDataset } from '../testing/fixtures.js';
import { createTestDb } from '../testing/test-db.js';
import { sweepWithResults } from '../testing/table-runs.js';
import { getTimingTable } from './timing.js';

describe(getTimingTable.name, () => {
  let db: Db;
  beforeAll(async () => {
    db = await createTestDb();
    await registerDataset(db.prisma, 'a3k', loadedDataset(8));
  }, 60_000);
  afterAll(async () => {
    await db.close();
  });

  const measure = (runId: string | null, medianMs: number) =>
    db.prisma.timingMeasurement.create({
      data: { runId, textEncoder: 'bert-base', imageEncoder: 'clip-vit-b32', fusion: 'cross_attention', stage: 'total', batchSize: 1, samples: 10, medianMs, p90Ms: medianMs + 10, backend: 'cpu', machine: { hostname: 'box' } },
    });
  const grid = { encoders: ['bert-base' as const], fusions: ['cross_attention' as const], datasets: ['a3k'], seeds: [0] };

  it('counts a re-run of a replicate once and leaves out runs of sweeps in progress unless asked', async () => {
    const first = await sweepWithResults(db.prisma, grid, { 'a3k/bert-base/cross_attention/r0/s0': [0.5, 0.5] });
    const rerun = await sweepWithResults(db.prisma, grid, { 'a3k/bert-base/cross_attention/r0/s0': [0.5, 0.5] });
    const running = await sweepWithResults(db.prisma, { ...grid, seeds: [1] }, { 'a3k/bert-base/cross_attention/r0/s1': [0.5, 0.5] }, { status: 'running' });
    await measure(first.runs[0].id, 100);
    await measure(rerun.runs[0].id, 120);
    await measure(running.runs[0].id, 500);
    await measure(null, 140);

    const table = await getTimingTable(db.prisma);
    expect(table.rows).toHaveLength(1);
    // The newest run of the replicate (120) and the stand-alone measurement (140).
    expect(table.rows[0]).toMatchObject({ measurements: 2, totalMsPerImage: 130, runIds: [rerun.runs[0].id], inProgress: false, paperMs: 217 });
    expect(table.excluded).toEqual({ duplicates: 1, inProgress: 1, nonFinite: 0 });
    const included = await getTimingTable(db.prisma, { inProgress: 'include' });
    expect(included.rows[0]).toMatchObject({ measurements: 3, totalMsPerImage: 140, inProgress: true });
  });

  it('leaves out measurements of archived runs and of runs of archived sweeps (they do not count as stand-alone)', async () => {
    await db.prisma.timingMeasurement.deleteMany();
    const archivedRun = await sweepWithResults(db.prisma, { ...grid, fusions: ['concat'] }, { 'a3k/bert-base/concat/r0/s0': [0.5, 0.5] });
    const archivedSweep = await sweepWithResults(db.prisma, { ...grid, fusions: ['concat'], seeds: [1] }, { 'a3k/bert-base/concat/r0/s1': [0.5, 0.5] });
    const shown = await sweepWithResults(db.prisma, { ...grid, fusions: ['concat'], seeds: [2] }, { 'a3k/bert-base/concat/r0/s2': [0.5, 0.5] });
    for (const [run, ms] of [[archivedRun.runs[0], 300], [archivedSweep.runs[0], 400], [shown.runs[0], 100]] as const) {
      await db.prisma.timingMeasurement.create({
        data: { runId: run.id, textEncoder: 'bert-base', imageEncoder: 'clip-vit-b32', fusion: 'concat', stage: 'total', batchSize: 1, samples: 10, medianMs: ms, p90Ms: ms + 10, backend: 'cpu', machine: { hostname: 'box' } },
      });
    }
    await db.prisma.run.update({ where: { id: archivedRun.runs[0].id }, data: { archivedAt: new Date() } });
    await db.prisma.sweep.update({ where: { id: archivedSweep.sweep.id }, data: { archivedAt: new Date() } });

    const table = await getTimingTable(db.prisma, { inProgress: 'include' });
    expect(table.rows).toHaveLength(1);
    expect(table.rows[0]).toMatchObject({ fusion: 'concat', measurements: 1, totalMsPerImage: 100, runIds: [shown.runs[0].id] });
  });
});

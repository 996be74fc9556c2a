import { createTestDb } from '@agiqa/db/testing';
import type { Db } from '@agiqa/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeRun, seedDataset, seedSweep, setNaN } from '../../testing/seed.js';
import { readRunRecords } from './run-records.js';

describe(readRunRecords.name, () => {
  let db: Db;
  let sweepId: string;

  beforeAll(async () => {
    db = await createTestDb();
    const prisma = db.prisma;
    await seedDataset(prisma, 'synth', { items: 8 });
    const { sweep, runs } = await seedSweep(prisma, { name: 'records', encoders: ['tiny-bert'], fusions: ['concat', 'cosine'], datasets: ['synth'], seeds: [0, 1], epochs: 3 });
    sweepId = sweep.id;
    const [first, second, third] = runs.map((r) => r.id);
    if (!first || !second || !third) throw new Error('the grid has 4 cells');
    await completeRun(prisma, first, { srcc: 0.61, plcc: 0.7, reportRule: 'best_on_val' });
    await completeRun(prisma, second, { srcc: 0.5, plcc: 0.6 });
    await setNaN(prisma, 'Run', 'srcc', { id: second });
    await prisma.run.update({ where: { id: third }, data: { status: 'running', startedAt: new Date('2026-12-05T03:04:05.678Z'), tags: ['a', 'b'], note: 'x' } });
    await prisma.sweep.update({ where: { id: sweepId }, data: { archivedAt: new Date() } });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('reads what Prisma reads: dates in UTC, NaN as NaN, enums in the database spelling', async () => {
    const viaPrisma = await db.prisma.run.findMany({ where: { sweepId }, include: { dataset: true, sweep: true }, orderBy: { cellKey: 'asc' } });
    const viaJson = await readRunRecords(db.prisma, 'r."sweepId" = $1', [sweepId]);
    expect(viaJson.map((r) => r.id)).toEqual(viaPrisma.map((r) => r.id));
    for (const [i, run] of viaPrisma.entries()) {
      const { dataset, sweep, ...columns } = run;
      const read = viaJson[i];
      if (!read) throw new Error(`run ${run.id} not read`);
      for (const [key, value] of Object.entries(columns)) {
        if (key in read) expect(read[key as keyof typeof read], key).toEqual(value);
      }
      expect(read).toMatchObject({ dataset: dataset.name, sweepName: sweep.name, gridEpochs: 3, archived: true });
    }
    expect(viaJson.some((r) => Number.isNaN(r.srcc))).toBe(true);
    expect(viaJson.find((r) => r.status === 'running')?.startedAt?.toISOString()).toBe('2026-12-05T03:04:05.678Z');
    expect(viaJson.map((r) => r.reportRule)).toContain('best_on_val');
  });

  it('orders and filters by the SQL it is given, and reads nothing as an empty list', async () => {
    const [newest] = await readRunRecords(db.prisma, 'r."sweepId" = $1', [sweepId], 'r."cellKey" DESC');
    expect(newest?.cellKey).toBe('synth/tiny-bert/cosine/r0/s1');
    expect(await readRunRecords(db.prisma, 'r."id" = ANY($1::text[])', [[]])).toEqual([]);
  });
});

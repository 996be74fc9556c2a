import type { GridSpecInput } from '@agiqa/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../connection/create-db.js';
import { registerDataset } from '../repositories/datasets.js';
import { dbTargets } from '../testing/db-targets.js';
import { loadedDataset } from '../testing/fixtures.js';
import { sweepWithResults } from '../testing/table-runs.js';
import { getTable1 } from './table1.js';
import { TablesCache, tablesVersion } from './tables-cache.js';

const grid: GridSpecInput = { encoders: ['bert-base', 'tiny-bert'], fusions: ['concat', 'cosine'], datasets: ['a3k'], seeds: [0, 1] };

function signal(): { fire: () => void; fired: Promise<void> } {
  let fire!: () => void;
  const fired = new Promise<void>((resolve) => (fire = resolve));
  return { fire, fired };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(dbTargets())('tables cache on $name', ({ name, skip, open }) => {
  let db: Db;
  beforeAll(async () => {
    if (skip) return;
    db = await open();
    await registerDataset(db.prisma, 'a3k', loadedDataset(8));
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  /** Runs `write` and says whether it moved the tables' version. */
  async function bumps(write: () => Promise<unknown>): Promise<boolean> {
    const before = await tablesVersion(db.prisma);
    await write();
    return (await tablesVersion(db.prisma)) !== before;
  }

  it.skipIf(skip)('moves the version on every write the tables read, and not on other writes to runs that are not completed', async () => {
    const { sweep, runs } = await sweepWithResults(db.prisma, grid, { 'a3k/bert-base/concat/r0/s0': [0.8, 0.9] });
    const [done, pending, other] = [runs.find((r) => r.status === 'completed'), ...runs.filter((r) => r.status !== 'completed')];
    if (!done || !pending || !other) throw new Error('fixture: expected one completed and several pending runs');
    const run = db.prisma.run;

    // A training run's epoch-by-epoch writes, and bulk writes to unfinished runs: no table changes.
    expect(await bumps(() => run.update({ where: { id: pending.id }, data: { status: 'running', epochsDone: 1 } }))).toBe(false);
    expect(await bumps(() => run.update({ where: { id: pending.id }, data: { epochsDone: 2 } }))).toBe(false);
    expect(await bumps(() => run.updateMany({ where: { sweepId: sweep.id, status: { not: 'completed' } }, data: { epochsDone: 3 } }))).toBe(false);
    expect(await bumps(() => run.delete({ where: { id: other.id } }))).toBe(false);
    // Archival counts whatever the status (the timing table leaves archived runs' measurements out).
    expect(await bumps(() => run.update({ where: { id: pending.id }, data: { archivedAt: new Date() } }))).toBe(true);
    expect(await bumps(() => run.update({ where: { id: pending.id }, data: { archivedAt: null } }))).toBe(true);
    // One bump per transaction, however many rows it writes.
    const before = BigInt(await tablesVersion(db.prisma));
    await db.prisma.$transaction([run.updateMany({ where: { sweepId: sweep.id }, data: { note: 'bulk' } }), db.prisma.sweep.update({ where: { id: sweep.id }, data: { name: 'bulk' } })]);
    expect(BigInt(await tablesVersion(db.prisma)) - before).toBe(1n);
    // A run completing, a completed run edited, archived or deleted: the tables change.
    expect(await bumps(() => run.update({ where: { id: pending.id }, data: { status: 'completed', srcc: 0.5, plcc: 0.5, finishedAt: new Date() } }))).toBe(true);
    expect(await bumps(() => run.update({ where: { id: done.id }, data: { srcc: 0.81 } }))).toBe(true);
    expect(await bumps(() => run.update({ where: { id: done.id }, data: { archivedAt: new Date() } }))).toBe(true);
    expect(await bumps(() => run.update({ where: { id: pending.id }, data: { status: 'failed' } }))).toBe(true);
    expect(await bumps(() => run.delete({ where: { id: done.id } }))).toBe(true);
    // Sweeps, datasets and timing measurements: any write.
    expect(await bumps(() => db.prisma.sweep.update({ where: { id: sweep.id }, data: { archivedAt: new Date() } }))).toBe(true);
    expect(await bumps(() => db.prisma.dataset.update({ where: { name: 'a3k' }, data: { archivedAt: new Date() } }))).toBe(true);
    expect(
      await bumps(() =>
        db.prisma.timingMeasurement.create({
          data: { textEncoder: 'bert-base', imageEncoder: 'clip-vit-b32', fusion: 'concat', stage: 'total', batchSize: 1, samples: 10, medianMs: 5, p90Ms: 6, backend: 'cpu', machine: {} },
        }),
      ),
    ).toBe(true);
    // Deleting a sweep deletes its runs with it.
    expect(await bumps(() => db.prisma.sweep.delete({ where: { id: sweep.id } }))).toBe(true);
  });

  it.skipIf(skip || name !== 'PostgreSQL')('bumps at commit, so that a re-run (sweep, then its runs) and a worker completing one of those runs do not deadlock', async () => {
    const { sweep, runs } = await sweepWithResults(db.prisma, grid, {});
    const target = runs[0];
    const sweepUpdated = signal();
    const runCompleted = signal();
    // A re-run: claims its sweep, then resets its runs (as libs/orchestration rerun.ts does).
    const rerun = db.prisma.$transaction(
      async (tx) => {
        await tx.sweep.update({ where: { id: sweep.id }, data: { status: 'pending' } });
        sweepUpdated.fire();
        await Promise.race([runCompleted.fired, delay(3000)]);
        await tx.run.update({ where: { id: target.id }, data: { note: 'reset by the re-run' } });
      },
      { timeout: 20_000 },
    );
    // A worker records a result for one of those runs meanwhile, and commits after the re-run is waiting for it.
    const worker = db.prisma.$transaction(
      async (tx) => {
        await sweepUpdated.fired;
        await tx.run.update({ where: { id: target.id }, data: { status: 'completed', srcc: 0.5, plcc: 0.5, finishedAt: new Date() } });
        runCompleted.fire();
        await delay(300);
      },
      { timeout: 20_000 },
    );
    const [rerunOutcome, workerOutcome] = await Promise.allSettled([rerun, worker]);
    expect([rerunOutcome.status, workerOutcome.status]).toEqual(['fulfilled', 'fulfilled']);
    expect(await db.prisma.run.findUniqueOrThrow({ where: { id: target.id } })).toMatchObject({ status: 'completed', note: 'reset by the re-run' });
  });

  it.skipIf(skip)('serves a table computed once per version, and the fresh table as soon as a run completes', async () => {
    const cache = new TablesCache(db.prisma);
    let computed = 0;
    const table1 = () =>
      cache.get('table1', { dataset: 'a3k' }, () => {
        computed += 1;
        return getTable1(db.prisma, { dataset: 'a3k' });
      });
    const { runs } = await sweepWithResults(db.prisma, grid, { 'a3k/bert-base/concat/r0/s0': [0.7, 0.7] });
    const first = await table1();
    // Concurrent requests at one version share one computation.
    const again = await Promise.all([table1(), table1(), table1()]);
    expect(computed).toBe(1);
    expect(again.every((t) => t === first)).toBe(true);
    // Shared, so frozen: a caller cannot change what the next request reads.
    expect(() => {
      (first.rows as unknown[]).length = 0;
    }).toThrow(TypeError);

    const seed1 = runs.find((r) => r.cellKey === 'a3k/bert-base/concat/r0/s1');
    await db.prisma.run.update({ where: { id: seed1?.id }, data: { status: 'completed', srcc: 0.9, plcc: 0.9, finishedAt: new Date() } });
    const after = await table1();
    expect(computed).toBe(2);
    expect(after).toEqual(await getTable1(db.prisma, { dataset: 'a3k' }));
    expect([first.rows[0]?.cells.concat?.n, after.rows[0]?.cells.concat?.n]).toEqual([1, 2]);
    expect(after.rows[0]?.cells.concat?.srcc).toBeCloseTo(0.8, 12);
  });

  it.skipIf(skip)('keys tables by name and query (in any key order), forgets the least recently used beyond its capacity, and keeps no failure', async () => {
    const cache = new TablesCache(db.prisma, 2);
    let calls = 0;
    const count = async () => ++calls;
    const a = { dataset: 'a3k', plcc: 'raw' };
    expect(await cache.get('table1', a, count)).toBe(1);
    expect(await cache.get('table1', { plcc: 'raw', dataset: 'a3k' }, count)).toBe(1);
    expect(await cache.get('table2', a, count)).toBe(2);
    expect(await cache.get('table1', a, count)).toBe(1);
    // Capacity 2: table2 was used least recently (table1 was read after it), so it makes room.
    expect(await cache.get('timing', {}, count)).toBe(3);
    expect(cache.size).toBe(2);
    expect(await cache.get('table1', a, count)).toBe(1);
    expect(await cache.get('table2', a, count)).toBe(4);

    await expect(cache.get('table3', a, () => Promise.reject(new Error('bad query')))).rejects.toThrow('bad query');
    expect(await cache.get('table3', a, count)).toBe(5);
  });
});

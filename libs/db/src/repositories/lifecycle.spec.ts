import { GridSpecSchema } from '@agiqa/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../connection/create-db.js';
import { startGateway } from '../gateway/gateway.js';
import { loadedDataset, splitRecord } from '../testing/fixtures.js';
import { createMigratedPglite, createTestDb } from '../testing/test-db.js';
import { postgresAvailable, startTestPostgres } from '../testing/test-postgres.js';
import { registerDataset } from './datasets.js';
import { saveSplitManifest } from './split-manifests.js';
import { createSweep } from './sweeps.js';
import { getTable1 } from '../tables/table1.js';

/** A database of one kind, opened for the suite and closed after it. */
interface Target {
  name: string;
  skip?: string;
  open(): Promise<{ db: Db; close(): Promise<void> }>;
}

const postgres = postgresAvailable();
const targets: Target[] = [
  {
    name: 'in-process PGlite',
    async open() {
      const db = await createTestDb();
      return { db, close: () => db.close() };
    },
  },
  {
    name: 'PGlite behind the gateway (adapter-pg)',
    async open() {
      const pglite = await createMigratedPglite();
      const gateway = await startGateway({ db: pglite });
      const db = await createDb({ url: gateway.url, poolSize: 4 });
      return {
        db,
        async close() {
          await db.close();
          await gateway.close();
          await pglite.close();
        },
      };
    },
  },
  {
    name: 'PostgreSQL server',
    ...(postgres.ok ? {} : { skip: postgres.reason }),
    async open() {
      const server = await startTestPostgres();
      const db = await createDb({ url: server.url, migrate: true, poolSize: 4 });
      return {
        db,
        async close() {
          await db.close();
          await server.stop();
        },
      };
    },
  },
];

// The data-layer path of a sweep, as the api and worker drive it, on every kind of database.
describe.each(targets)('a sweep through the repositories on $name', (target) => {
  let db: Db;
  let close: () => Promise<void>;
  beforeAll(async () => {
    if (target.skip) return;
    ({ db, close } = await target.open());
  }, 60_000);
  afterAll(async () => {
    await close?.();
  });

  it.skipIf(target.skip !== undefined)('registers, runs every cell concurrently, tabulates and deletes', async () => {
    const loaded = loadedDataset(40);
    const dataset = await registerDataset(db.prisma, 'agiqa3k-mini', loaded);
    const grid = GridSpecSchema.parse({
      name: 'lifecycle',
      encoders: ['bert-base', 'distilbert'],
      fusions: ['concat', 'cross_attention'],
      datasets: ['agiqa3k-mini'],
      seeds: [0, 1],
      epochs: 3,
    });
    const { sweep, runs } = await createSweep(db.prisma, { grid });
    expect(runs).toHaveLength(8);
    await db.prisma.sweep.update({ where: { id: sweep.id }, data: { status: 'running', workflowId: `sweep-${sweep.id}` } });

    const items = await db.prisma.datasetItem.findMany({ where: { datasetId: dataset.id }, orderBy: { position: 'asc' } });
    const split = splitRecord(items.map((i) => i.key));
    const testItems = items.filter((i) => split.testKeys.includes(i.key));
    // Deterministic "results" per cell so the table can be checked exactly.
    const srccOf = (i: number) => 0.5 + i / 100;

    await Promise.all(
      runs.map(async (run, i) => {
        const manifest = await saveSplitManifest(db.prisma, dataset.id, split);
        await db.prisma.$transaction(async (tx) => {
          await tx.run.update({
            where: { id: run.id },
            data: { status: 'running', splitManifestId: manifest.id, attempts: 1, startedAt: new Date(), backend: 'cpu' },
          });
          await tx.runAttempt.create({ data: { runId: run.id, attempt: 1, workflowId: `run-${run.id}-attempt-1` } });
        });
        for (let epoch = 1; epoch <= 3; epoch++) {
          const metric = { trainLoss: 1 / epoch, testSrcc: srccOf(i) - (3 - epoch) / 100, testPlcc: srccOf(i) + 0.05, durationMs: 10 };
          // Upserted by (run, epoch): a retried activity writes the same row again.
          for (let attempt = 0; attempt < 2; attempt++) {
            await db.prisma.epochMetric.upsert({
              where: { runId_epoch: { runId: run.id, epoch } },
              create: { runId: run.id, epoch, ...metric },
              update: metric,
            });
          }
        }
        await db.prisma.$transaction([
          db.prisma.prediction.createMany({
            data: testItems.map((item, k) => ({ runId: run.id, itemId: item.id, predicted: k / 10, mos: (item.mos as { quality: number }).quality })),
          }),
          db.prisma.timingMeasurement.create({
            data: {
              runId: run.id,
              textEncoder: run.textEncoder as string, // a fusion-head run
              imageEncoder: run.imageEncoder,
              fusion: run.fusion as string,
              stage: 'head',
              batchSize: 1,
              samples: 10,
              medianMs: 1.5,
              p90Ms: 2,
              backend: 'cpu',
              machine: { host: 'test' },
            },
          }),
          db.prisma.run.update({
            where: { id: run.id },
            data: { status: 'completed', epochsDone: 3, reportedEpoch: 3, srcc: srccOf(i), plcc: srccOf(i) + 0.05, krcc: 0.4, rmse: 0.3, finishedAt: new Date() },
          }),
          db.prisma.runAttempt.update({ where: { runId_attempt: { runId: run.id, attempt: 1 } }, data: { status: 'completed', finishedAt: new Date() } }),
        ]);
      }),
    );
    await db.prisma.sweep.update({ where: { id: sweep.id }, data: { status: 'completed', finishedAt: new Date() } });

    expect(await db.prisma.splitManifest.count()).toBe(1);
    expect(await db.prisma.epochMetric.count()).toBe(8 * 3);
    expect(await db.prisma.prediction.count()).toBe(8 * testItems.length);
    const byStatus = await db.prisma.run.groupBy({ by: ['status'], where: { sweepId: sweep.id }, _count: { _all: true } });
    expect(byStatus).toEqual([{ status: 'completed', _count: { _all: 8 } }]);

    const table = await getTable1(db.prisma);
    expect(table.dataset).toBe('agiqa3k-mini');
    expect(table.rows.map((r) => r.textEncoder)).toEqual(['bert-base', 'distilbert']);
    // Cells are grid order: (bert-base, concat) holds runs 0 and 1 (seeds 0, 1).
    const cell = table.rows[0]?.cells.concat;
    expect(cell?.n).toBe(2);
    expect(cell?.srcc).toBeCloseTo((srccOf(0) + srccOf(1)) / 2, 12);
    expect(cell?.srccStd).toBeCloseTo(Math.SQRT1_2 / 100, 12);
    expect(table.rows[1]?.cells.cross_attention?.plcc).toBeCloseTo((srccOf(6) + srccOf(7)) / 2 + 0.05, 12);

    await db.prisma.sweep.delete({ where: { id: sweep.id } });
    expect(await db.prisma.run.count()).toBe(0);
    expect(await db.prisma.epochMetric.count()).toBe(0);
    expect(await db.prisma.prediction.count()).toBe(0);
    expect(await db.prisma.timingMeasurement.count({ where: { runId: { not: null } } })).toBe(0);
    expect(await db.prisma.timingMeasurement.count()).toBe(8);
  }, 60_000);
});

/**
 * Many finished runs at once, for the browser tests of the runs explorer / Compare and for the
 * 10,000-run benchmark: sweeps of encoders × fusions × seeds, every run completed with metrics that
 * depend on its cell (so that groups differ), `epochs` epoch rows each and, optionally,
 * predictions. Rows are written with set-based SQL (generate_series), which writes 1,000,000
 * epoch rows in seconds where one INSERT per row would take minutes.
 */
import { GridSpecSchema, type FusionName, type TextEncoderName } from '@agiqa/contracts';
import type { PrismaClient } from '../generated/prisma/client.js';

export interface SeedRunsOptions {
  /** A registered dataset's name (its items receive the predictions). */
  dataset: string;
  sweeps: number;
  encoders: TextEncoderName[];
  fusions: FusionName[];
  /** Seeds per sweep: runs per sweep = encoders × fusions × seeds. */
  seeds: number;
  epochs: number;
  /** Predictions for every item of the dataset, for this many runs (the first ones). Default 0. */
  predictedRuns?: number;
  name?: string;
}

/** Every run's test SRCC: the fusion and the encoder set the level, the seed a small spread. */
export const SEEDED_SRCC = 'round((0.45 + 0.08 * f.i + 0.04 * e.i + 0.02 * sin(s.seed * 1.7 + w.i))::numeric, 6)::float8';

export async function seedRuns(prisma: PrismaClient, options: SeedRunsOptions): Promise<{ sweepIds: string[]; runs: number }> {
  const dataset = await prisma.dataset.findUniqueOrThrow({ where: { name: options.dataset }, select: { id: true } });
  const grid = GridSpecSchema.parse({
    name: options.name ?? 'seeded',
    encoders: options.encoders,
    fusions: options.fusions,
    datasets: [options.dataset],
    seeds: Array.from({ length: options.seeds }, (_, i) => i),
    epochs: options.epochs,
    imageEncoder: 'tiny-clip',
  });
  const sweepIds: string[] = [];
  for (let w = 0; w < options.sweeps; w++) {
    const sweep = await prisma.sweep.create({
      data: { name: `${grid.name} ${w + 1}`, grid: { ...grid, name: `${grid.name} ${w + 1}` }, status: 'completed', cellCount: options.encoders.length * options.fusions.length * options.seeds, finishedAt: new Date() },
    });
    sweepIds.push(sweep.id);
    await prisma.$executeRawUnsafe(
      `INSERT INTO "Run" ("id", "createdAt", "updatedAt", "sweepId", "cellKey", "datasetId", "textEncoder", "imageEncoder", "fusion", "splitRepeat", "seed", "config", "status", "attempts", "backend", "epochsDone", "reportedEpoch", "srcc", "plcc", "plccLogistic", "krcc", "rmse", "startedAt", "finishedAt")
       SELECT gen_random_uuid()::text, now(), now(), $1, $2 || '/' || e.name || '/' || f.name || '/r0/s' || s.seed, $3, e.name, 'tiny-clip', f.name, 0, s.seed,
              jsonb_build_object('epochs', $4::int, 'batchSize', 32, 'learningRate', $5::float8, 'label', 'quality', 'seed', s.seed),
              'completed', 1, 'wasm', $4::int, $4::int,
              ${SEEDED_SRCC}, ${SEEDED_SRCC} + 0.01, ${SEEDED_SRCC} + 0.012, ${SEEDED_SRCC} - 0.15, 0.5, now(), now()
         FROM (SELECT name, ordinality - 1 AS i FROM unnest($6::text[]) WITH ORDINALITY AS t(name)) e,
              (SELECT name, ordinality - 1 AS i FROM unnest($7::text[]) WITH ORDINALITY AS t(name)) f,
              generate_series(0, $8::int - 1) AS s(seed),
              (SELECT $9::int AS i) w`,
      sweep.id,
      options.dataset,
      dataset.id,
      options.epochs,
      grid.learningRate,
      options.encoders,
      options.fusions,
      options.seeds,
      w,
    );
    // Each run's curve rises towards its final SRCC.
    await prisma.$executeRawUnsafe(
      `INSERT INTO "EpochMetric" ("id", "createdAt", "updatedAt", "runId", "epoch", "trainLoss", "valSrcc", "valPlcc", "testSrcc", "testPlcc", "durationMs")
       SELECT gen_random_uuid()::text, now(), now(), r."id", n, 1.0 / n, NULL, NULL, r."srcc" * (1 - exp(-n / 10.0)), r."plcc" * (1 - exp(-n / 10.0)), 40
         FROM "Run" r, generate_series(1, $2::int) AS n WHERE r."sweepId" = $1`,
      sweep.id,
      options.epochs,
    );
  }
  if ((options.predictedRuns ?? 0) > 0) {
    await prisma.$executeRawUnsafe(
      `INSERT INTO "Prediction" ("id", "createdAt", "updatedAt", "runId", "itemId", "predicted", "mos")
       SELECT gen_random_uuid()::text, now(), now(), r."id", i."id", (i."mos"->>'quality')::float8 + 0.5 * sin(i."position" * 2.3 + r."seed"), (i."mos"->>'quality')::float8
         FROM (SELECT "id", "seed" FROM "Run" WHERE "sweepId" = ANY($1::text[]) ORDER BY "cellKey" LIMIT $2) r, "DatasetItem" i WHERE i."datasetId" = $3`,
      sweepIds,
      options.predictedRuns,
      dataset.id,
    );
  }
  return { sweepIds, runs: sweepIds.length * options.encoders.length * options.fusions.length * options.seeds };
}

/** Rows for API tests, written through the same libs/db repositories the API uses. Spec-only. */
import type { DatasetFormat, GridSpecInput, LoadedDataset } from '@agiqa/contracts';
import { GridSpecSchema } from '@agiqa/contracts';
import { createSweep, registerDataset, type Dataset, type PrismaClient, type Run } from '@agiqa/db';

/** A small, valid dataset (`items` images over `items / 2` prompts), registered under `name`. */
export async function seedDataset(
  prisma: PrismaClient,
  name: string,
  options: { items?: number; format?: DatasetFormat } = {},
): Promise<Dataset> {
  const count = options.items ?? 8;
  const items = Array.from({ length: count }, (_, i) => {
    const prompt = String(Math.floor(i / 2)).padStart(3, '0');
    return {
      position: i,
      key: `gen${i % 2}_normal_${prompt}.jpg`,
      imagePath: `img/gen${i % 2}_normal_${prompt}.jpg`,
      prompt: `a red circle number ${prompt}`,
      promptKey: prompt,
      generator: `gen${i % 2}_normal`,
      mos: { quality: 1 + ((i * 7) % 9) / 2.5, align: 2 },
    };
  });
  const loaded: LoadedDataset = {
    format: options.format ?? 'agiqa3k',
    root: `/data/${name}`,
    items,
    labels: ['quality', 'align'],
    summary: {
      rows: count,
      prompts: Math.ceil(count / 2),
      generators: { gen0_normal: Math.ceil(count / 2), gen1_normal: Math.floor(count / 2) },
      mos: { quality: { min: 1, max: 4.2, mean: 2.5 }, align: { min: 2, max: 2, mean: 2 } },
      missingImages: 0,
    },
    contentHash: `hash-${name}`,
  };
  return registerDataset(prisma, name, loaded);
}

/** A sweep of `grid` created through libs/db (no workflow): its runs start pending. */
export async function seedSweep(prisma: PrismaClient, grid: GridSpecInput) {
  return createSweep(prisma, { grid: GridSpecSchema.parse(grid) });
}

/** Marks a run completed with the given headline metrics (`reportRule` in Prisma's spelling). */
export async function completeRun(
  prisma: PrismaClient,
  runId: string,
  metrics: { srcc: number; plcc: number; reportRule?: 'last' | 'best_on_val' | 'best_on_test' },
): Promise<Run> {
  return prisma.run.update({
    where: { id: runId },
    data: {
      status: 'completed',
      srcc: metrics.srcc,
      plcc: metrics.plcc,
      plccLogistic: metrics.plcc,
      krcc: metrics.srcc * 0.8,
      rmse: 0.5,
      reportRule: metrics.reportRule ?? 'last',
      epochsDone: 2,
      reportedEpoch: 2,
      backend: 'cpu',
      finishedAt: new Date(),
    },
  });
}

/** Writes NaN into a float column with raw SQL (Prisma's client refuses NaN). */
export async function setNaN(prisma: PrismaClient, table: 'Run' | 'EpochMetric', column: string, where: Record<string, string | number>) {
  const keys = Object.keys(where);
  const condition = keys.map((key, i) => `"${key}" = $${i + 1}`).join(' AND ');
  const updated = await prisma.$executeRawUnsafe(`UPDATE "${table}" SET "${column}" = 'NaN' WHERE ${condition}`, ...Object.values(where));
  if (updated !== 1) throw new Error(`setNaN: ${updated} rows of ${table} matched ${JSON.stringify(where)}`);
}

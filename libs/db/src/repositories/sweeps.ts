import { expandGrid, invalidInput, resolveTrainRatio, type DatasetFormat, type GridCell, type GridSpec, type HeadOptions, type SplitSpec } from '@agiqa/contracts';
import { toDbReportRule } from '../enums.js';
import type { Prisma, PrismaClient, Run, Sweep } from '../generated/prisma/client.js';

/**
 * What a Run row's `config` holds: the cell plus every grid option that shapes its training, so
 * the run can be reproduced from the row alone (the sweep's grid may hold many cells).
 */
export interface RunConfig {
  dataset: string;
  textEncoder: GridCell['textEncoder'];
  imageEncoder: GridSpec['imageEncoder'];
  fusion: GridCell['fusion'];
  splitRepeat: number;
  seed: number;
  /** The grid's split with `train` resolved (the paper's ratio for the dataset's format when omitted). */
  split: SplitSpec & { train: number };
  epochs: number;
  batchSize: number;
  learningRate: number;
  reportRule: GridSpec['reportRule'];
  trainingMode: GridSpec['trainingMode'];
  label: string;
  head: HeadOptions;
  /** The grid's overrides for this cell's two encoders only. */
  modelOverrides?: Record<string, string>;
}

/** How many registered names an "unknown dataset" error lists. */
const LISTED_NAMES = 50;

/**
 * The registered datasets a grid names, by name, after checking the grid against each of them:
 * unknown names (listing the registered ones), a MOS label a dataset does not have, and a split
 * that leaves no test share once the dataset's paper ratio fills in an omitted `split.train`.
 * Problems are `invalid_input` naming `<pathPrefix>datasets.<i>`, `label` or `split.val` (a
 * schedule's grid sits under `grid.`; a sweep's body is the grid itself), so a sweep is refused
 * when created rather than failing in every cell later.
 */
export async function resolveGridDatasets(
  prisma: PrismaClient,
  grid: Pick<GridSpec, 'datasets' | 'label' | 'split'>,
  pathPrefix = '',
): Promise<Map<string, { id: string; name: string; format: DatasetFormat }>> {
  const found = await prisma.dataset.findMany({
    where: { name: { in: grid.datasets } },
    select: { id: true, name: true, format: true, labels: true },
  });
  const byName = new Map(found.map((d) => [d.name, d]));
  const unknown = grid.datasets.flatMap((name, i) =>
    byName.has(name) ? [] : [{ path: `${pathPrefix}datasets.${i}`, message: `unknown dataset "${name}"` }],
  );
  if (unknown.length > 0) {
    const registered = await prisma.dataset.findMany({ select: { name: true }, orderBy: { name: 'asc' }, take: LISTED_NAMES + 1 });
    const names = registered.slice(0, LISTED_NAMES).map((d) => d.name);
    const list = names.length === 0 ? 'none are registered yet' : `registered: ${names.join(', ')}${registered.length > LISTED_NAMES ? ', …' : ''}`;
    throw invalidInput(`${unknown.map((u) => `${u.path}: ${u.message}`).join('; ')} (${list})`, unknown);
  }
  // In the grid's order, so that problems read in the order the user wrote the datasets.
  const problems = grid.datasets.map((name) => byName.get(name) as (typeof found)[number]).flatMap((dataset) => {
    const issues: { path: string; message: string }[] = [];
    if (!dataset.labels.includes(grid.label)) {
      issues.push({ path: `${pathPrefix}label`, message: `dataset "${dataset.name}" has no "${grid.label}" MOS; its labels: ${dataset.labels.join(', ')}` });
    }
    const train = resolveTrainRatio(grid.split, dataset.format);
    if (train + grid.split.val >= 1) {
      issues.push({
        path: `${pathPrefix}split.val`,
        message: `on dataset "${dataset.name}" train ${train}${grid.split.train === undefined ? ' (the paper\'s ratio)' : ''} + val ${grid.split.val} leaves no test share`,
      });
    }
    return issues;
  });
  if (problems.length > 0) throw invalidInput(problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
  return byName;
}

/**
 * Creates a sweep and one pending Run per grid cell (`expandGrid` order) in one transaction.
 * Dataset names must be registered (`resolveGridDatasets`). Returns the runs in cell order.
 */
export async function createSweep(
  prisma: PrismaClient,
  input: { grid: GridSpec; scheduleId?: string },
): Promise<{ sweep: Sweep; runs: Run[] }> {
  const { grid } = input;
  const byName = await resolveGridDatasets(prisma, grid);

  const cells = expandGrid(grid);
  const sweep = await prisma.sweep.create({
    data: {
      name: grid.name ?? null,
      grid: grid as unknown as Prisma.InputJsonObject,
      cellCount: cells.length,
      scheduleId: input.scheduleId ?? null,
      runs: {
        createMany: {
          data: cells.map((cell) => ({
            cellKey: cell.key,
            datasetId: (byName.get(cell.dataset) as { id: string }).id,
            textEncoder: cell.textEncoder,
            imageEncoder: grid.imageEncoder,
            fusion: cell.fusion,
            splitRepeat: cell.splitRepeat,
            seed: cell.seed,
            trainingMode: grid.trainingMode,
            reportRule: toDbReportRule(grid.reportRule),
            config: runConfig(grid, cell, (byName.get(cell.dataset) as { format: DatasetFormat }).format) as unknown as Prisma.InputJsonObject,
          })),
        },
      },
    },
  });
  const runs = await prisma.run.findMany({ where: { sweepId: sweep.id } });
  const order = new Map(cells.map((cell, i) => [cell.key, i]));
  runs.sort((a, b) => (order.get(a.cellKey) ?? 0) - (order.get(b.cellKey) ?? 0));
  return { sweep, runs };
}

/** The reproducible configuration of one cell of `grid` on a dataset of `format`. */
export function runConfig(grid: GridSpec, cell: GridCell, format: DatasetFormat): RunConfig {
  const overrides = Object.entries(grid.modelOverrides ?? {}).filter(([name]) => name === cell.textEncoder || name === grid.imageEncoder);
  return {
    dataset: cell.dataset,
    textEncoder: cell.textEncoder,
    imageEncoder: grid.imageEncoder,
    fusion: cell.fusion,
    splitRepeat: cell.splitRepeat,
    seed: cell.seed,
    split: { ...grid.split, train: resolveTrainRatio(grid.split, format) },
    epochs: grid.epochs,
    batchSize: grid.batchSize,
    learningRate: grid.learningRate,
    reportRule: grid.reportRule,
    trainingMode: grid.trainingMode,
    label: grid.label,
    head: grid.head,
    ...(overrides.length > 0 ? { modelOverrides: Object.fromEntries(overrides) } : {}),
  };
}

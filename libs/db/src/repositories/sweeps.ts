import {
  checkSweepSize,
  expandGrid,
  invalidInput,
  resolveFinetuneOptions,
  resolveTrainRatio,
  type ClipIqaOptions,
  type DatasetFormat,
  type FeatureOptions,
  type FinetuneOptions,
  type FusionHeadCell,
  type GridCell,
  type GridSpec,
  type HeadOptions,
  type SplitSpec,
} from '@agiqa/contracts';
import type { Prisma, PrismaClient, Run, Sweep } from '../generated/prisma/client.js';

/** What every Run row's `config` holds: the cell's place and the grid options both methods share. */
interface RunConfigBase {
  dataset: string;
  imageEncoder: GridSpec['imageEncoder'];
  splitRepeat: number;
  /** The grid's split with `train` resolved (the paper's ratio for the dataset's format when omitted). */
  split: SplitSpec & { train: number };
  label: string;
  /** Encoder precision and image resize the cell's features were computed with. */
  features: FeatureOptions;
  /** The grid's overrides for this cell's encoders only. */
  modelOverrides?: Record<string, string>;
}

/**
 * A fusion-head run's `config`: the cell plus every grid option that shapes its training, so the
 * run can be reproduced from the row alone (the sweep's grid may hold many cells). Runs created
 * before methods existed have no `method` key and are fusion-head runs.
 */
export interface FusionHeadRunConfig extends RunConfigBase {
  method: 'fusion-head';
  textEncoder: FusionHeadCell['textEncoder'];
  fusion: FusionHeadCell['fusion'];
  seed: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  reportRule: GridSpec['reportRule'];
  trainingMode: GridSpec['trainingMode'];
  /** The grid's engine choice (`auto` resolves per worker: the Run row's `engine` says what trained it). */
  trainer: GridSpec['trainer'];
  /** Fine-tuning runs: the options with every default applied (absent for frozen runs). */
  finetune?: Required<FinetuneOptions>;
  head: HeadOptions;
}

/** A CLIP-IQA run's `config`: the antonym pair and logit scale; nothing is trained. */
export interface ClipIqaRunConfig extends RunConfigBase {
  method: 'clip-iqa';
  clipIqa: ClipIqaOptions;
}

export type RunConfig = FusionHeadRunConfig | ClipIqaRunConfig;

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
 * Run rows written per statement when a sweep is created. Each batch is one short INSERT of
 * its own (no transaction around them), so that other clients interleave: the embedded gateway
 * runs one statement or transaction at a time, and a training cell writing its epochs or
 * `/api/health` must not wait for thousands of rows. Through the gateway (its own process), with
 * 5,000 cells at load ≈ 13 on 2 cores: another client's two queries waited 97 ms median with
 * 100 rows per batch and 26 ms with 25, for the same total time (2.7–2.8 s).
 */
export const SWEEP_INSERT_BATCH = 25;

/** What a new sweep is made of. */
export interface NewSweep {
  grid: GridSpec;
  scheduleId?: string;
  /** Stored from the start: a schedule firing marks its sweep with its own workflow id. */
  workflowId?: string;
  /** Refuse a grid of more cells (`AGIQA_MAX_SWEEP_CELLS`). */
  maxCells?: number;
}

/**
 * Creates a sweep and one pending Run per grid cell, and returns them (runs in `expandGrid`
 * order). For callers that need the rows (tests, the worker harness); the API writes with
 * `insertSweep` and reads pages instead, since reading thousands of runs back costs as much
 * as writing them.
 */
export async function createSweep(prisma: PrismaClient, input: NewSweep): Promise<{ sweep: Sweep; runs: Run[] }> {
  const sweep = await insertSweep(prisma, input);
  const runs = await prisma.run.findMany({ where: { sweepId: sweep.id } });
  const order = new Map(expandGrid(input.grid).map((cell, i) => [cell.key, i]));
  runs.sort((a, b) => (order.get(a.cellKey) ?? 0) - (order.get(b.cellKey) ?? 0));
  return { sweep, runs };
}

/**
 * Writes a sweep and one pending Run per grid cell. Dataset names must be registered
 * (`resolveGridDatasets`); with `maxCells`, a larger grid is refused before anything is
 * expanded or written (`checkSweepSize`). Runs are written `SWEEP_INSERT_BATCH` at a time, each
 * batch one statement (`insertRuns`), so that a sweep of thousands of cells never holds the
 * database. If a batch fails, the sweep is deleted again (its runs cascade), so a failed creation
 * leaves nothing behind. The sweep's workflow must start only after this returns.
 */
export async function insertSweep(prisma: PrismaClient, input: NewSweep): Promise<Sweep> {
  const { grid } = input;
  if (input.maxCells !== undefined) checkSweepSize(grid, input.maxCells);
  const byName = await resolveGridDatasets(prisma, grid);

  const cells = expandGrid(grid);
  const sweep = await prisma.sweep.create({
    data: {
      name: grid.name ?? null,
      grid: grid as unknown as Prisma.InputJsonObject,
      cellCount: cells.length,
      scheduleId: input.scheduleId ?? null,
      workflowId: input.workflowId ?? null,
    },
  });
  try {
    for (let start = 0; start < cells.length; start += SWEEP_INSERT_BATCH) {
      const batch = cells.slice(start, start + SWEEP_INSERT_BATCH).map((cell): NewRun => {
        const dataset = byName.get(cell.dataset) as { id: string; format: DatasetFormat };
        return {
          sweepId: sweep.id,
          cellKey: cell.key,
          datasetId: dataset.id,
          method: cell.method,
          textEncoder: cell.method === 'fusion-head' ? cell.textEncoder : null,
          imageEncoder: grid.imageEncoder,
          fusion: cell.method === 'fusion-head' ? cell.fusion : null,
          splitRepeat: cell.splitRepeat,
          seed: cell.method === 'fusion-head' ? cell.seed : null,
          trainingMode: grid.trainingMode,
          reportRule: grid.reportRule,
          config: runConfig(grid, cell, dataset.format),
        };
      });
      await insertRuns(prisma, batch);
    }
  } catch (error) {
    await prisma.sweep.delete({ where: { id: sweep.id } }).catch(() => undefined);
    throw error;
  }
  return sweep;
}

/** The columns of a new pending Run that `insertSweep` sets (the rest take their defaults). */
interface NewRun {
  sweepId: string;
  cellKey: string;
  datasetId: string;
  /** As the database spells it, which is the contracts spelling (`clip-iqa`, see enums.ts). */
  method: GridCell['method'];
  /** Null for a CLIP-IQA cell, which has no text encoder, fusion or training seed. */
  textEncoder: string | null;
  imageEncoder: string;
  fusion: string | null;
  splitRepeat: number;
  seed: number | null;
  trainingMode: Run['trainingMode'];
  /** As the database spells it, which is the contracts spelling (`best-on-val`, see enums.ts). */
  reportRule: GridSpec['reportRule'];
  config: RunConfig;
}

/**
 * One INSERT of `runs`, passed as a single JSON parameter and unpacked in the database
 * (`jsonb_to_recordset`). Prisma's `createMany` builds and binds 11 parameters per row in the
 * calling process: for a 5,000-cell sweep that kept the API's event loop busy for seconds
 * (`/api/health` answered in 1.7 s median while one was created), where one JSON string per
 * batch costs milliseconds.
 */
async function insertRuns(prisma: PrismaClient, runs: NewRun[]): Promise<void> {
  await prisma.$executeRaw`
    INSERT INTO "Run" ("id", "updatedAt", "sweepId", "cellKey", "datasetId", "method", "textEncoder", "imageEncoder", "fusion",
                       "splitRepeat", "seed", "trainingMode", "reportRule", "config")
    SELECT gen_random_uuid()::text, CURRENT_TIMESTAMP, r."sweepId", r."cellKey", r."datasetId", r."method"::"RunMethod", r."textEncoder",
           r."imageEncoder", r."fusion", r."splitRepeat", r."seed", r."trainingMode"::"TrainingMode", r."reportRule"::"ReportRule", r."config"
    FROM jsonb_to_recordset(${JSON.stringify(runs)}::jsonb) AS r(
      "sweepId" text, "cellKey" text, "datasetId" text, "method" text, "textEncoder" text, "imageEncoder" text, "fusion" text,
      "splitRepeat" int, "seed" int, "trainingMode" text, "reportRule" text, "config" jsonb)`;
}

/** The reproducible configuration of one cell of `grid` on a dataset of `format`. */
export function runConfig(grid: GridSpec, cell: GridCell, format: DatasetFormat): RunConfig {
  const encoders = cell.method === 'fusion-head' ? [cell.textEncoder, grid.imageEncoder] : [grid.imageEncoder];
  const overrides = Object.entries(grid.modelOverrides ?? {}).filter(([name]) => (encoders as string[]).includes(name));
  const base: RunConfigBase = {
    dataset: cell.dataset,
    imageEncoder: grid.imageEncoder,
    splitRepeat: cell.splitRepeat,
    split: { ...grid.split, train: resolveTrainRatio(grid.split, format) },
    label: grid.label,
    features: grid.features,
    ...(overrides.length > 0 ? { modelOverrides: Object.fromEntries(overrides) } : {}),
  };
  if (cell.method === 'clip-iqa') return { method: 'clip-iqa', ...base, clipIqa: grid.clipIqa };
  return {
    method: 'fusion-head',
    ...base,
    textEncoder: cell.textEncoder,
    fusion: cell.fusion,
    seed: cell.seed,
    epochs: grid.epochs,
    batchSize: grid.batchSize,
    learningRate: grid.learningRate,
    reportRule: grid.reportRule,
    trainingMode: grid.trainingMode,
    trainer: grid.trainer,
    ...(grid.trainingMode === 'finetune' ? { finetune: resolveFinetuneOptions(grid) } : {}),
    head: grid.head,
  };
}

import { z } from 'zod';
import type { RunSummary, SweepDetail, SweepSummary, Table1 } from './api.js';
import { GridSpecSchema } from './grid.js';
import {
  DATASET_FORMATS,
  FUSION_NAMES,
  REPORT_RULES,
  RUN_STATUSES,
  SWEEP_STATUSES,
  TEXT_ENCODER_NAMES,
  TRAINING_MODES,
} from './names.js';
import { ERROR_CODES } from './errors.js';

/*
 * Response bodies of the HTTP API as zod schemas: the API's OpenAPI document is generated from them,
 * its tests validate real responses against them (`z.number()` rejects NaN and null, so a table
 * that leaks NaN fails), and the dashboard imports the inferred types.
 */

const isoDate = z.iso.datetime();

export const ProblemDetailSchema = z.object({ path: z.string(), message: z.string() });

/** The body of every error response. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    details: z.array(ProblemDetailSchema).optional(),
  }),
});

// --- sweeps and runs ---------------------------------------------------------------------------

export const RunMetricsSchema = z.object({
  srcc: z.number(),
  plcc: z.number(),
  plccLogistic: z.number().nullable(),
  krcc: z.number(),
  rmse: z.number(),
});

export const RunSummarySchema = z.object({
  id: z.string(),
  sweepId: z.string(),
  cellKey: z.string(),
  dataset: z.string(),
  textEncoder: z.enum(TEXT_ENCODER_NAMES),
  imageEncoder: z.string(),
  fusion: z.enum(FUSION_NAMES),
  splitRepeat: z.int(),
  seed: z.int(),
  status: z.enum(RUN_STATUSES),
  attempts: z.int(),
  backend: z.string().nullable(),
  trainingMode: z.enum(TRAINING_MODES),
  reportRule: z.enum(REPORT_RULES),
  reportedEpoch: z.int().nullable(),
  epochsDone: z.int(),
  epochs: z.int(),
  metrics: RunMetricsSchema.nullable(),
  error: z.string().nullable(),
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
});

export const SweepSummarySchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  status: z.enum(SWEEP_STATUSES),
  scheduleId: z.string().nullable(),
  cellCount: z.int(),
  counts: z.record(z.enum(RUN_STATUSES), z.int()),
  createdAt: isoDate,
  finishedAt: isoDate.nullable(),
});

/** Epochs trained over all cells of a sweep: what a progress bar shows. */
export const SweepProgressSchema = z.object({
  epochsDone: z.int(),
  epochsTotal: z.int(),
  /** epochsDone / epochsTotal, 1 for an empty sweep. */
  fraction: z.number().min(0).max(1),
  /** Cells in a terminal state (completed, failed, cancelled). */
  finishedCells: z.int(),
});
export type SweepProgress = z.infer<typeof SweepProgressSchema>;

export const SweepDetailSchema = SweepSummarySchema.extend({
  grid: GridSpecSchema,
  runs: z.array(RunSummarySchema),
  progress: SweepProgressSchema.optional(),
});

/** `GET /api/sweeps`: newest first. */
export const SweepListSchema = z.object({
  items: z.array(SweepSummarySchema),
  total: z.int(),
  limit: z.int(),
  offset: z.int(),
});
export type SweepList = z.infer<typeof SweepListSchema>;

/** `POST /api/sweeps/:id/rerun-failed` (libs/orchestration `rerunFailedCells`, plus the sweep after it). */
export const RerunResultSchema = z.object({
  sweepId: z.string(),
  /** The sweep workflow execution now running the cells (1 = the first run of the sweep). */
  execution: z.int(),
  workflowId: z.string(),
  /** Runs started again (they had failed, were cancelled or never finished), in cell order. */
  runIds: z.array(z.string()),
  cellKeys: z.array(z.string()),
  sweep: SweepSummarySchema,
});
export type RerunResult = z.infer<typeof RerunResultSchema>;

/** One epoch of a learning curve; a number that was not finite (a diverged epoch) is null, a gap. */
export const EpochMetricSchema = z.object({
  epoch: z.int(),
  trainLoss: z.number().nullable(),
  valSrcc: z.number().nullable(),
  valPlcc: z.number().nullable(),
  testSrcc: z.number().nullable(),
  testPlcc: z.number().nullable(),
  durationMs: z.int(),
});
export type EpochMetricRow = z.infer<typeof EpochMetricSchema>;

export const RunAttemptSchema = z.object({
  attempt: z.int(),
  workflowId: z.string(),
  status: z.enum(RUN_STATUSES),
  error: z.string().nullable(),
  startedAt: isoDate,
  finishedAt: isoDate.nullable(),
});

/** The split a run used, without its key lists (sizes only). */
export const RunSplitSchema = z.object({
  hash: z.string(),
  unit: z.string(),
  trainRatio: z.number(),
  valRatio: z.number(),
  seed: z.int(),
  repeat: z.int(),
  train: z.int(),
  val: z.int(),
  test: z.int(),
});

/** `GET /api/runs/:id`. */
export const RunDetailSchema = RunSummarySchema.extend({
  /** Everything needed to reproduce the cell (hyper-parameters, head options, resolved model ids). */
  config: z.record(z.string(), z.unknown()),
  /** Machine that trained it (hostname, cpu, gpu where known). */
  machine: z.record(z.string(), z.unknown()).nullable(),
  workflowId: z.string().nullable(),
  checkpointUri: z.string().nullable(),
  split: RunSplitSchema.nullable(),
  epochMetrics: z.array(EpochMetricSchema),
  attemptsLog: z.array(RunAttemptSchema),
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

/** `GET /api/runs/:id/predictions`: the reported epoch's test predictions. */
export const RunPredictionsSchema = z.object({
  runId: z.string(),
  dataset: z.string(),
  count: z.int(),
  items: z.array(
    z.object({ key: z.string(), generator: z.string(), prompt: z.string(), predicted: z.number(), mos: z.number() }),
  ),
});
export type RunPredictions = z.infer<typeof RunPredictionsSchema>;

/** A significance test of the SRCC difference between a baseline run and another run. */
export const RunSignificanceSchema = z.object({
  baselineRunId: z.string(),
  otherRunId: z.string(),
  /**
   * `steiger`: both runs predicted the same test items (dependent correlations sharing the MOS);
   * `fisher`: different test sets (independent samples).
   */
  test: z.enum(['steiger', 'fisher']),
  metric: z.literal('srcc'),
  /** SRCC of each run on the items the test used. */
  baseline: z.number(),
  other: z.number(),
  /** SRCC between the two runs' predictions (Steiger only). */
  between: z.number().nullable(),
  n: z.int(),
  /** Test-set size of the other run (Fisher only). */
  n2: z.int().nullable(),
  z: z.number(),
  p: z.number(),
});
export type RunSignificance = z.infer<typeof RunSignificanceSchema>;

/** `GET /api/runs/compare?ids=a,b,c`: side by side, in the order asked. */
export const RunComparisonSchema = z.object({
  runs: z.array(RunSummarySchema),
  curves: z.array(z.object({ runId: z.string(), epochs: z.array(EpochMetricSchema) })),
  /** Each run against the first one; empty when a test is not possible (see `notes`). */
  significance: z.array(RunSignificanceSchema),
  notes: z.array(z.string()),
});
export type RunComparison = z.infer<typeof RunComparisonSchema>;

// --- tables --------------------------------------------------------------------------------------

/** Flags a figure carries: `optimistic` (selected on the test set), `uncertain`, `conflict` (see PAPER_RESULTS notes). */
export const FIGURE_FLAGS = ['optimistic', 'uncertain', 'conflict'] as const;
export type FigureFlag = (typeof FIGURE_FLAGS)[number];

export const TableCellSchema = z.object({
  srcc: z.number(),
  plcc: z.number(),
  srccStd: z.number(),
  plccStd: z.number(),
  runs: z.int(),
  optimistic: z.boolean(),
  runIds: z.array(z.string()).optional(),
});

const reportedCellSchema = z.object({ srcc: z.number(), plcc: z.number(), uncertain: z.boolean().optional() });

export const Table1SettingSchema = z.object({
  imageEncoder: z.string(),
  label: z.string(),
  epochs: z.int(),
  batchSize: z.int(),
  learningRate: z.number(),
  reportRule: z.string(),
  trainingMode: z.string(),
  split: z.object({ unit: z.string(), train: z.number(), val: z.number() }),
  head: z.record(z.string(), z.unknown()),
});

export const Table1Schema = z.object({
  dataset: z.string().nullable(),
  setting: Table1SettingSchema.nullable(),
  otherSettings: z.int(),
  fusions: z.array(z.enum(FUSION_NAMES)),
  rows: z.array(z.object({ textEncoder: z.string(), cells: z.partialRecord(z.enum(FUSION_NAMES), TableCellSchema) })),
  reported: z.array(z.object({ textEncoder: z.string(), cells: z.partialRecord(z.enum(FUSION_NAMES), reportedCellSchema) })),
});

/** One number pair in a table with where it came from. */
export const FigureSchema = z.object({
  srcc: z.number(),
  plcc: z.number(),
  /** `measured`: aggregated from completed runs in Postgres; `reported`: the paper's figure. */
  source: z.enum(['measured', 'reported']),
  /** Runs aggregated (mean over seeds and split repeats); empty for reported figures. */
  runIds: z.array(z.string()),
  srccStd: z.number().nullable(),
  plccStd: z.number().nullable(),
  /** Registered dataset the runs evaluated on (measured figures). */
  dataset: z.string().nullable(),
  flags: z.array(z.enum(FIGURE_FLAGS)),
  note: z.string().nullable(),
});
export type Figure = z.infer<typeof FigureSchema>;

export const PAPER_DATASET_COLUMNS = ['agiqa3k', 'aigciqa2023', 'pku_i2iqa'] as const;
export type PaperDatasetColumn = (typeof PAPER_DATASET_COLUMNS)[number];

export const MethodRowSchema = z.object({
  method: z.string(),
  group: z.enum(['traditional', 'deep', 'clip']),
  proposed: z.boolean(),
  source: z.enum(['measured', 'reported']),
  /** Measured rows: the grid point the figures come from. */
  config: z.object({ textEncoder: z.string(), fusion: z.string() }).nullable(),
  cells: z.partialRecord(z.enum(PAPER_DATASET_COLUMNS), FigureSchema),
});
export type MethodRow = z.infer<typeof MethodRowSchema>;

/** `GET /api/tables/2`: methods × datasets. */
export const Table2Schema = z.object({
  columns: z.array(
    z.object({
      key: z.enum(PAPER_DATASET_COLUMNS),
      label: z.string(),
      /** Registered dataset whose runs fill the measured rows of this column, or null. */
      dataset: z.string().nullable(),
    }),
  ),
  rows: z.array(MethodRowSchema),
  /** How measured rows are chosen, in words. */
  rule: z.string(),
});
export type Table2 = z.infer<typeof Table2Schema>;

/** `GET /api/tables/3`: AGI-specific methods on AGIQA-3K. */
export const Table3Schema = z.object({
  dataset: z.string().nullable(),
  rows: z.array(
    z.object({
      method: z.string(),
      proposed: z.boolean(),
      source: z.enum(['measured', 'reported']),
      figure: FigureSchema,
    }),
  ),
  rule: z.string(),
});
export type Table3 = z.infer<typeof Table3Schema>;

export const TimingRowSchema = z.object({
  textEncoder: z.string(),
  imageEncoder: z.string(),
  fusion: z.string(),
  backend: z.string(),
  batchSize: z.int(),
  /** Hostname (or `unknown`) of the machine the rows were measured on. */
  host: z.string(),
  machine: z.record(z.string(), z.unknown()),
  /**
   * Per stage (`tokenize`, `text_encode`, … `total`): the median over measurements of their median
   * and p90, in ms per image as stored (libs/model `measureLatency` divides a batch's time by its
   * size); `samples` summed.
   */
  stages: z.record(z.string(), z.object({ medianMs: z.number(), p90Ms: z.number(), samples: z.int() })),
  /** The `total` stage, ms per image; null when no total was measured. */
  totalMsPerImage: z.number().nullable(),
  measurements: z.int(),
  lastMeasuredAt: isoDate,
  runIds: z.array(z.string()),
  /** The paper's figure for this text encoder (cross-attention model, authors' GPU server); null for tiny fixtures. */
  paperMs: z.number().nullable(),
});
export type TimingRow = z.infer<typeof TimingRowSchema>;

/** `GET /api/tables/timing`: measured inference latency beside the paper's 217 / 152 / 196 ms. */
export const TimingTableSchema = z.object({
  rows: z.array(TimingRowSchema),
  paper: z.object({ caption: z.string(), msPerImage: z.record(z.string(), z.number()) }),
});
export type TimingTable = z.infer<typeof TimingTableSchema>;

// --- datasets ------------------------------------------------------------------------------------

export const DatasetSummarySchema = z.object({
  rows: z.int(),
  prompts: z.int(),
  generators: z.record(z.string(), z.int()),
  mos: z.record(z.string(), z.object({ min: z.number(), max: z.number(), mean: z.number() })),
  missingImages: z.int(),
});

export const DatasetRowSchema = z.object({
  id: z.string(),
  name: z.string(),
  format: z.enum(DATASET_FORMATS),
  root: z.string(),
  contentHash: z.string(),
  itemCount: z.int(),
  labels: z.array(z.string()),
  summary: DatasetSummarySchema,
  createdAt: isoDate,
  /** Runs that used it. */
  runCount: z.int(),
});
export type DatasetRow = z.infer<typeof DatasetRowSchema>;

/** `POST /api/datasets/inspect`: what registration would find, without writing anything. */
export const DatasetInspectionSchema = z.object({
  ok: z.boolean(),
  problems: z.array(ProblemDetailSchema),
  summary: DatasetSummarySchema.nullable(),
  /** Whether `name` (when given) is still free. */
  nameAvailable: z.boolean().nullable(),
});
export type DatasetInspection = z.infer<typeof DatasetInspectionSchema>;

// --- schedules -----------------------------------------------------------------------------------

export const ScheduleRowSchema = z.object({
  id: z.string(),
  name: z.string(),
  grid: GridSpecSchema,
  cron: z.string().nullable(),
  intervalSeconds: z.int().nullable(),
  overlap: z.enum(['skip', 'buffer_one', 'allow_all', 'cancel_other']),
  paused: z.boolean(),
  temporalScheduleId: z.string(),
  createdAt: isoDate,
  sweepCount: z.int(),
  lastSweepId: z.string().nullable(),
  /** Next firing according to Temporal; null when paused, unknown or Temporal is unreachable. */
  nextRunAt: isoDate.nullable(),
});
export type ScheduleRow = z.infer<typeof ScheduleRowSchema>;

/** `GET /api/schedules/:id`: the row plus what Temporal says about it now. */
export const ScheduleDetailSchema = ScheduleRowSchema.extend({
  temporal: z.object({
    ok: z.boolean(),
    paused: z.boolean().nullable(),
    nextActionTimes: z.array(isoDate),
    recentActions: z.array(z.object({ scheduledAt: isoDate, takenAt: isoDate, workflowId: z.string().nullable() })),
    error: z.string().nullable(),
  }),
});
export type ScheduleDetail = z.infer<typeof ScheduleDetailSchema>;

// --- tokens and health ---------------------------------------------------------------------------

export const ApiTokenRowSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: isoDate,
  lastUsedAt: isoDate.nullable(),
  revokedAt: isoDate.nullable(),
});
export type ApiTokenRow = z.infer<typeof ApiTokenRowSchema>;

/** `POST /api/tokens`: the only time the secret is shown. */
export const CreatedApiTokenSchema = ApiTokenRowSchema.extend({ token: z.string() });
export type CreatedApiToken = z.infer<typeof CreatedApiTokenSchema>;

/** `GET /api/health`. */
export const HealthSchema = z.object({
  /** `ok` when the database and Temporal answer; `degraded` otherwise (reads may still work). */
  status: z.enum(['ok', 'degraded']),
  uptimeSeconds: z.number(),
  database: z.object({ ok: z.boolean(), kind: z.string(), url: z.string(), error: z.string().nullable() }),
  temporal: z.object({
    ok: z.boolean(),
    address: z.string(),
    namespace: z.string(),
    serverVersion: z.string().nullable(),
    error: z.string().nullable(),
  }),
  versions: z.record(z.string(), z.string()),
  auth: z.object({ tokensRequiredForWrites: z.boolean() }),
});
export type Health = z.infer<typeof HealthSchema>;

// The interfaces in api.ts and the schemas above describe the same JSON: the build fails if they drift.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
type _SchemasMatchInterfaces = [
  Assert<Same<z.infer<typeof RunSummarySchema>, RunSummary>>,
  Assert<Same<z.infer<typeof SweepSummarySchema>, SweepSummary>>,
  Assert<Same<z.infer<typeof SweepDetailSchema>, SweepDetail>>,
  Assert<Same<z.infer<typeof Table1Schema>, Table1>>,
];

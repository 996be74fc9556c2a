import { z } from 'zod';
import type { RunSummary, SweepDetail, SweepSummary } from './api.js';
import { GridSpecSchema } from './grid.js';
import {
  DATASET_FORMATS,
  FUSION_NAMES,
  METHOD_NAMES,
  REPORT_RULES,
  RUN_STATUSES,
  SWEEP_STATUSES,
  TEXT_ENCODER_NAMES,
  TRAINING_ENGINES,
  TRAINING_MODES,
} from './names.js';
import { ERROR_CODES } from './errors.js';
import { pageSchema } from './pagination.js';

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
  /** Null where predictions are not on the MOS scale (CLIP-IQA's probabilities). */
  rmse: z.number().nullable(),
});

export const RunSummarySchema = z.object({
  id: z.string(),
  sweepId: z.string(),
  cellKey: z.string(),
  dataset: z.string(),
  /** `fusion-head` (a trained head) or `clip-iqa` (zero-shot, no text encoder, fusion or seed). */
  method: z.enum(METHOD_NAMES),
  textEncoder: z.enum(TEXT_ENCODER_NAMES).nullable(),
  imageEncoder: z.string(),
  fusion: z.enum(FUSION_NAMES).nullable(),
  splitRepeat: z.int(),
  seed: z.int().nullable(),
  status: z.enum(RUN_STATUSES),
  attempts: z.int(),
  backend: z.string().nullable(),
  /** The training engine that trained it (`tfjs` | `torch`), its version, the device and the dtype; null before training. */
  engine: z.enum(TRAINING_ENGINES).nullable(),
  engineVersion: z.string().nullable(),
  /** `cpu` or `cuda`. */
  device: z.string().nullable(),
  deviceName: z.string().nullable(),
  dtype: z.string().nullable(),
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
  /** Hidden from the runs explorer (POST /api/sweeps/:id/archive). */
  archived: z.boolean(),
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

/** `GET /api/sweeps/:id`: the sweep without its cells (`GET /api/sweeps/:id/runs` pages them). */
export const SweepDetailSchema = SweepSummarySchema.extend({
  grid: GridSpecSchema,
  progress: SweepProgressSchema,
});

/** `GET /api/sweeps`: newest first. */
export const SweepListSchema = pageSchema(SweepSummarySchema);
export type SweepList = z.infer<typeof SweepListSchema>;

/** `GET /api/sweeps/:id/runs`: a page of the sweep's cells in `cellKey` order. */
export const SweepRunsPageSchema = pageSchema(RunSummarySchema);
export type SweepRunsPage = z.infer<typeof SweepRunsPageSchema>;

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

/** `GET /api/runs/:id/epochs`: a page of the learning curve in epoch order. */
export const EpochPageSchema = pageSchema(EpochMetricSchema);
export type EpochPage = z.infer<typeof EpochPageSchema>;

/** `GET /api/runs/:id`; its epochs are paginated (`GET /api/runs/:id/epochs`). */
export const RunDetailSchema = RunSummarySchema.extend({
  /** Everything needed to reproduce the cell (hyper-parameters, head options, resolved model ids). */
  config: z.record(z.string(), z.unknown()),
  /** Machine that trained it (hostname, cpu, gpu where known). */
  machine: z.record(z.string(), z.unknown()).nullable(),
  workflowId: z.string().nullable(),
  /** Key of the latest checkpoint in the artefact store (`AGIQA_ARTIFACTS`), not a path on any machine. */
  checkpointKey: z.string().nullable(),
  /** The reported epoch's checkpoint (the latest under `last`); what restoring the run loads. */
  reportedCheckpointKey: z.string().nullable(),
  split: RunSplitSchema.nullable(),
  attemptsLog: z.array(RunAttemptSchema),
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

/**
 * One test item's prediction. A value that is not finite (a diverged head) is null, so a page
 * keeps every stored row and never carries NaN.
 */
export const PredictionSchema = z.object({
  key: z.string(),
  generator: z.string(),
  prompt: z.string(),
  predicted: z.number().nullable(),
  mos: z.number().nullable(),
});
export type Prediction = z.infer<typeof PredictionSchema>;

/** `GET /api/runs/:id/predictions`: a page of the reported epoch's test predictions, in dataset order. */
export const RunPredictionsSchema = pageSchema(PredictionSchema).extend({ runId: z.string(), dataset: z.string() });
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
  /** `p` after Holm's step-down correction over every test of the comparison (each run against the first). */
  pHolm: z.number(),
});
export type RunSignificance = z.infer<typeof RunSignificanceSchema>;

/** `GET /api/runs/compare?ids=a,b,c`: side by side, in the order asked. */
export const RunComparisonSchema = z.object({
  runs: z.array(RunSummarySchema),
  curves: z.array(z.object({ runId: z.string(), epochs: z.array(EpochMetricSchema) })),
  /** Each run against the first one, Holm-corrected across them; empty when a test is not possible (see `notes`). */
  significance: z.array(RunSignificanceSchema),
  notes: z.array(z.string()),
});
export type RunComparison = z.infer<typeof RunComparisonSchema>;

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
  /** Hidden from lists (POST /api/datasets/:id/archive); its runs stay. */
  archived: z.boolean(),
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
  database: z.object({
    ok: z.boolean(),
    kind: z.string(),
    url: z.string(),
    error: z.string().nullable(),
    /** Since when this API has seen the database unreachable (null while it answers). */
    unreachableSince: isoDate.nullable(),
    /** How long this check's query took to answer or fail, in ms (it waits its turn on the embedded database). */
    latencyMs: z.number(),
  }),
  temporal: z.object({
    ok: z.boolean(),
    address: z.string(),
    namespace: z.string(),
    serverVersion: z.string().nullable(),
    error: z.string().nullable(),
    /** How long Temporal took to answer `GetClusterInfo` or fail, in ms. */
    latencyMs: z.number(),
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
];

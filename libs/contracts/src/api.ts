import { z } from 'zod';
import type { SweepProgress } from './api-responses.js';
import { GridSpecSchema } from './grid.js';
import { pageQueryShape, type PageLimits } from './pagination.js';
import {
  DATASET_FORMATS,
  FUSION_NAMES,
  REPORT_RULES,
  RUN_STATUSES,
  SWEEP_STATUSES,
  TEXT_ENCODER_NAMES,
  TRAINING_MODES,
  type MethodName,
  type TrainingEngineName,
} from './names.js';

/** `POST /api/datasets`: register a dataset folder, read exactly as its authors ship it. */
export const RegisterDatasetBodySchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" and "-" only'),
    format: z.enum(DATASET_FORMATS),
    /** Folder (or manifest file for `manifest`) on the machine that runs the API and workers. */
    root: z.string().trim().min(1),
    /** Check that every image file exists (off: register from metadata only). */
    checkImages: z.boolean().default(true),
  })
  .strict();
export type RegisterDatasetBody = z.infer<typeof RegisterDatasetBodySchema>;

/** `POST /api/sweeps`. */
export const CreateSweepBodySchema = GridSpecSchema;

export const SCHEDULE_OVERLAP_POLICIES = ['skip', 'buffer_one', 'allow_all', 'cancel_other'] as const;

/** The longest schedule interval (a year); the column is a Postgres int4. */
const INTERVAL_MAX_S = 365 * 24 * 3600;

/** `POST /api/schedules`: retrain a grid on a cron or interval spec. */
export const CreateScheduleBodySchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    grid: GridSpecSchema,
    /** Cron expression (UTC), e.g. `0 3 * * 1`. */
    cron: z.string().trim().min(1).optional(),
    /** Interval in seconds, from a minute to a year. */
    intervalSeconds: z.int().min(60).max(INTERVAL_MAX_S, 'at most a year (31,536,000 s)').optional(),
    overlap: z.enum(SCHEDULE_OVERLAP_POLICIES).default('skip'),
    paused: z.boolean().default(false),
  })
  .strict()
  .refine((b) => (b.cron === undefined) !== (b.intervalSeconds === undefined), {
    message: 'give exactly one of cron or intervalSeconds',
    path: ['cron'],
  });
export type CreateScheduleBody = z.infer<typeof CreateScheduleBodySchema>;

/** `POST /api/datasets/inspect`: a dry run of registration (`name` optional: checked when given). */
export const InspectDatasetBodySchema = RegisterDatasetBodySchema.extend({
  name: RegisterDatasetBodySchema.shape.name.optional(),
}).strict();
export type InspectDatasetBody = z.infer<typeof InspectDatasetBodySchema>;

/** `POST /api/tokens`: the secret is returned once; only its sha256 is stored. */
export const CreateTokenBodySchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9._ -]+$/, 'use letters, digits, spaces, ".", "_" and "-" only'),
  })
  .strict();
export type CreateTokenBody = z.infer<typeof CreateTokenBodySchema>;

/** Page sizes of the paginated lists (see pagination.ts for the convention). */
export const PAGE_LIMITS = {
  /** `GET /api/sweeps`, newest first. */
  sweeps: { defaultLimit: 50, maxLimit: 200 },
  /** `GET /api/sweeps/:id/runs`: a sweep's cells (up to the per-sweep cell limit). */
  sweepRuns: { defaultLimit: 100, maxLimit: 500 },
  /** `GET /api/runs/:id/epochs`: one page holds a whole learning curve of up to 1,000 epochs. */
  epochs: { defaultLimit: 1000, maxLimit: 1000 },
  /** `GET /api/runs/:id/predictions`: one page holds AGIQA-3K's test split. */
  predictions: { defaultLimit: 1000, maxLimit: 1000 },
} as const satisfies Record<string, PageLimits>;

/** `GET /api/sweeps?status=&scheduleId=&limit=&offset=` (query strings, hence coercion). */
export const ListSweepsQuerySchema = z
  .object({
    status: z.enum(SWEEP_STATUSES).optional(),
    scheduleId: z.string().min(1).optional(),
    ...pageQueryShape(PAGE_LIMITS.sweeps),
  })
  .strict();
export type ListSweepsQuery = z.infer<typeof ListSweepsQuerySchema>;

/** `GET /api/sweeps/:id/runs?status=&limit=&offset=`: a sweep's cells in `cellKey` order. */
export const ListSweepRunsQuerySchema = z
  .object({
    status: z.enum(RUN_STATUSES).optional(),
    ...pageQueryShape(PAGE_LIMITS.sweepRuns),
  })
  .strict();
export type ListSweepRunsQuery = z.infer<typeof ListSweepRunsQuerySchema>;

/** `GET /api/runs/:id/epochs?limit=&offset=`: epoch rows in epoch order. */
export const ListEpochsQuerySchema = z.object(pageQueryShape(PAGE_LIMITS.epochs)).strict();
export type ListEpochsQuery = z.infer<typeof ListEpochsQuerySchema>;

/** `GET /api/runs/:id/predictions?limit=&offset=`: predictions in the dataset's item order. */
export const ListPredictionsQuerySchema = z.object(pageQueryShape(PAGE_LIMITS.predictions)).strict();
export type ListPredictionsQuery = z.infer<typeof ListPredictionsQuerySchema>;

/**
 * `GET /api/runs/compare?ids=a,b,c`: 2 to 100 distinct run ids; the first is the baseline. More
 * runs, or groups: `POST /api/runs/compare` (CompareBodySchema).
 */
export const CompareRunsQuerySchema = z
  .object({
    ids: z
      .string()
      .transform((v) => v.split(',').map((id) => id.trim()).filter(Boolean))
      .pipe(
        z
          .array(z.string())
          .min(2, 'give at least two run ids, comma-separated')
          .max(100, 'compare at most 100 runs here; POST /api/runs/compare takes any number')
          .refine((ids) => new Set(ids).size === ids.length, 'run ids must be distinct'),
      ),
  })
  .strict();
export type CompareRunsQuery = z.infer<typeof CompareRunsQuerySchema>;

/** Headline metrics of a finished run (at the epoch its report rule picked). */
export interface RunMetrics {
  srcc: number;
  plcc: number;
  plccLogistic: number | null;
  krcc: number;
  /** Null where predictions are not on the MOS scale (CLIP-IQA's probabilities). */
  rmse: number | null;
}

export interface RunSummary {
  id: string;
  sweepId: string;
  cellKey: string;
  dataset: string;
  /** `fusion-head` (a trained head) or `clip-iqa` (zero-shot: no text encoder, fusion or seed). */
  method: MethodName;
  textEncoder: (typeof TEXT_ENCODER_NAMES)[number] | null;
  imageEncoder: string;
  fusion: (typeof FUSION_NAMES)[number] | null;
  splitRepeat: number;
  seed: number | null;
  status: (typeof RUN_STATUSES)[number];
  attempts: number;
  backend: string | null;
  /** Training engine that trained it, its version, the device (`cpu` | `cuda`) and its name, the dtype; null before training. */
  engine: TrainingEngineName | null;
  engineVersion: string | null;
  device: string | null;
  deviceName: string | null;
  dtype: string | null;
  trainingMode: (typeof TRAINING_MODES)[number];
  reportRule: (typeof REPORT_RULES)[number];
  reportedEpoch: number | null;
  /** Latest epoch reached (progress while running). */
  epochsDone: number;
  epochs: number;
  metrics: RunMetrics | null;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface SweepSummary {
  id: string;
  name: string | null;
  status: (typeof SWEEP_STATUSES)[number];
  scheduleId: string | null;
  cellCount: number;
  counts: Record<(typeof RUN_STATUSES)[number], number>;
  createdAt: string;
  finishedAt: string | null;
  archived: boolean;
}

/** A sweep without its cells: those are paginated (`GET /api/sweeps/:id/runs`). */
export interface SweepDetail extends SweepSummary {
  grid: z.infer<typeof GridSpecSchema>;
  /** Epochs trained over all cells. */
  progress: SweepProgress;
}

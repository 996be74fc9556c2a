import { z } from 'zod';
import type { SweepProgress } from './api-responses.js';
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

/** `POST /api/schedules`: retrain a grid on a cron or interval spec. */
export const CreateScheduleBodySchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    grid: GridSpecSchema,
    /** Cron expression (UTC), e.g. `0 3 * * 1`. */
    cron: z.string().trim().min(1).optional(),
    /** Interval in seconds (≥ 60). */
    intervalSeconds: z.int().min(60).optional(),
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

/** `GET /api/sweeps?status=&scheduleId=&limit=&offset=` (query strings, hence coercion). */
export const ListSweepsQuerySchema = z
  .object({
    status: z.enum(SWEEP_STATUSES).optional(),
    scheduleId: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
export type ListSweepsQuery = z.infer<typeof ListSweepsQuerySchema>;

/** `GET /api/runs/compare?ids=a,b,c`: 2 to 8 distinct run ids; the first is the baseline. */
export const CompareRunsQuerySchema = z
  .object({
    ids: z
      .string()
      .transform((v) => v.split(',').map((id) => id.trim()).filter(Boolean))
      .pipe(
        z
          .array(z.string())
          .min(2, 'give at least two run ids, comma-separated')
          .max(8, 'compare at most 8 runs')
          .refine((ids) => new Set(ids).size === ids.length, 'run ids must be distinct'),
      ),
  })
  .strict();
export type CompareRunsQuery = z.infer<typeof CompareRunsQuerySchema>;

/** `GET /api/tables/1?dataset=`; omitted: the dataset with the most completed runs. */
export const Table1QuerySchema = z
  .object({
    dataset: z.string().min(1).optional(),
    /** Show the setting this sweep ran (default: the setting of the latest completed run). */
    sweep: z.string().min(1).optional(),
  })
  .strict();
export type Table1Query = z.infer<typeof Table1QuerySchema>;

/**
 * `GET /api/tables/2` and `/3`: which registered dataset stands for each of the paper's datasets.
 * Omitted: the dataset of that format (AGIQA-3K, AIGCIQA2023; PKU-I2IQA: a manifest dataset whose
 * name contains "pku") with the most completed runs of the measured configuration.
 */
export const PaperTablesQuerySchema = z
  .object({
    agiqa3k: z.string().min(1).optional(),
    aigciqa2023: z.string().min(1).optional(),
    pku_i2iqa: z.string().min(1).optional(),
  })
  .strict();
export type PaperTablesQuery = z.infer<typeof PaperTablesQuerySchema>;

/** Headline metrics of a finished run (at the epoch its report rule picked). */
export interface RunMetrics {
  srcc: number;
  plcc: number;
  plccLogistic: number | null;
  krcc: number;
  rmse: number;
}

export interface RunSummary {
  id: string;
  sweepId: string;
  cellKey: string;
  dataset: string;
  textEncoder: (typeof TEXT_ENCODER_NAMES)[number];
  imageEncoder: string;
  fusion: (typeof FUSION_NAMES)[number];
  splitRepeat: number;
  seed: number;
  status: (typeof RUN_STATUSES)[number];
  attempts: number;
  backend: string | null;
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
}

export interface SweepDetail extends SweepSummary {
  grid: z.infer<typeof GridSpecSchema>;
  runs: RunSummary[];
  /** Epochs trained over all cells (the API fills it). */
  progress?: SweepProgress;
}

/** One Table-1 cell: aggregated over the runs (seeds × split repeats) of that grid point. */
export interface TableCell {
  srcc: number;
  plcc: number;
  /** Standard deviation over runs (0 with one run). */
  srccStd: number;
  plccStd: number;
  runs: number;
  /** Set when any run used `best-on-test`: the figure is optimistic. */
  optimistic: boolean;
  /** The runs aggregated (provenance), where the producer lists them. */
  runIds?: string[];
}

/** `GET /api/tables/1`: text encoder × fusion → SRCC, PLCC, from Postgres. */
/**
 * What must be equal for runs to share a Table-1 cell: every grid option except the cell's own
 * (text encoder, fusion, seed, split repeat). Runs of different settings (another label, epoch
 * count, image encoder, split unit, head…) are never averaged together.
 */
export interface Table1Setting {
  imageEncoder: string;
  label: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  reportRule: string;
  trainingMode: string;
  split: { unit: string; train: number; val: number };
  head: Record<string, unknown>;
}

export interface Table1 {
  dataset: string | null;
  /** The setting the rows aggregate (null when nothing has completed). */
  setting: Table1Setting | null;
  /** Other settings with completed runs on this dataset (pick one with `?sweep=`). */
  otherSettings: number;
  fusions: (typeof FUSION_NAMES)[number][];
  rows: { textEncoder: string; cells: Partial<Record<(typeof FUSION_NAMES)[number], TableCell>> }[];
  /** The paper's figures for the same rows where the paper has them (see reference/). */
  reported: { textEncoder: string; cells: Partial<Record<(typeof FUSION_NAMES)[number], { srcc: number; plcc: number; uncertain?: boolean }>> }[];
}

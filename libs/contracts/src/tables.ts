import { z } from 'zod';
import { FUSION_NAMES, SWEEP_STATUSES } from './names.js';

/*
 * The paper's tables as the API serves them, and the queries that shape them. One aggregation rule
 * holds for every table (libs/db `tables/`):
 * - a replicate is one (setting, method, seed, split seed, split repeat) on one dataset; runs that
 *   repeat a replicate are duplicates and count once (the newest finished);
 * - completed runs of sweeps still pending or running are left out unless `inProgress=include`,
 *   and then every figure they touch is marked `inProgress`;
 * - runs of different settings are never averaged together (`SettingRef`);
 * - a measured figure is mean ± sample standard deviation over its replicates, with n and the
 *   difference to the paper's figure where the paper has one.
 */

/** PLCC as stored per run: raw Pearson, or Pearson after the VQEG 4-parameter logistic fit. */
export const PLCC_VARIANTS = ['raw', 'logistic'] as const;
export type PlccVariant = (typeof PLCC_VARIANTS)[number];

/** Whether completed runs of sweeps still in progress count (marked) or are left out. */
export const IN_PROGRESS_MODES = ['exclude', 'include'] as const;
export type InProgressMode = (typeof IN_PROGRESS_MODES)[number];

/** What `GET /api/tables/*` can answer with (`?format=`). */
export const TABLE_FORMATS = ['json', 'latex', 'csv', 'md'] as const;
export type TableFormat = (typeof TABLE_FORMATS)[number];

/**
 * How a table picked the setting its measured figures come from:
 * `paper-protocol` the platform's default grid (the paper's stated protocol, documented defaults
 * where it is silent); `latest` the setting of the latest completed run (Table 1 only, when no
 * run follows the paper's protocol); `setting` / `sweep` asked for by `?setting=` / `?sweep=`.
 */
export const SETTING_SELECTIONS = ['paper-protocol', 'latest', 'setting', 'sweep'] as const;
export type SettingSelection = (typeof SETTING_SELECTIONS)[number];

/** Flags a figure carries: `optimistic` (selected on the test set), `uncertain`, `conflict` (see PAPER_RESULTS notes). */
export const FIGURE_FLAGS = ['optimistic', 'uncertain', 'conflict'] as const;
export type FigureFlag = (typeof FIGURE_FLAGS)[number];

/**
 * One setting: every option of a run that can change its numbers except the cell's own
 * coordinates (method, text encoder, fusion) and the replicate's (seed, split seed, split repeat).
 * `fields` is the canonical record the id hashes; `summary` says it in one line.
 */
export const SettingRefSchema = z.object({
  /** `set_` + 12 hex digits of the SHA-256 of the canonical JSON of `fields`: stable across machines. */
  id: z.string(),
  summary: z.string(),
  /** Equal to the platform's default grid: the paper's protocol where it states one. */
  paperProtocol: z.boolean(),
  fields: z.record(z.string(), z.unknown()),
});
export type SettingRef = z.infer<typeof SettingRefSchema>;

export const SweepRefSchema = z.object({ id: z.string(), name: z.string().nullable(), status: z.enum(SWEEP_STATUSES) });
export type SweepRef = z.infer<typeof SweepRefSchema>;

/** Which setting a table shows and why, and what else there was to show. */
export const SelectionSchema = z.object({
  rule: z.enum(SETTING_SELECTIONS),
  setting: SettingRefSchema.nullable(),
  /** Set when `?sweep=` restricted the figures to that sweep's runs. */
  sweep: SweepRefSchema.nullable(),
  /** Other settings with completed runs of the table's methods on its dataset(s). */
  otherSettings: z.int(),
});
export type Selection = z.infer<typeof SelectionSchema>;

/** Completed runs the aggregation left out, and why (each counted once). */
export const ExclusionsSchema = z.object({
  /** Runs that repeat a replicate already counted by a newer run. */
  duplicates: z.int(),
  /** Runs of sweeps still pending or running (`inProgress=exclude`). */
  inProgress: z.int(),
  /** Runs whose SRCC or chosen PLCC is missing or not finite. */
  nonFinite: z.int(),
});
export type Exclusions = z.infer<typeof ExclusionsSchema>;

/** Ours − paper, where the paper reports a figure for the same cell. */
export const DeltaSchema = z.object({ srcc: z.number(), plcc: z.number() });

/** The options every table response echoes, so a figure never travels without how it was made. */
const aggregationFields = {
  plcc: z.enum(PLCC_VARIANTS),
  inProgress: z.enum(IN_PROGRESS_MODES),
  excluded: ExclusionsSchema,
  /** The caption an export prints: dataset, setting, selection rule, n, PLCC variant. */
  caption: z.string(),
  /** Anything a reader must know about these figures, in words. */
  notes: z.array(z.string()),
};

// --- Table 1 -------------------------------------------------------------------------------------

/** One Table-1 cell: mean ± sample std over the replicates of that (text encoder, fusion). */
export const TableCellSchema = z.object({
  srcc: z.number(),
  plcc: z.number(),
  /** Sample standard deviation (n − 1); null with one replicate. */
  srccStd: z.number().nullable(),
  plccStd: z.number().nullable(),
  /** Replicates aggregated. */
  n: z.int(),
  /** Set when any replicate picked its epoch on the test set (`best-on-test`). */
  optimistic: z.boolean(),
  /** Set when any replicate comes from a sweep still in progress (only with `inProgress=include`). */
  inProgress: z.boolean(),
  runIds: z.array(z.string()),
  delta: DeltaSchema.nullable(),
});
export type TableCell = z.infer<typeof TableCellSchema>;

const reportedCellSchema = z.object({ srcc: z.number(), plcc: z.number(), uncertain: z.boolean().optional() });

/** `GET /api/tables/1`: text encoder × fusion → SRCC, PLCC on one dataset and one setting. */
export const Table1Schema = z.object({
  dataset: z.string().nullable(),
  selection: SelectionSchema,
  fusions: z.array(z.enum(FUSION_NAMES)),
  rows: z.array(z.object({ textEncoder: z.string(), cells: z.partialRecord(z.enum(FUSION_NAMES), TableCellSchema) })),
  /** The paper's figures (AGIQA-3K) for the encoders it has. */
  reported: z.array(z.object({ textEncoder: z.string(), cells: z.partialRecord(z.enum(FUSION_NAMES), reportedCellSchema) })),
  ...aggregationFields,
});
export type Table1 = z.infer<typeof Table1Schema>;

// --- Tables 2 and 3 -------------------------------------------------------------------------------

/**
 * Where a figure comes from: `measured` aggregated from runs here; `reported` the reproduced
 * paper's own figure; `published` another paper's figure (reported-only, with its citation).
 */
export const FIGURE_SOURCES = ['measured', 'reported', 'published'] as const;
export type FigureSource = (typeof FIGURE_SOURCES)[number];

/** One number pair in a table with where it came from. */
export const FigureSchema = z.object({
  srcc: z.number(),
  plcc: z.number(),
  source: z.enum(FIGURE_SOURCES),
  /** Runs aggregated (one per replicate); empty for reported and published figures. */
  runIds: z.array(z.string()),
  /** Replicates aggregated; 0 for reported and published figures. */
  n: z.int(),
  srccStd: z.number().nullable(),
  plccStd: z.number().nullable(),
  /** Registered dataset the runs evaluated on (measured figures). */
  dataset: z.string().nullable(),
  flags: z.array(z.enum(FIGURE_FLAGS)),
  note: z.string().nullable(),
  inProgress: z.boolean(),
  /** Measured figures: ours − the paper's figure for the same method and dataset. */
  delta: DeltaSchema.nullable(),
});
export type Figure = z.infer<typeof FigureSchema>;

export const PAPER_DATASET_COLUMNS = ['agiqa3k', 'aigciqa2023', 'pku_i2iqa'] as const;
export type PaperDatasetColumn = (typeof PAPER_DATASET_COLUMNS)[number];

/** A method measured on this platform: a trained head at one grid point, or a zero-shot method. */
export const MeasuredConfigSchema = z.object({
  /** `fusion-head` (a trained fusion head) or a method that needs no training (`clip-iqa`). */
  method: z.string(),
  textEncoder: z.string().nullable(),
  fusion: z.string().nullable(),
  imageEncoder: z.string(),
});
export type MeasuredConfig = z.infer<typeof MeasuredConfigSchema>;

/** How a published figure was obtained, as far as its sources say ("not stated" otherwise). */
export const ProtocolSchema = z.object({
  splitUnit: z.string(),
  repeats: z.string(),
  epochSelection: z.string(),
});
export type Protocol = z.infer<typeof ProtocolSchema>;

export const CitationSchema = z.object({ reference: z.string(), url: z.string().nullable() });
export type Citation = z.infer<typeof CitationSchema>;

export const MethodRowSchema = z.object({
  method: z.string(),
  group: z.enum(['traditional', 'deep', 'clip']),
  proposed: z.boolean(),
  source: z.enum(FIGURE_SOURCES),
  /** Measured rows: what ran, and the setting its figures come from. */
  config: MeasuredConfigSchema.nullable(),
  setting: SettingRefSchema.nullable(),
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
  selection: SelectionSchema,
  rows: z.array(MethodRowSchema),
  /** How measured rows are chosen, in words. */
  rule: z.string(),
  ...aggregationFields,
});
export type Table2 = z.infer<typeof Table2Schema>;

export const Table3RowSchema = z.object({
  method: z.string(),
  proposed: z.boolean(),
  source: z.enum(FIGURE_SOURCES),
  figure: FigureSchema,
  config: MeasuredConfigSchema.nullable(),
  setting: SettingRefSchema.nullable(),
  /** Published rows: the paper the figure comes from, and its protocol. */
  citation: CitationSchema.nullable(),
  protocol: ProtocolSchema.nullable(),
});
export type Table3Row = z.infer<typeof Table3RowSchema>;

/** `GET /api/tables/3`: AGI-specific methods on AGIQA-3K. */
export const Table3Schema = z.object({
  dataset: z.string().nullable(),
  selection: SelectionSchema,
  rows: z.array(Table3RowSchema),
  rule: z.string(),
  ...aggregationFields,
});
export type Table3 = z.infer<typeof Table3Schema>;

// --- timing --------------------------------------------------------------------------------------

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
  /** Measurements aggregated: one per run (its newest) plus one per stand-alone benchmark row set. */
  measurements: z.int(),
  lastMeasuredAt: z.iso.datetime(),
  runIds: z.array(z.string()),
  /** Set when a measurement comes from a run of a sweep still in progress (`inProgress=include`). */
  inProgress: z.boolean(),
  /** The paper's figure for this text encoder (cross-attention model, authors' GPU server); null for tiny fixtures. */
  paperMs: z.number().nullable(),
});
export type TimingRow = z.infer<typeof TimingRowSchema>;

/** `GET /api/tables/timing`: measured inference latency beside the paper's 217 / 152 / 196 ms. */
export const TimingTableSchema = z.object({
  rows: z.array(TimingRowSchema),
  paper: z.object({ caption: z.string(), msPerImage: z.record(z.string(), z.number()) }),
  inProgress: z.enum(IN_PROGRESS_MODES),
  excluded: ExclusionsSchema,
  caption: z.string(),
  notes: z.array(z.string()),
});
export type TimingTable = z.infer<typeof TimingTableSchema>;

// --- settings and their comparison ---------------------------------------------------------------

/** `GET /api/tables/settings`: the settings with completed runs, for the table pages' pickers. */
export const SettingsListSchema = z.object({
  dataset: z.string().nullable(),
  inProgress: z.enum(IN_PROGRESS_MODES),
  settings: z.array(
    SettingRefSchema.extend({
      /** Replicates (after the aggregation rule) over every method of the setting on the dataset(s). */
      replicates: z.int(),
      /** Datasets it ran on. */
      datasets: z.array(z.string()),
      sweeps: z.array(SweepRefSchema.extend({ replicates: z.int() })),
      lastFinishedAt: z.iso.datetime().nullable(),
      /** Some of its counted runs come from sweeps still in progress (`inProgress=include`). */
      inProgress: z.boolean(),
    }),
  ),
});
export type SettingsList = z.infer<typeof SettingsListSchema>;

/** A paired test over matched replicates, with its Holm-adjusted p-value across the comparisons. */
const pairedResult = z.object({ statistic: z.number(), p: z.number(), pHolm: z.number() });

/**
 * `GET /api/tables/significance`: two settings (or sweeps) compared cell by cell over matched
 * replicates (same dataset, method, text encoder, fusion, seed, split seed and split repeat).
 */
export const SettingsComparisonSchema = z.object({
  dataset: z.string(),
  metric: z.enum(['srcc', 'plcc']),
  plcc: z.enum(PLCC_VARIANTS),
  inProgress: z.enum(IN_PROGRESS_MODES),
  a: z.object({ ref: z.string(), setting: SettingRefSchema, sweep: SweepRefSchema.nullable() }),
  b: z.object({ ref: z.string(), setting: SettingRefSchema, sweep: SweepRefSchema.nullable() }),
  comparisons: z.array(
    z.object({
      method: z.string(),
      textEncoder: z.string().nullable(),
      fusion: z.string().nullable(),
      /** Matched replicates. */
      n: z.int(),
      /** Replicates of each side without a partner on the other (left out of the tests). */
      unmatchedA: z.int(),
      unmatchedB: z.int(),
      meanA: z.number(),
      meanB: z.number(),
      /** mean(b − a) over matched replicates. */
      meanDiff: z.number(),
      /** scipy.stats.ttest_rel(b, a); null when undefined (fewer than 2 pairs, constant differences). */
      pairedT: pairedResult.extend({ df: z.int() }).nullable(),
      /** scipy.stats.wilcoxon(b, a) with its defaults; null when every difference is zero. */
      wilcoxon: pairedResult.extend({ method: z.enum(['exact', 'permutation', 'asymptotic']) }).nullable(),
      note: z.string().nullable(),
    }),
  ),
  /** `holm` over the comparisons that have a p-value, per test. */
  correction: z.literal('holm'),
  notes: z.array(z.string()),
});
export type SettingsComparison = z.infer<typeof SettingsComparisonSchema>;

// --- queries -------------------------------------------------------------------------------------

/** Query flags every table takes. */
const aggregationQuery = {
  plcc: z.enum(PLCC_VARIANTS).default('raw'),
  inProgress: z.enum(IN_PROGRESS_MODES).default('exclude'),
  format: z.enum(TABLE_FORMATS).default('json'),
};

/** A setting id as `GET /api/tables/settings` lists it. */
const settingId = z.string().regex(/^set_[0-9a-f]{12}$/, 'a setting id looks like set_0123456789ab (see GET /api/tables/settings)');

/**
 * `GET /api/tables/1`. `dataset` omitted: the sweep's first dataset with completed runs (with
 * `sweep`), else the dataset with the most completed runs. `setting` / `sweep` pick what the rows
 * aggregate (at most one of them); omitted: the paper's protocol when it has runs, else the latest.
 */
export const Table1QuerySchema = z
  .object({
    dataset: z.string().min(1).optional(),
    sweep: z.string().min(1).optional(),
    setting: settingId.optional(),
    ...aggregationQuery,
  })
  .strict()
  .refine((q) => q.sweep === undefined || q.setting === undefined, { message: 'give sweep or setting, not both', path: ['setting'] });
export type Table1Query = z.infer<typeof Table1QuerySchema>;
export type Table1QueryInput = z.input<typeof Table1QuerySchema>;

/**
 * `GET /api/tables/2` and `/3`: which registered dataset stands for each of the paper's datasets
 * (omitted: the dataset of that format — AGIQA-3K, AIGCIQA2023; PKU-I2IQA: a manifest dataset
 * whose name contains "pku" — with the most completed runs of the measured methods), and which
 * setting the measured rows show (omitted: the paper's protocol only; `sweep` also takes the
 * sweep's datasets for its columns). Table 3: `published=false` hides other papers' rows.
 */
export const PaperTablesQuerySchema = z
  .object({
    agiqa3k: z.string().min(1).optional(),
    aigciqa2023: z.string().min(1).optional(),
    pku_i2iqa: z.string().min(1).optional(),
    sweep: z.string().min(1).optional(),
    setting: settingId.optional(),
    published: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    ...aggregationQuery,
  })
  .strict()
  .refine((q) => q.sweep === undefined || q.setting === undefined, { message: 'give sweep or setting, not both', path: ['setting'] });
export type PaperTablesQuery = z.infer<typeof PaperTablesQuerySchema>;
export type PaperTablesQueryInput = z.input<typeof PaperTablesQuerySchema>;

/** `GET /api/tables/timing`. */
export const TimingQuerySchema = z
  .object({
    inProgress: z.enum(IN_PROGRESS_MODES).default('exclude'),
    format: z.enum(TABLE_FORMATS).default('json'),
  })
  .strict();
export type TimingQuery = z.infer<typeof TimingQuerySchema>;

/** `GET /api/tables/settings`: omitted dataset: every dataset. */
export const SettingsQuerySchema = z
  .object({
    dataset: z.string().min(1).optional(),
    inProgress: z.enum(IN_PROGRESS_MODES).default('exclude'),
  })
  .strict();
export type SettingsQuery = z.infer<typeof SettingsQuerySchema>;

/**
 * `GET /api/tables/significance?a=&b=`: each side a setting id (`set_…`: all its runs) or a sweep
 * id (that sweep's runs). `dataset` omitted: the one dataset both sides ran on (an error lists
 * them when there are several).
 */
export const SignificanceQuerySchema = z
  .object({
    a: z.string().min(1),
    b: z.string().min(1),
    dataset: z.string().min(1).optional(),
    metric: z.enum(['srcc', 'plcc']).default('srcc'),
    plcc: z.enum(PLCC_VARIANTS).default('raw'),
    inProgress: z.enum(IN_PROGRESS_MODES).default('exclude'),
  })
  .strict()
  .refine((q) => q.a !== q.b, { message: 'a and b must differ', path: ['b'] });
export type SignificanceQuery = z.infer<typeof SignificanceQuerySchema>;

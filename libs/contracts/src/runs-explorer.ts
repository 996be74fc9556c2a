import { z } from 'zod';
import { RunSummarySchema } from './api-responses.js';

/*
 * The runs explorer: `GET /api/runs` lists runs across sweeps with filters, a sort and an optional
 * group-by. Fields are named the same way everywhere (filter, sort, group, columns): a run column
 * (`fusion`, `seed`, `srcc`…) or `config.<path>` for any field of the run's config
 * (`config.learningRate`, `config.head.hiddenUnits`).
 */

/** Run columns the explorer filters, sorts and groups by; `config.<path>` reaches the rest. */
export const RUN_FIELDS = [
  'id',
  'cellKey',
  'status',
  'sweep',
  'sweepName',
  'dataset',
  'method',
  'textEncoder',
  'imageEncoder',
  'fusion',
  'splitRepeat',
  'seed',
  'trainingMode',
  'reportRule',
  'backend',
  'epochs',
  'epochsDone',
  'reportedEpoch',
  'srcc',
  'plcc',
  'plccLogistic',
  'krcc',
  'rmse',
  'createdAt',
  'finishedAt',
  'tag',
] as const;
export type RunField = (typeof RUN_FIELDS)[number];

/** Headline metrics a group aggregates (mean ± sample std over its runs that have them). */
export const RUN_METRICS = ['srcc', 'plcc', 'plccLogistic', 'krcc', 'rmse'] as const;
export type RunMetricName = (typeof RUN_METRICS)[number];

const CONFIG_PATH = /^config\.[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** A field name: a run column or `config.<path>`; the message lists the columns. */
export const RunFieldNameSchema = z
  .string()
  .trim()
  .refine((f) => (RUN_FIELDS as readonly string[]).includes(f) || CONFIG_PATH.test(f), {
    message: `unknown field; use one of ${RUN_FIELDS.join(', ')}, or config.<path> (e.g. config.learningRate)`,
  });

export const FILTER_OPERATORS = ['=', '!=', '>=', '<=', '>', '<', '~'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** One parsed `filter=` condition: `fusion=concat`, `srcc>=0.8`, `config.learningRate=0.001`, `cellKey~tiny`. */
export interface RunFilter {
  field: string;
  op: FilterOperator;
  /** `a|b` means any of them (for `=` and `!=`). */
  values: string[];
}

/** `field op value`, operators longest first so that `>=` is not read as `>`. */
const FILTER_PATTERN = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(!=|>=|<=|=|>|<|~)\s*(.*?)\s*$/;

export function parseRunFilter(text: string): RunFilter | string {
  const match = FILTER_PATTERN.exec(text);
  if (!match) return `"${text}" is not a condition; write field=value, field>=number, field~text (e.g. fusion=concat, srcc>=0.8)`;
  const [, field, op, raw] = match;
  const named = RunFieldNameSchema.safeParse(field);
  if (!named.success) return `"${field}": ${named.error.issues[0].message}`;
  if (raw === '') return `"${text}" has no value`;
  const values = op === '=' || op === '!=' ? raw.split('|').map((v) => v.trim()) : [raw];
  if ((op === '>' || op === '<' || op === '>=' || op === '<=') && !Number.isFinite(Number(raw)) && !/^\d{4}-\d\d-\d\d/.test(raw)) {
    return `"${text}": ${op} compares numbers or dates, got "${raw}"`;
  }
  return { field, op: op as FilterOperator, values };
}

const commaList = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(item));

/** One `filter` or several (`?filter=fusion=concat&filter=srcc>=0.8`). */
const FilterParamSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((v, ctx) => {
    const texts = Array.isArray(v) ? v : [v];
    const filters: RunFilter[] = [];
    for (const [i, text] of texts.entries()) {
      const parsed = parseRunFilter(text);
      if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', path: [i], message: parsed });
      else filters.push(parsed);
    }
    return filters;
  });

/** `sort=-srcc` (descending) or `sort=seed`; several comma-separated, applied in order. */
const SortParamSchema = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(
    z.array(
      z.string().transform((s, ctx) => {
        const desc = s.startsWith('-');
        const field = desc ? s.slice(1) : s;
        const named = RunFieldNameSchema.safeParse(field);
        if (!named.success) ctx.addIssue({ code: 'custom', message: `sort "${field}": ${named.error.issues[0].message}` });
        return { field, desc };
      }),
    ),
  );

/** Most run ids a group lists (`groupRunIds`); `runs` still counts them all. */
export const GROUP_RUN_IDS_MAX = 1000;

/** `GET /api/runs`: filter, sort, group, paginate (query strings, hence coercion). */
export const ListRunsQuerySchema = z
  .object({
    /** Conditions, all of which a run must meet (see `parseRunFilter`). */
    filter: FilterParamSchema.optional(),
    /** Sort keys; numbers sort as numbers. Default `-createdAt`. */
    sort: SortParamSchema.optional(),
    /** Group by these fields (comma-separated): the answer lists groups with mean ± std and n. */
    groupBy: commaList(RunFieldNameSchema).optional(),
    /** Archived runs (and runs of archived sweeps) are hidden unless asked for. */
    archived: z.enum(['exclude', 'include', 'only']).default('exclude'),
    /**
     * With `groupBy`: how many of each group's run ids to list (oldest first). None by default:
     * a group page answers what the explorer shows, and Compare takes the explorer query itself.
     */
    groupRunIds: z.coerce.number().int().min(0).max(GROUP_RUN_IDS_MAX).default(0),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
export type ListRunsQuery = z.infer<typeof ListRunsQuerySchema>;

/** A run as the explorer lists it: the summary plus what the explorer shows and filters on. */
export const RunRowSchema = RunSummarySchema.extend({
  sweepName: z.string().nullable(),
  tags: z.array(z.string()),
  note: z.string().nullable(),
  archived: z.boolean(),
  createdAt: z.iso.datetime(),
  /** The run's config (grid options, head options, resolved model ids): `config.<path>` columns. */
  config: z.record(z.string(), z.unknown()),
});
export type RunRow = z.infer<typeof RunRowSchema>;

/** Mean ± sample standard deviation of one metric over the runs of a group that have it. */
export const MetricStatSchema = z.object({
  mean: z.number().nullable(),
  /** Sample standard deviation (n − 1); null with fewer than two values. */
  std: z.number().nullable(),
  n: z.int(),
});
export type MetricStat = z.infer<typeof MetricStatSchema>;

export const RunGroupSchema = z.object({
  /** The grouped fields' values (as text; null where a run lacks the field). */
  key: z.record(z.string(), z.string().nullable()),
  /** Runs in the group, by status. */
  runs: z.int(),
  completed: z.int(),
  metrics: z.record(z.enum(RUN_METRICS), MetricStatSchema),
  /** The first `groupRunIds` of the group's run ids, oldest first (none unless asked). */
  runIds: z.array(z.string()),
});
export type RunGroup = z.infer<typeof RunGroupSchema>;

/** `GET /api/runs`: a page of runs, or with `groupBy` a page of groups. */
export const RunListSchema = z.object({
  items: z.array(RunRowSchema),
  groups: z.array(RunGroupSchema).nullable(),
  /** Runs (or groups, with `groupBy`) matching, over all pages. */
  total: z.int(),
  limit: z.int(),
  offset: z.int(),
});
export type RunList = z.infer<typeof RunListSchema>;

/** `PATCH /api/runs/:id`: tags and a free-text note. */
export const UpdateRunBodySchema = z
  .object({
    tags: z
      .array(z.string().trim().min(1).max(64).regex(/^[^,|]+$/, 'a tag cannot contain "," or "|"'))
      .max(50)
      .transform((tags) => [...new Set(tags)])
      .optional(),
    note: z.string().max(10_000).nullable().optional(),
  })
  .strict()
  .refine((b) => b.tags !== undefined || b.note !== undefined, { message: 'give tags, note or both' });
export type UpdateRunBody = z.infer<typeof UpdateRunBodySchema>;

/** `POST /api/{runs|sweeps|datasets}/:id/archive` and `/unarchive`. */
export const ArchiveResultSchema = z.object({ id: z.string(), kind: z.enum(['run', 'sweep', 'dataset']), archived: z.boolean() });
export type ArchiveResult = z.infer<typeof ArchiveResultSchema>;

/** `DELETE /api/{runs|sweeps|datasets}/:id`: what went with it. */
export const DeleteResultSchema = z.object({
  id: z.string(),
  kind: z.enum(['run', 'sweep', 'dataset']),
  deleted: z.object({ runs: z.int(), epochMetrics: z.int(), predictions: z.int(), artifacts: z.int() }),
});
export type DeleteResult = z.infer<typeof DeleteResultSchema>;


// --- Compare -------------------------------------------------------------------------------------

/** Most runs one comparison takes (the page stays interactive well past 1,000). */
export const COMPARE_MAX_RUNS = 5000;

/**
 * `POST /api/runs/compare`: the runs to compare, by id or as an explorer query. With `groupBy`,
 * each group is one series (replicates pooled); otherwise each run is one.
 */
export const CompareBodySchema = z
  .object({
    ids: z
      .array(z.string().min(1))
      .max(COMPARE_MAX_RUNS, `compare at most ${COMPARE_MAX_RUNS} runs`)
      .refine((ids) => new Set(ids).size === ids.length, 'run ids must be distinct')
      .optional(),
    /** Explorer conditions (`fusion=concat`…), as `GET /api/runs` takes them. */
    filter: z.array(z.string()).max(50).optional(),
    groupBy: z.array(RunFieldNameSchema).max(8).optional(),
    archived: z.enum(['exclude', 'include', 'only']).default('exclude'),
  })
  .strict()
  .refine((b) => (b.ids !== undefined) !== (b.filter !== undefined || b.groupBy !== undefined), {
    message: 'give either ids or an explorer query (filter and/or groupBy)',
  })
  .refine((b) => b.ids === undefined || b.ids.length >= 2, { message: 'give at least two run ids', path: ['ids'] });
export type CompareBody = z.infer<typeof CompareBodySchema>;

/** A series of the comparison: one run, or one group of replicates. */
export const CompareSeriesSchema = z.object({
  key: z.string(),
  label: z.string(),
  runIds: z.array(z.string()),
  metrics: z.record(z.enum(RUN_METRICS), MetricStatSchema),
});

/** One run as parallel coordinates draw it: its varying config fields and its metrics. */
export const CompareRunPointSchema = z.object({
  id: z.string(),
  series: z.string(),
  cellKey: z.string(),
  status: z.string(),
  /** Field → value (as text) for each of `dimensions`. */
  values: z.record(z.string(), z.string().nullable()),
  srcc: z.number().nullable(),
  plcc: z.number().nullable(),
});

/** Mean test SRCC / PLCC per epoch over a series' runs (one value per run and epoch). */
export const CompareCurveSchema = z.object({
  series: z.string(),
  points: z.array(
    z.object({ epoch: z.int(), testSrcc: z.number().nullable(), testPlcc: z.number().nullable(), trainLoss: z.number().nullable(), n: z.int() }),
  ),
});

/** A pairwise test of two series' SRCC, with Holm's correction over all pairs. */
export const PairwiseTestSchema = z.object({
  a: z.string(),
  b: z.string(),
  /**
   * `welch`: Welch's t over the replicates' SRCC (groups); `steiger` (same test items: dependent
   * correlations sharing the MOS) / `fisher` (different items): two single runs' predictions.
   */
  test: z.enum(['welch', 'steiger', 'fisher']),
  /** t (Welch) or z (Steiger, Fisher); positive when `a`'s SRCC is the higher one. */
  statistic: z.number(),
  p: z.number(),
  /** Holm-adjusted p over the pairs tested in this comparison. */
  pHolm: z.number(),
  /** Finished runs (Welch), test items (Steiger), or both runs' test items (Fisher). */
  n: z.int(),
});

export const ComparisonSchema = z.object({
  series: z.array(CompareSeriesSchema),
  runs: z.array(CompareRunPointSchema),
  /** Config fields (and run columns) whose values differ between the runs: parallel-coordinates axes. */
  dimensions: z.array(z.string()),
  /** One curve per series, up to `curvesLimit` series (the rest: see notes). */
  curves: z.array(CompareCurveSchema),
  pairwise: z.array(PairwiseTestSchema),
  notes: z.array(z.string()),
});
export type Comparison = z.infer<typeof ComparisonSchema>;

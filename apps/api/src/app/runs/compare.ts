import {
  COMPARE_MAX_RUNS,
  invalidInput,
  notFound,
  parseRunFilter,
  RUN_METRICS,
  type CompareBody,
  type Comparison,
  type MetricStat,
  type RunMetricName,
} from '@agiqa/contracts';
import { fromDbMethod, type PrismaClient } from '@agiqa/db';
import { loadPredictionSets } from './prediction-sets.js';
import { fieldSql, orderSql, Params, whereSql } from './run-query.js';
import type { RunPredictionSet } from './significance.js';

/** Series that get a learning curve and pairwise tests; past it the page shows the first ones. */
export const CURVE_SERIES_LIMIT = 40;
/** Axes of the parallel coordinates at most (the fields that vary most come first). */
const MAX_DIMENSIONS = 12;
/** Run columns offered as parallel-coordinates axes besides the config's own fields. */
const COLUMN_DIMENSIONS = ['dataset', 'method', 'textEncoder', 'imageEncoder', 'fusion', 'splitRepeat', 'seed'] as const;

interface RunPoint {
  id: string;
  cellKey: string;
  status: string;
  series: string;
  label: string;
  fields: Record<string, string | null>;
  metrics: Record<RunMetricName, number | null>;
}

/**
 * Compares any number of runs (by id, or an explorer query), each run or each group one series:
 * mean ± std and n of every metric per series, the runs as points for parallel coordinates (the
 * fields that vary between them as axes), mean learning curves per series (one SQL aggregate), and
 * pairwise tests of the series' SRCC with Holm's correction (`pairwiseTests`: Welch over replicates
 * for groups, Steiger / Fisher on the predictions for single runs).
 */
export async function compareRuns(prisma: PrismaClient, body: CompareBody): Promise<Comparison> {
  const selected = body.ids ? await runsById(prisma, body.ids) : await runsByQuery(prisma, body);
  if (selected.length < 2) throw invalidInput(`a comparison needs at least two runs; ${selected.length} matched`);
  const points = await loadPoints(prisma, selected);
  const seriesKeys = [...new Set(points.map((p) => p.series))];
  const series = seriesKeys.map((key) => {
    const own = points.filter((p) => p.series === key);
    return {
      key,
      label: own[0].label,
      runIds: own.map((p) => p.id),
      metrics: Object.fromEntries(RUN_METRICS.map((m) => [m, stat(own.map((p) => p.metrics[m]))])) as Record<RunMetricName, MetricStat>,
    };
  });
  const dimensions = varyingFields(points);
  const notes: string[] = [];
  const curved = series.slice(0, CURVE_SERIES_LIMIT);
  if (series.length > curved.length) notes.push(`learning curves and pairwise tests cover the first ${CURVE_SERIES_LIMIT} of ${series.length} series`);
  const curves = await meanCurves(prisma, curved);
  // A series of one run is tested on its predictions (Steiger / Fisher): load them for those.
  const singleRuns = curved.filter((s) => s.runIds.length === 1).map((s) => s.runIds[0]);
  const predictions = singleRuns.length >= 2 ? await loadPredictionSets(prisma, singleRuns) : new Map<string, RunPredictionSet>();
  const { pairwiseTests } = await import('./pairwise.js');
  const pairwise = pairwiseTests(
    curved.map((s) => ({ key: s.key, srcc: points.filter((p) => p.series === s.key).map((p) => p.metrics.srcc), predictions: predictions.get(s.runIds[0]) })),
    notes,
  );
  return {
    series,
    runs: points.map((p) => ({
      id: p.id,
      series: p.series,
      cellKey: p.cellKey,
      status: p.status,
      values: Object.fromEntries(dimensions.map((d) => [d, p.fields[d] ?? null])),
      srcc: p.metrics.srcc,
      plcc: p.metrics.plcc,
    })),
    dimensions,
    curves,
    pairwise,
    notes,
  };
}

/** The runs asked for, in that order, each its own series. */
async function runsById(prisma: PrismaClient, ids: string[]): Promise<{ id: string; series: string; label: string | null }[]> {
  const found = await prisma.run.findMany({ where: { id: { in: ids } }, select: { id: true } });
  const have = new Set(found.map((r) => r.id));
  const missing = ids.filter((id) => !have.has(id));
  if (missing.length > 0) throw notFound(`no run with id ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  return ids.map((id) => ({ id, series: id, label: null }));
}

/** Runs matching an explorer query; with `groupBy`, the series is the group (`fusion=concat, seed=1`). */
async function runsByQuery(prisma: PrismaClient, body: CompareBody): Promise<{ id: string; series: string; label: string | null }[]> {
  const filter = (body.filter ?? []).map((text, i) => {
    const parsed = parseRunFilter(text);
    if (typeof parsed === 'string') throw invalidInput(`filter.${i}: ${parsed}`, [{ path: `filter.${i}`, message: parsed }]);
    return parsed;
  });
  const groupBy = body.groupBy ?? [];
  const params = new Params();
  const where = whereSql({ filter, archived: body.archived }, params);
  const keys = groupBy.map((field, i) => `${fieldSql(field).expr}::text AS k${i}`);
  const text =
    `SELECT r."id" AS id${keys.map((k) => `, ${k}`).join('')} FROM "Run" r JOIN "Sweep" s ON s."id" = r."sweepId" JOIN "Dataset" d ON d."id" = r."datasetId" ` +
    `${where} ${orderSql(undefined)} LIMIT ${params.add(COMPARE_MAX_RUNS + 1)}`;
  const rows = await prisma.$queryRawUnsafe<Record<string, string | null>[]>(text, ...params.values);
  if (rows.length > COMPARE_MAX_RUNS) throw invalidInput(`the query matches more than ${COMPARE_MAX_RUNS} runs: narrow it with filters`);
  return rows.map((row) => {
    const id = row.id as string;
    if (groupBy.length === 0) return { id, series: id, label: null };
    const label = groupBy.map((field, i) => `${field}=${row[`k${i}`] ?? '—'}`).join(', ');
    return { id, series: label, label };
  });
}

async function loadPoints(prisma: PrismaClient, selected: { id: string; series: string; label: string | null }[]): Promise<RunPoint[]> {
  const records = await prisma.run.findMany({
    where: { id: { in: selected.map((s) => s.id) } },
    select: {
      id: true, cellKey: true, status: true, method: true, textEncoder: true, imageEncoder: true, fusion: true, seed: true, splitRepeat: true, config: true,
      srcc: true, plcc: true, plccLogistic: true, krcc: true, rmse: true, dataset: { select: { name: true } },
    },
  });
  const byId = new Map(records.map((r) => [r.id, r]));
  return selected.flatMap(({ id, series, label }) => {
    const r = byId.get(id);
    if (!r) return [];
    const fields: Record<string, string | null> = {
      dataset: r.dataset.name,
      method: fromDbMethod(r.method),
      textEncoder: r.textEncoder,
      imageEncoder: r.imageEncoder,
      fusion: r.fusion,
      splitRepeat: String(r.splitRepeat),
      seed: r.seed === null ? null : String(r.seed),
      ...flattenConfig(r.config),
    };
    const metrics = Object.fromEntries(RUN_METRICS.map((m) => [m, finite(r[m])])) as Record<RunMetricName, number | null>;
    return [{ id, cellKey: r.cellKey, status: r.status, series, label: label ?? r.cellKey, fields, metrics }];
  });
}

/** `config.head.hiddenUnits` → "512" for every scalar leaf of the run's config. */
export function flattenConfig(config: unknown, prefix = 'config'): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return out;
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    const path = `${prefix}.${key}`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) Object.assign(out, flattenConfig(value, path));
    else out[path] = value === null || value === undefined ? null : Array.isArray(value) ? JSON.stringify(value) : String(value);
  }
  return out;
}

/** Fields whose values differ between runs, run columns first, most distinct values first. */
function varyingFields(points: RunPoint[]): string[] {
  const fields = new Set(points.flatMap((p) => Object.keys(p.fields)));
  const varying = [...fields]
    .map((field) => ({ field, distinct: new Set(points.map((p) => p.fields[field] ?? null)).size }))
    .filter((f) => f.distinct > 1);
  const rank = (f: string) => {
    const i = (COLUMN_DIMENSIONS as readonly string[]).indexOf(f);
    return i < 0 ? COLUMN_DIMENSIONS.length : i;
  };
  return varying
    .sort((a, b) => rank(a.field) - rank(b.field) || b.distinct - a.distinct || a.field.localeCompare(b.field))
    .slice(0, MAX_DIMENSIONS)
    .map((f) => f.field);
}

/** Per series and epoch, the mean of each curve metric over its runs: one aggregate query. */
async function meanCurves(prisma: PrismaClient, series: { key: string; runIds: string[] }[]): Promise<Comparison['curves']> {
  const runIds = series.flatMap((s) => s.runIds);
  const seriesOf = series.flatMap((s) => s.runIds.map(() => s.key));
  if (runIds.length === 0) return [];
  const finiteAvg = (column: string) => `avg(NULLIF(NULLIF(NULLIF(e."${column}", 'NaN'::float8), 'Infinity'::float8), '-Infinity'::float8))`;
  const rows = await prisma.$queryRawUnsafe<{ series: string; epoch: number; testSrcc: number | null; testPlcc: number | null; trainLoss: number | null; n: bigint }[]>(
    `SELECT m.series, e."epoch" AS epoch, ${finiteAvg('testSrcc')} AS "testSrcc", ${finiteAvg('testPlcc')} AS "testPlcc", ${finiteAvg('trainLoss')} AS "trainLoss", count(*) AS n ` +
      `FROM unnest($1::text[], $2::text[]) AS m(run_id, series) JOIN "EpochMetric" e ON e."runId" = m.run_id ` +
      `GROUP BY m.series, e."epoch" ORDER BY m.series, e."epoch"`,
    runIds,
    seriesOf,
  );
  return series.map((s) => ({
    series: s.key,
    points: rows
      .filter((r) => r.series === s.key)
      .map((r) => ({ epoch: Number(r.epoch), testSrcc: finite(r.testSrcc), testPlcc: finite(r.testPlcc), trainLoss: finite(r.trainLoss), n: Number(r.n) })),
  }));
}

/** Mean, sample standard deviation (n − 1) and n of the values that exist. */
export function stat(values: readonly (number | null)[]): MetricStat {
  const xs = values.filter((v): v is number => v !== null);
  const n = xs.length;
  if (n === 0) return { mean: null, std: null, n: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : null;
  return { mean, std, n };
}

function finite(value: unknown): number | null {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

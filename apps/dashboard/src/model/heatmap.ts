import type { MetricStat, RunMetrics, RunSummary } from '@agiqa/contracts';

/** Metrics the sweep heatmap can be coloured by; `rmse` is better when lower. */
export const HEATMAP_METRICS = ['srcc', 'plcc', 'plccLogistic', 'krcc', 'rmse'] as const;
export type HeatmapMetric = (typeof HEATMAP_METRICS)[number];

export const HEATMAP_METRIC_LABEL: Record<HeatmapMetric, string> = {
  srcc: 'SRCC',
  plcc: 'PLCC',
  plccLogistic: 'PLCC (logistic)',
  krcc: 'KRCC',
  rmse: 'RMSE',
};

/** What one heatmap cell shows: the metric over its completed runs and what is still training. */
export interface HeatCell {
  stat: MetricStat;
  /** Running runs' epoch progress, e.g. `["12/100"]`. */
  running: string[];
  pending: number;
  failed: number;
}

export function heatCell(point: { runs: readonly Pick<RunSummary, 'status' | 'metrics' | 'epochsDone' | 'epochs'>[] }, metric: HeatmapMetric): HeatCell {
  const values = point.runs
    .filter((r) => r.status === 'completed')
    .map((r) => r.metrics?.[metric as keyof RunMetrics] ?? null)
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const n = values.length;
  const mean = n ? values.reduce((a, b) => a + b, 0) / n : null;
  const std = n > 1 && mean !== null ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : null;
  return {
    stat: { mean, std, n },
    running: point.runs.filter((r) => r.status === 'running').map((r) => `${r.epochsDone}/${r.epochs}`),
    pending: point.runs.filter((r) => r.status === 'pending').length,
    failed: point.runs.filter((r) => r.status === 'failed').length,
  };
}

/**
 * Background colour of a cell on a white → blue scale over the sweep's range of the metric
 * (reversed for RMSE, where lower is better); null without a value.
 */
export function heatColour(value: number | null, range: { min: number; max: number }, metric: HeatmapMetric): string | null {
  if (value === null) return null;
  const span = range.max - range.min;
  let t = span > 0 ? (value - range.min) / span : 1;
  if (metric === 'rmse') t = 1 - t;
  t = Math.min(1, Math.max(0, t));
  // #eef4fb → #1565c0
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  return `rgb(${mix(238, 21)}, ${mix(244, 101)}, ${mix(251, 192)})`;
}

/** Text colour readable on `heatColour` at that value. */
export function heatTextColour(value: number | null, range: { min: number; max: number }, metric: HeatmapMetric): string {
  if (value === null) return 'inherit';
  const span = range.max - range.min;
  let t = span > 0 ? (value - range.min) / span : 1;
  if (metric === 'rmse') t = 1 - t;
  return t > 0.55 ? '#fff' : '#1b1f24';
}

/** Min and max of the cells' means (the colour scale's range). */
export function heatRange(cells: readonly HeatCell[]): { min: number; max: number } {
  const means = cells.map((c) => c.stat.mean).filter((v): v is number => v !== null);
  return means.length ? { min: Math.min(...means), max: Math.max(...means) } : { min: 0, max: 1 };
}

/**
 * Share of the grid's epochs that were really trained: a cancelled or failed cell counts the
 * epochs it reached, not all of them (so a cancelled sweep shows what ran, never 100 %).
 */
export function trainedFraction(runs: readonly Pick<RunSummary, 'status' | 'epochsDone' | 'epochs'>[]): { trained: number; total: number } {
  let trained = 0;
  let total = 0;
  for (const r of runs) {
    total += r.epochs;
    trained += r.status === 'completed' ? r.epochs : Math.min(r.epochsDone, r.epochs);
  }
  return { trained, total };
}

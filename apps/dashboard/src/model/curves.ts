import type { EpochMetricRow } from '@agiqa/contracts';
import type { Data, Layout, LayoutAxis } from 'plotly.js-dist-min';
import { finiteOrNull } from './format.js';

/** Which per-epoch series a comparison overlays. */
export type CurveMetric = 'testSrcc' | 'testPlcc' | 'trainLoss' | 'valSrcc';

export const CURVE_METRIC_LABEL: Record<CurveMetric, string> = {
  testSrcc: 'test SRCC',
  testPlcc: 'test PLCC',
  trainLoss: 'train loss',
  valSrcc: 'validation SRCC',
};

function sorted(epochs: readonly EpochMetricRow[]): EpochMetricRow[] {
  return [...epochs].sort((a, b) => a.epoch - b.epoch);
}

/** A series with its x (epoch) and y values, non-finite values as gaps (null). */
function series(epochs: readonly EpochMetricRow[], pick: (e: EpochMetricRow) => number | null): { x: number[]; y: (number | null)[] } {
  const rows = sorted(epochs);
  return { x: rows.map((e) => e.epoch), y: rows.map((e) => finiteOrNull(pick(e))) };
}

/**
 * The epoch axis: whole epochs only (one tick per epoch up to 20 epochs, plotly's choice beyond),
 * so that a 3-epoch run does not show epoch 1.5.
 */
export function epochAxis(epochs: Iterable<number>): Partial<LayoutAxis> {
  let max = 0;
  for (const e of epochs) if (Number.isFinite(e) && e > max) max = e;
  return { title: { text: 'epoch' }, ...(max <= 20 ? { dtick: 1, tick0: 1 } : { tickformat: 'd' }) };
}

/**
 * The curves of one run: test SRCC and PLCC (and validation ones when the run has a validation
 * share) on the left axis, train loss on the right axis. `reportedEpoch` is marked by a line.
 */
export function runCurves(epochs: readonly EpochMetricRow[], reportedEpoch: number | null): { data: Data[]; layout: Partial<Layout> } {
  const data: Data[] = [
    { type: 'scatter', mode: 'lines+markers', name: 'test SRCC', ...series(epochs, (e) => e.testSrcc) },
    { type: 'scatter', mode: 'lines+markers', name: 'test PLCC', ...series(epochs, (e) => e.testPlcc) },
  ];
  if (epochs.some((e) => finiteOrNull(e.valSrcc) !== null)) {
    data.push({ type: 'scatter', mode: 'lines', name: 'val SRCC', line: { dash: 'dot' }, ...series(epochs, (e) => e.valSrcc) });
    data.push({ type: 'scatter', mode: 'lines', name: 'val PLCC', line: { dash: 'dot' }, ...series(epochs, (e) => e.valPlcc) });
  }
  data.push({ type: 'scatter', mode: 'lines', name: 'train loss', yaxis: 'y2', line: { color: '#888' }, ...series(epochs, (e) => e.trainLoss) });
  const layout: Partial<Layout> = {
    xaxis: epochAxis(epochs.map((e) => e.epoch)),
    yaxis: { title: { text: 'correlation' } },
    yaxis2: { title: { text: 'train loss' }, overlaying: 'y', side: 'right', showgrid: false },
    // Room on the right for the second axis' ticks and title.
    margin: { l: 60, r: 80, t: 40, b: 50 },
    shapes:
      reportedEpoch !== null && Number.isFinite(reportedEpoch)
        ? [{ type: 'line', x0: reportedEpoch, x1: reportedEpoch, yref: 'paper', y0: 0, y1: 1, line: { dash: 'dash', color: '#555', width: 1 } }]
        : [],
  };
  return { data, layout };
}

/** One metric of several runs overlaid, one trace per run. */
export function overlaidCurves(curves: readonly { label: string; epochs: readonly EpochMetricRow[] }[], metric: CurveMetric): Data[] {
  return curves.map((c) => ({
    type: 'scatter',
    mode: 'lines',
    name: c.label,
    ...series(c.epochs, (e) => e[metric]),
  }));
}

/** Predictions against MOS with the identity line (predictions are on the MOS scale). */
export function predictionScatter(items: readonly { key: string; generator: string; predicted: number; mos: number }[]): Data[] {
  const byGenerator = new Map<string, typeof items[number][]>();
  for (const item of items) {
    if (finiteOrNull(item.predicted) === null || finiteOrNull(item.mos) === null) continue;
    byGenerator.set(item.generator, [...(byGenerator.get(item.generator) ?? []), item]);
  }
  const all = [...byGenerator.values()].flat();
  const data: Data[] = [...byGenerator.entries()].map(([generator, rows]) => ({
    type: 'scatter',
    mode: 'markers',
    name: generator || 'unknown generator',
    x: rows.map((r) => r.mos),
    y: rows.map((r) => r.predicted),
    text: rows.map((r) => r.key),
    marker: { size: 5, opacity: 0.7 },
    hovertemplate: '%{text}<br>MOS %{x:.3f}<br>predicted %{y:.3f}<extra></extra>',
  }));
  if (all.length > 0) {
    const values = all.flatMap((r) => [r.mos, r.predicted]);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    data.push({ type: 'scatter', mode: 'lines', name: 'predicted = MOS', x: [lo, hi], y: [lo, hi], line: { dash: 'dash', color: '#555', width: 1 }, hoverinfo: 'skip' });
  }
  return data;
}

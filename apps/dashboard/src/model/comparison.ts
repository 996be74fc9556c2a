import type { Comparison } from '@agiqa/contracts';
import type { Data } from 'plotly.js-dist-min';

/** One axis of plotly's parallel coordinates. */
export interface ParcoordsDimension {
  label: string;
  values: number[];
  tickvals?: number[];
  ticktext?: string[];
  range?: [number, number];
}

/**
 * Parallel coordinates of a comparison: one axis per varying field (numbers on a numeric axis,
 * anything else on a categorical one, values sorted), then SRCC and PLCC; one line per run,
 * coloured by its SRCC. Runs without metrics sit at the bottom of the metric axes (NaN would drop
 * the line).
 */
export function parcoordsDimensions(comparison: Pick<Comparison, 'runs' | 'dimensions'>): ParcoordsDimension[] {
  const runs = comparison.runs;
  const axes = comparison.dimensions.map((field): ParcoordsDimension => {
    const raw = runs.map((r) => r.values[field] ?? null);
    const numeric = raw.every((v) => v === null || (v.trim() !== '' && Number.isFinite(Number(v))));
    const label = field.replace(/^config\./, '');
    if (numeric) {
      const values = raw.map((v) => (v === null ? Number.NaN : Number(v)));
      return { label, values };
    }
    const categories = [...new Set(raw.map((v) => v ?? '—'))].sort();
    const index = new Map(categories.map((c, i) => [c, i]));
    return { label, values: raw.map((v) => index.get(v ?? '—') as number), tickvals: categories.map((_, i) => i), ticktext: categories };
  });
  const metric = (label: string, pick: (r: Comparison['runs'][number]) => number | null): ParcoordsDimension => {
    const present = runs.map(pick).filter((v): v is number => v !== null);
    const low = present.length ? Math.min(...present) : 0;
    const high = present.length ? Math.max(...present) : 1;
    return { label, values: runs.map((r) => pick(r) ?? low), range: [low, high === low ? low + 1e-6 : high] };
  };
  return [...axes, metric('SRCC', (r) => r.srcc), metric('PLCC', (r) => r.plcc)];
}

export function parcoordsTrace(comparison: Pick<Comparison, 'runs' | 'dimensions'>): Data {
  const dimensions = parcoordsDimensions(comparison);
  const srcc = dimensions.at(-2)?.values ?? [];
  return {
    type: 'parcoords',
    line: { color: srcc, colorscale: 'Viridis', showscale: true, colorbar: { title: { text: 'SRCC' } } },
    dimensions,
  } as unknown as Data;
}

/** Mean learning curves, one per series, with markers so that a one-epoch run still shows. */
export function seriesCurves(comparison: Pick<Comparison, 'curves' | 'series'>, metric: 'testSrcc' | 'testPlcc' | 'trainLoss'): Data[] {
  const labelOf = new Map(comparison.series.map((s) => [s.key, s.label]));
  return comparison.curves.map((c) => ({
    type: 'scatter',
    mode: 'lines+markers',
    marker: { size: 5 },
    name: labelOf.get(c.series) ?? c.series,
    x: c.points.map((p) => p.epoch),
    y: c.points.map((p) => p[metric]),
    connectgaps: false,
  }));
}

/** Predicted vs MOS, one marker colour per series (WebGL: thousands of points stay smooth). */
export function overlayTraces(sets: { label: string; items: { predicted: number | null; mos: number | null }[] }[]): Data[] {
  return sets.map((set) => {
    const points = set.items.filter((i) => i.predicted !== null && i.mos !== null);
    return {
      type: 'scattergl',
      mode: 'markers',
      name: set.label,
      marker: { size: 5, opacity: 0.6 },
      x: points.map((p) => p.mos as number),
      y: points.map((p) => p.predicted as number),
    } as Data;
  });
}

/** How the pairwise table names each test (what it compares in brackets). */
export const PAIRWISE_TEST_LABEL: Record<Comparison['pairwise'][number]['test'], string> = {
  welch: "Welch's t (replicates)",
  steiger: 'Steiger z (same test items)',
  fisher: 'Fisher z (different test items)',
};

/** The metrics the series table shows side by side, with their column headers. */
export const SERIES_METRICS = [
  ['srcc', 'SRCC'],
  ['plcc', 'PLCC'],
  ['plccLogistic', 'PLCC (logistic)'],
  ['krcc', 'KRCC'],
  ['rmse', 'RMSE'],
] as const satisfies readonly (readonly [keyof Comparison['series'][number]['metrics'], string])[];

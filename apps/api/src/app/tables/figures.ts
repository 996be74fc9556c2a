import type { Figure, FigureFlag } from '@agiqa/contracts';

/** A completed run's headline numbers, as the tables aggregate them. */
export interface MeasuredRun {
  id: string;
  srcc: number | null;
  plcc: number | null;
  /** Prisma's spelling (`best_on_test`) or the contracts' (`best-on-test`). */
  reportRule: string;
}

const isOptimistic = (rule: string) => rule === 'best_on_test' || rule === 'best-on-test';

/** Arithmetic mean; callers never pass an empty list. */
export function mean(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Sample standard deviation (n − 1), 0 for a single value. */
export function sampleStd(values: number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
}

/**
 * Mean ± std over the runs (seeds × split repeats) of one grid point. Runs whose metrics are missing
 * or not finite are left out, so a table never shows NaN; no usable run → null. `optimistic` when
 * any run picked its epoch on the test set.
 */
export function measuredFigure(runs: MeasuredRun[], dataset: string): Figure | null {
  const usable = runs.filter((r) => Number.isFinite(r.srcc) && Number.isFinite(r.plcc)) as (MeasuredRun & { srcc: number; plcc: number })[];
  if (usable.length === 0) return null;
  const srcc = usable.map((r) => r.srcc);
  const plcc = usable.map((r) => r.plcc);
  const flags: FigureFlag[] = usable.some((r) => isOptimistic(r.reportRule)) ? ['optimistic'] : [];
  return {
    srcc: mean(srcc),
    plcc: mean(plcc),
    source: 'measured',
    runIds: usable.map((r) => r.id),
    srccStd: sampleStd(srcc),
    plccStd: sampleStd(plcc),
    dataset,
    flags,
    note: flags.includes('optimistic') ? 'epoch selected on the test set (best-on-test): optimistic' : null,
  };
}

/** One of the paper's figures, with the flags PAPER_RESULTS attaches to it. */
export function reportedFigure(srcc: number, plcc: number, flags: FigureFlag[] = [], note: string | null = null): Figure {
  return { srcc, plcc, source: 'reported', runIds: [], srccStd: null, plccStd: null, dataset: null, flags, note };
}

/** Median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

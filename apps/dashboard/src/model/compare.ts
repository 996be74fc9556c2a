import type { RunComparison, RunSignificance, RunSummary } from '@agiqa/contracts';
import { formatNumber, MISSING } from './format.js';
import { encoderLabel, fusionLabel } from './labels.js';

/** A short, distinguishing label for a run in legends and tables. */
export function runLabel(run: Pick<RunSummary, 'cellKey' | 'id'>): string {
  return run.cellKey || run.id.slice(0, 8);
}

export interface SignificanceView {
  pair: string;
  test: string;
  baseline: string;
  other: string;
  delta: string;
  z: string;
  p: string;
  n: string;
  /** p < 0.05. */
  significant: boolean;
}

/** How each run's SRCC differs from the baseline's (the first run asked for). */
export function significanceRows(comparison: Pick<RunComparison, 'runs' | 'significance'>): SignificanceView[] {
  const label = new Map(comparison.runs.map((r) => [r.id, runLabel(r)]));
  return comparison.significance.map((s: RunSignificance) => ({
    pair: `${label.get(s.otherRunId) ?? s.otherRunId} vs ${label.get(s.baselineRunId) ?? s.baselineRunId}`,
    test: s.test === 'steiger' ? 'Steiger (same test items)' : 'Fisher z (independent test sets)',
    baseline: formatNumber(s.baseline),
    other: formatNumber(s.other),
    delta: Number.isFinite(s.other - s.baseline) ? `${s.other - s.baseline >= 0 ? '+' : ''}${(s.other - s.baseline).toFixed(4)}` : MISSING,
    z: formatNumber(s.z, 2),
    p: Number.isFinite(s.p) ? (s.p < 0.001 ? '< 0.001' : s.p.toFixed(3)) : MISSING,
    n: s.n2 === null ? String(s.n) : `${s.n} / ${s.n2}`,
    significant: Number.isFinite(s.p) && s.p < 0.05,
  }));
}

/** Side-by-side metrics rows: one per run, in the order asked (the first is the baseline). */
export function metricRows(runs: readonly RunSummary[]): { id: string; cells: string[]; optimistic: boolean }[] {
  return runs.map((r) => ({
    id: r.id,
    optimistic: r.reportRule === 'best-on-test' && r.metrics !== null,
    cells: [
      runLabel(r),
      encoderLabel(r.textEncoder),
      fusionLabel(r.fusion),
      r.dataset,
      r.status,
      formatNumber(r.metrics?.srcc),
      formatNumber(r.metrics?.plcc),
      formatNumber(r.metrics?.plccLogistic),
      formatNumber(r.metrics?.krcc),
      formatNumber(r.metrics?.rmse),
      r.reportRule,
      r.reportedEpoch === null ? MISSING : String(r.reportedEpoch),
    ],
  }));
}

export const METRIC_HEADERS = ['Run', 'Encoder', 'Fusion', 'Dataset', 'Status', 'SRCC', 'PLCC', 'PLCC (logistic)', 'KRCC', 'RMSE', 'Report rule', 'Epoch'] as const;

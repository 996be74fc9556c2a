import type { Comparison } from '@agiqa/contracts';
import { holmAdjust, welchTest } from '@agiqa/model';
import { compareSignificance, type RunPredictionSet } from './significance.js';

/** A series as the pairwise tests see it. */
export interface PairwiseSeries {
  key: string;
  /** SRCC of each of its runs (null: not finished, or not finite). */
  srcc: (number | null)[];
  /** For a series of one run: that run's stored test predictions. */
  predictions?: RunPredictionSet;
}

type RawTest = Omit<Comparison['pairwise'][number], 'pHolm'>;

/**
 * Pairwise tests of the series' SRCC, Holm-adjusted over all the pairs tested. The statistic is
 * positive when `a`'s SRCC is the higher one.
 * - Series with replicates (two or more finished runs each): Welch's t over the replicates' SRCC
 *   (seeds, split repeats).
 * - Series of a single run: its test predictions against the other run's — Steiger's test for
 *   dependent correlations when both predicted the same items, Fisher's z otherwise
 *   (`compareSignificance`).
 * A run is not tested against a group of replicates (different questions); series that fit
 * neither kind are left out. Notes say what was left out and why.
 * (Loaded lazily: @agiqa/model's barrel carries the ML runtimes.)
 */
export function pairwiseTests(series: PairwiseSeries[], notes: string[]): Comparison['pairwise'] {
  const replicated = series.map((s) => ({ key: s.key, values: s.srcc.filter((v): v is number => v !== null) })).filter((s) => s.values.length >= 2);
  const single = series.filter((s) => s.srcc.length === 1 && (s.predictions?.items.size ?? 0) > 0);
  const untested = series.length - replicated.length - single.length;
  if (untested > 0) {
    notes.push(
      `${untested} series left out of the pairwise tests: a test needs two or more finished runs per series (Welch over replicates) or a single run with stored predictions (Steiger / Fisher)`,
    );
  }
  if (replicated.length > 0 && single.length > 0) {
    notes.push(`single runs are tested against single runs and groups against groups: the ${replicated.length * single.length} pairs of a run and a group are not tested`);
  }
  const raw = [...welchPairs(replicated, notes), ...correlationPairs(single, notes)];
  const adjusted = holmAdjust(raw.map((r) => r.p));
  return raw.map((r, i) => ({ ...r, pHolm: adjusted[i] }));
}

function welchPairs(series: { key: string; values: number[] }[], notes: string[]): RawTest[] {
  const out: RawTest[] = [];
  forEachPair(series, (a, b) => {
    try {
      const r = welchTest(a.values, b.values);
      out.push({ a: a.key, b: b.key, test: 'welch', statistic: r.t, p: r.p, n: a.values.length + b.values.length });
    } catch (error) {
      notes.push(`${a.key} vs ${b.key}: ${(error as Error).message}`);
    }
  });
  return out;
}

function correlationPairs(series: PairwiseSeries[], notes: string[]): RawTest[] {
  const out: RawTest[] = [];
  forEachPair(series, (a, b) => {
    if (!a.predictions || !b.predictions) return;
    // Baseline b, other a: a positive z says a's SRCC is the higher one, as Welch's t does.
    const outcome = compareSignificance(b.predictions, a.predictions);
    if (!outcome.ok) return void notes.push(outcome.note);
    const r = outcome.result;
    out.push({ a: a.key, b: b.key, test: r.test, statistic: r.z, p: r.p, n: r.n + (r.n2 ?? 0) });
  });
  return out;
}

function forEachPair<T>(items: readonly T[], visit: (a: T, b: T) => void): void {
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) visit(items[i], items[j]);
}

import { invalidInput } from '@agiqa/contracts';
import { averageRanks } from '../metrics/correlation.js';
import { pairedVectors, type NumericVector } from '../metrics/input.js';
import { normalTwoSidedP } from './distributions.js';

/*
 * Wilcoxon signed-rank test, written here rather than taken from a package because the tables
 * compare settings over a handful of seeds and split repeats, where the p-value depends on which
 * null distribution is used (exact, permutation or normal), and the figures must match what a
 * reviewer gets from `scipy.stats.wilcoxon(a, b)`. It mirrors SciPy 1.17's defaults exactly
 * (zero_method 'wilcox', no continuity correction, method 'auto') and is checked against SciPy
 * fixtures written by tools/scipy_metrics_reference.py.
 */

/** How the two-sided p-value was computed (SciPy `method='auto'` picks one). */
export type WilcoxonMethod = 'exact' | 'permutation' | 'asymptotic';

export interface WilcoxonResult {
  /** min(W+, W−), SciPy's two-sided statistic. */
  statistic: number;
  /** Sum of the ranks of |a − b| where a > b. */
  wPlus: number;
  /** Pairs with a non-zero difference (zeros are dropped, Wilcoxon's rule). */
  n: number;
  /** Pairs with a zero difference. */
  zeros: number;
  p: number;
  method: WilcoxonMethod;
}

/** Largest n for the exact null distribution, and for the exhaustive permutation test (SciPy's limits). */
const EXACT_MAX_N = 50;
const PERMUTATION_MAX_N = 13;

/**
 * Two-sided Wilcoxon signed-rank test of the paired differences a − b, as `scipy.stats.wilcoxon`:
 * exact null distribution for n ≤ 50 pairs without ties or zeros; with ties or zeros, all 2ⁿ sign
 * flips for n ≤ 13, else the normal approximation with the tie correction.
 *
 * @throws AgiqaError `invalid_input` for mismatched lengths, no pairs, non-finite values, or when
 *   every difference is zero (the test has nothing to rank).
 */
export function wilcoxonSignedRank(a: NumericVector, b: NumericVector): WilcoxonResult {
  const [x, y] = pairedVectors(a, b, 1, ['a', 'b']);
  const all = Float64Array.from(x, (v, i) => v - y[i]);
  const d = all.filter((v) => v !== 0);
  const zeros = all.length - d.length;
  if (d.length === 0) {
    throw invalidInput('every difference a − b is zero: the signed-rank test is undefined', [{ path: 'a', message: 'identical to b' }]);
  }
  const magnitudes = Float64Array.from(d, Math.abs);
  const ranks = averageRanks(magnitudes);
  const total = (d.length * (d.length + 1)) / 2;
  let wPlus = 0;
  d.forEach((v, i) => {
    if (v > 0) wPlus += ranks[i];
  });
  const statistic = Math.min(wPlus, total - wPlus);
  const ties = new Set(magnitudes).size < magnitudes.length;
  const base = { statistic, wPlus, n: d.length, zeros };
  if (all.length <= EXACT_MAX_N && !ties && zeros === 0) return { ...base, p: exactP(wPlus, d.length), method: 'exact' };
  if (all.length <= PERMUTATION_MAX_N) return { ...base, p: permutationP(wPlus, ranks), method: 'permutation' };
  return { ...base, p: asymptoticP(wPlus, ranks), method: 'asymptotic' };
}

/**
 * Exact two-sided p from the null distribution of W+ (each of the 2ⁿ sign patterns equally likely):
 * counts[k] = number of subsets of {1..n} whose ranks sum to k. As SciPy: 2·min(P(W ≥ w), P(W ≤ w)), capped at 1.
 */
function exactP(wPlus: number, n: number): number {
  const max = (n * (n + 1)) / 2;
  let counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let rank = 1; rank <= n; rank++) {
    const next = Float64Array.from(counts);
    for (let k = rank; k <= max; k++) next[k] += counts[k - rank];
    counts = next;
  }
  const all = 2 ** n;
  let lower = 0;
  let upper = 0;
  for (let k = 0; k <= max; k++) {
    if (k <= Math.ceil(wPlus)) lower += counts[k];
    if (k >= Math.floor(wPlus)) upper += counts[k];
  }
  return Math.min(1, (2 * Math.min(lower, upper)) / all);
}

/**
 * Permutation p over all 2ⁿ sign flips of the non-zero differences (zero differences flip to
 * themselves and never count, so leaving them out keeps every proportion). SciPy's comparison
 * tolerance (100 ulp of the observed statistic) keeps averaged ranks from missing their own value.
 */
function permutationP(wPlus: number, ranks: Float64Array): number {
  const n = ranks.length;
  const tolerance = Math.abs(wPlus) * Number.EPSILON * 100;
  let atMost = 0;
  let atLeast = 0;
  const patterns = 2 ** n;
  for (let mask = 0; mask < patterns; mask++) {
    let w = 0;
    for (let i = 0; i < n; i++) if (mask & (1 << i)) w += ranks[i];
    if (w <= wPlus + tolerance) atMost++;
    if (w >= wPlus - tolerance) atLeast++;
  }
  return Math.min(1, (2 * Math.min(atMost, atLeast)) / patterns);
}

/** Normal approximation: z = (W+ − n(n+1)/4) / σ, σ² = (n(n+1)(2n+1) − Σ(t³ − t)/2) / 24 over tie groups t. */
function asymptoticP(wPlus: number, ranks: Float64Array): number {
  const n = ranks.length;
  const groups = new Map<number, number>();
  for (const r of ranks) groups.set(r, (groups.get(r) ?? 0) + 1);
  let tieCorrection = 0;
  for (const t of groups.values()) tieCorrection += t ** 3 - t;
  const sigma = Math.sqrt((n * (n + 1) * (2 * n + 1) - tieCorrection / 2) / 24);
  return normalTwoSidedP((wPlus - (n * (n + 1)) / 4) / sigma);
}

import { assertNotConstant, pairedVectors, type NumericVector } from './input.js';

/** Correlations need three pairs: with two, any non-constant pair correlates ±1. */
export const MIN_CORRELATION_PAIRS = 3;

/**
 * Ranks starting at 1; tied values get the average of the ranks they span (SciPy's
 * `rankdata(method='average')`).
 */
export function averageRanks(values: Float64Array): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
  const ranks = new Float64Array(n);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    // Positions start..end-1 hold ranks start+1..end; their mean is (start + 1 + end) / 2.
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

/** Pearson correlation of two validated, non-constant float64 vectors (two-pass, clamped to [-1, 1]). */
export function pearsonUnchecked(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const r = sxy / Math.sqrt(sxx * syy);
  return Math.max(-1, Math.min(1, r));
}

/**
 * Pearson linear correlation (PLCC) between predictions and MOS, without any nonlinear mapping
 * (see `plccLogistic` for the VQEG-fitted variant).
 *
 * @throws AgiqaError `invalid_input` for mismatched lengths, fewer than 3 pairs, non-finite or
 *   constant input.
 */
export function plcc(pred: NumericVector, mos: NumericVector): number {
  const [x, y] = pairedVectors(pred, mos, MIN_CORRELATION_PAIRS);
  assertNotConstant(x, 'pred');
  assertNotConstant(y, 'mos');
  return pearsonUnchecked(x, y);
}

/**
 * Spearman rank correlation (SRCC): Pearson correlation of average ranks, so ties are handled as
 * in `scipy.stats.spearmanr`.
 *
 * @throws AgiqaError `invalid_input` as `plcc`.
 */
export function srcc(pred: NumericVector, mos: NumericVector): number {
  const [x, y] = pairedVectors(pred, mos, MIN_CORRELATION_PAIRS);
  assertNotConstant(x, 'pred');
  assertNotConstant(y, 'mos');
  return pearsonUnchecked(averageRanks(x), averageRanks(y));
}

/**
 * Kendall rank correlation, tau-b (corrected for ties in either variable), as
 * `scipy.stats.kendalltau(variant='b')`. O(n log n) (Knight 1966): sort by (x, y), count tied
 * pairs, then count discordant pairs as the inversions of y by merge sort.
 *
 * @throws AgiqaError `invalid_input` as `plcc`.
 */
export function krcc(pred: NumericVector, mos: NumericVector): number {
  const [x, y] = pairedVectors(pred, mos, MIN_CORRELATION_PAIRS);
  assertNotConstant(x, 'pred');
  assertNotConstant(y, 'mos');
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || y[a] - y[b]);
  const xs = Float64Array.from(order, (i) => x[i]);
  const ys = Float64Array.from(order, (i) => y[i]);

  const tiedPairs = (run: number) => (run * (run - 1)) / 2;
  // Pairs tied in x, and tied in both x and y (runs in the (x, y)-sorted order).
  let xTies = 0;
  let jointTies = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && xs[end] === xs[start]) end++;
    xTies += tiedPairs(end - start);
    for (let s = start; s < end; ) {
      let e = s + 1;
      while (e < end && ys[e] === ys[s]) e++;
      jointTies += tiedPairs(e - s);
      s = e;
    }
    start = end;
  }
  // Within an x-tie run y is ascending, so strict inversions of y count exactly the discordant pairs.
  const discordant = countInversions(ys);
  const sortedY = ys; // countInversions sorts in place
  let yTies = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && sortedY[end] === sortedY[start]) end++;
    yTies += tiedPairs(end - start);
    start = end;
  }
  const total = tiedPairs(n);
  const concordantMinusDiscordant = total - xTies - yTies + jointTies - 2 * discordant;
  const tau = concordantMinusDiscordant / Math.sqrt(total - xTies) / Math.sqrt(total - yTies);
  return Math.max(-1, Math.min(1, tau));
}

/** Number of pairs i < j with a[i] > a[j]; sorts `a` ascending in place (bottom-up merge sort). */
function countInversions(a: Float64Array): number {
  const n = a.length;
  let src: Float64Array = a;
  let dst: Float64Array = new Float64Array(n);
  let inversions = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (src[j] < src[i]) {
          // src[j] jumps ahead of every remaining element of the left run.
          inversions += mid - i;
          dst[k++] = src[j++];
        } else {
          dst[k++] = src[i++];
        }
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
    }
    [src, dst] = [dst, src];
  }
  if (src !== a) a.set(src);
  return inversions;
}

/**
 * Root mean squared error between raw predictions and MOS, on the MOS scale (no logistic mapping:
 * the heads regress MOS directly, so their raw error is meaningful).
 *
 * @throws AgiqaError `invalid_input` for mismatched lengths, empty or non-finite input.
 */
export function rmse(pred: NumericVector, mos: NumericVector): number {
  const [x, y] = pairedVectors(pred, mos, 1);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i] - y[i]) ** 2;
  return Math.sqrt(sum / x.length);
}

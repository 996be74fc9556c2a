import { AgiqaError, createRng, invalidInput } from '@agiqa/contracts';
import { METRICS, METRIC_NAMES, type MetricName } from '../metrics/evaluate.js';
import { assertNotConstant, pairedVectors, type NumericVector } from '../metrics/input.js';
import { normalTwoSidedP, studentTTwoSidedP } from './distributions.js';
import { quantile } from './quantiles.js';

/** A two-sided test result: the statistic and its p-value. */
export interface ZTestResult {
  z: number;
  p: number;
}

function checkCorrelation(r: number, name: string): void {
  if (!Number.isFinite(r) || r <= -1 || r >= 1) {
    throw invalidInput(`${name} must be a correlation strictly between -1 and 1, got ${r}`, [
      { path: name, message: 'must be in (-1, 1)' },
    ]);
  }
}

function checkSampleSize(n: number, name: string): void {
  if (!Number.isInteger(n) || n < 4) {
    throw invalidInput(`${name} must be an integer ≥ 4 (the Fisher z variance is 1 / (n − 3)), got ${n}`, [
      { path: name, message: 'must be an integer ≥ 4' },
    ]);
  }
}

/**
 * Fisher z test for two correlations from independent samples:
 * z = (atanh r1 − atanh r2) / √(1/(n1−3) + 1/(n2−3)), two-sided p. Positive z: r1 > r2.
 *
 * This is the test the paper names for 0.8747 vs 0.8813. It assumes independent samples; two
 * models scored on the same test set are dependent, for which `steigerTest` is the right test.
 */
export function fisherZTest(input: { r1: number; n1: number; r2: number; n2: number }): ZTestResult {
  checkCorrelation(input.r1, 'r1');
  checkCorrelation(input.r2, 'r2');
  checkSampleSize(input.n1, 'n1');
  checkSampleSize(input.n2, 'n2');
  const z = (Math.atanh(input.r1) - Math.atanh(input.r2)) / Math.sqrt(1 / (input.n1 - 3) + 1 / (input.n2 - 3));
  return { z, p: normalTwoSidedP(z) };
}

/**
 * Steiger's (1980) Z for two dependent correlations sharing one variable, e.g. two models'
 * correlations with the same MOS on the same test set: r12 = corr(pred1, mos), r13 =
 * corr(pred2, mos), r23 = corr(pred1, pred2). Under H0 the pooled r̄ = (r12 + r13) / 2 is used in
 * the covariance of the two Fisher z values (Steiger 1980, eq. 15):
 *   c = [r23(1 − 2r̄²) − ½r̄²(1 − 2r̄² − r23²)] / (1 − r̄²)²,
 *   Z = (atanh r12 − atanh r13) · √(n − 3) / √(2 − 2c).
 * Positive Z: r12 > r13. The higher r23 (models that agree), the smaller a difference is
 * significant.
 */
export function steigerTest(input: { r12: number; r13: number; r23: number; n: number }): ZTestResult {
  const { r12, r13, r23, n } = input;
  checkCorrelation(r12, 'r12');
  checkCorrelation(r13, 'r13');
  checkCorrelation(r23, 'r23');
  checkSampleSize(n, 'n');
  // A correlation matrix must be positive semi-definite; otherwise the three r cannot co-occur.
  const det = 1 - r12 * r12 - r13 * r13 - r23 * r23 + 2 * r12 * r13 * r23;
  if (det < -1e-12) {
    throw invalidInput(
      `r12 = ${r12}, r13 = ${r13}, r23 = ${r23} cannot be correlations of three variables (the correlation matrix has determinant ${det.toPrecision(4)} < 0)`,
      [{ path: 'r23', message: 'inconsistent with r12 and r13' }],
    );
  }
  const rbar = (r12 + r13) / 2;
  const rbar2 = rbar * rbar;
  const c = (r23 * (1 - 2 * rbar2) - 0.5 * rbar2 * (1 - 2 * rbar2 - r23 * r23)) / (1 - rbar2) ** 2;
  const z = ((Math.atanh(r12) - Math.atanh(r13)) * Math.sqrt(n - 3)) / Math.sqrt(2 - 2 * c);
  return { z, p: normalTwoSidedP(z) };
}

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  samples?: number;
  /** Seed of the resampling stream (default 0): the same seed gives the same interval. */
  seed?: number;
  /** Confidence level in (0, 1) (default 0.95). */
  level?: number;
}

export interface BootstrapInterval {
  /** The metric on the full data. */
  estimate: number;
  low: number;
  high: number;
  level: number;
  /** Resamples used (requested minus skipped). */
  samples: number;
  /** Resamples on which the metric is undefined (e.g. every drawn MOS tied), left out. */
  skipped: number;
}

/**
 * Percentile bootstrap confidence interval of a metric of (pred, mos): resample the pairs with
 * replacement `samples` times from a seeded generator, take the metric of each resample, and
 * report the (1 − level)/2 and (1 + level)/2 quantiles (linear interpolation, NumPy's default).
 * Resamples where the metric is undefined are skipped and counted; more than 10% fails.
 */
export function bootstrapCi(
  pred: NumericVector,
  mos: NumericVector,
  metric: MetricName | ((pred: Float64Array, mos: Float64Array) => number),
  options: BootstrapOptions = {},
): BootstrapInterval {
  const { samples = 1000, seed = 0, level = 0.95 } = options;
  if (!Number.isInteger(samples) || samples < 10) {
    throw invalidInput(`samples must be an integer ≥ 10, got ${samples}`, [{ path: 'samples', message: 'must be ≥ 10' }]);
  }
  if (!(level > 0 && level < 1)) {
    throw invalidInput(`level must be in (0, 1), got ${level}`, [{ path: 'level', message: 'must be in (0, 1)' }]);
  }
  const fn = typeof metric === 'function' ? metric : METRICS[metric];
  if (fn === undefined) {
    throw invalidInput(`unknown metric "${String(metric)}"; valid: ${METRIC_NAMES.join(', ')}`, [
      { path: 'metric', message: `one of ${METRIC_NAMES.join(', ')}` },
    ]);
  }
  const [x, y] = pairedVectors(pred, mos, 3);
  const estimate = fn(x, y);
  const n = x.length;
  const rng = createRng(seed, 0x0b005);
  const stats: number[] = [];
  let skipped = 0;
  const bx = new Float64Array(n);
  const by = new Float64Array(n);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < n; i++) {
      const j = rng.nextInt(n);
      bx[i] = x[j];
      by[i] = y[j];
    }
    try {
      stats.push(fn(bx, by));
    } catch (error) {
      if (!(error instanceof AgiqaError)) throw error;
      skipped++;
    }
  }
  if (skipped > samples / 10) {
    throw invalidInput(
      `the metric is undefined on ${skipped} of ${samples} bootstrap resamples (too few distinct values in ${n} pairs)`,
    );
  }
  const alpha = (1 - level) / 2;
  return {
    estimate,
    low: quantile(stats, alpha),
    high: quantile(stats, 1 - alpha),
    level,
    samples: stats.length,
    skipped,
  };
}

export interface PairedTestResult {
  t: number;
  df: number;
  p: number;
  /** mean(a − b). */
  meanDiff: number;
}

/**
 * Paired two-sided t-test (as `scipy.stats.ttest_rel`), e.g. the SRCCs of two methods over the
 * same split repeats: t = mean(d) / (sd(d) / √n) with d = a − b, df = n − 1.
 *
 * @throws AgiqaError `invalid_input` for mismatched lengths, fewer than 2 pairs, non-finite
 *   values, or identical differences (zero variance: t undefined).
 */
export function pairedTest(a: NumericVector, b: NumericVector): PairedTestResult {
  const [x, y] = pairedVectors(a, b, 2, ['a', 'b']);
  const n = x.length;
  const d = Float64Array.from(x, (v, i) => v - y[i]);
  assertNotConstant(d, 'a − b', 'the paired t statistic is undefined (zero variance of the differences)');
  let mean = 0;
  for (const v of d) mean += v;
  mean /= n;
  let ss = 0;
  for (const v of d) ss += (v - mean) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  const t = mean / (sd / Math.sqrt(n));
  const df = n - 1;
  return { t, df, p: studentTTwoSidedP(t, df), meanDiff: mean };
}

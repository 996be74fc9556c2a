import { invalidInput } from '@agiqa/contracts';
import { studentTTwoSidedP } from './distributions.js';

export interface WelchTestResult {
  t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  p: number;
  /** mean(a) − mean(b). */
  meanDiff: number;
}

/**
 * Welch's two-sided t-test for two independent samples with unequal variances (as
 * `scipy.stats.ttest_ind(a, b, equal_var=False)`), e.g. the SRCCs of the seeds of two settings.
 *
 * @throws AgiqaError `invalid_input` with fewer than 2 values on a side, non-finite values, or
 *   both samples constant (t undefined).
 */
export function welchTest(a: readonly number[], b: readonly number[]): WelchTestResult {
  for (const [name, xs] of [['a', a], ['b', b]] as const) {
    if (xs.length < 2) throw invalidInput(`welchTest: ${name} needs at least 2 values, got ${xs.length}`);
    if (!xs.every(Number.isFinite)) throw invalidInput(`welchTest: ${name} has a value that is not finite`);
  }
  const summary = (xs: readonly number[]) => {
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
    return { mean, se2: variance / xs.length, n: xs.length };
  };
  const x = summary(a);
  const y = summary(b);
  const se2 = x.se2 + y.se2;
  if (se2 === 0) throw invalidInput('welchTest: both samples are constant, the t statistic is undefined');
  const t = (x.mean - y.mean) / Math.sqrt(se2);
  const df = se2 ** 2 / (x.se2 ** 2 / (x.n - 1) + y.se2 ** 2 / (y.n - 1));
  return { t, df, p: studentTTwoSidedP(t, df), meanDiff: x.mean - y.mean };
}

/**
 * Holm's step-down adjustment of p-values for the family tested together (controls the
 * family-wise error rate): sorted ascending, p(k) × (m − k), made monotone, capped at 1. Returned
 * in the input order. Checked against `statsmodels.stats.multitest.multipletests(method='holm')`
 * (fixtures from tools/scipy_metrics_reference.py).
 *
 * @throws AgiqaError `invalid_input` when a value is not a p-value in [0, 1].
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw invalidInput(`p[${i}] must be a p-value in [0, 1], got ${p}`, [{ path: `p[${i}]`, message: 'must be in [0, 1]' }]);
  });
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((u, v) => u[0] - v[0]);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], k) => {
    running = Math.max(running, (m - k) * p);
    adjusted[i] = Math.min(1, running);
  });
  return adjusted;
}

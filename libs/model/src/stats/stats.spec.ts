import { AgiqaError } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { scipyReference } from '../../fixtures/metrics/scipy-reference.js';
import { srcc } from '../metrics/correlation.js';
import {
  logGamma,
  normalCdf,
  normalTwoSidedP,
  regularizedBeta,
  studentTCdf,
} from './distributions.js';
import { quantile } from './quantiles.js';
import { holmAdjust } from './multiple.js';
import { bootstrapCi, fisherZTest, pairedTest, steigerTest } from './significance.js';
import { wilcoxonSignedRank } from './wilcoxon.js';

const ref = scipyReference;

function expectInvalid(fn: () => unknown, message: RegExp): void {
  expect(fn).toThrow(AgiqaError);
  expect(fn).toThrow(message);
}

describe('distributions against SciPy', () => {
  it('normal CDF agrees to 1e-12 absolute and 1e-10 relative in the tails', () => {
    for (const { x, cdf } of ref.distributions.normal_cdf) {
      expect(Math.abs(normalCdf(x) - cdf)).toBeLessThanOrEqual(1e-12);
      expect(Math.abs(normalCdf(x) - cdf) / cdf).toBeLessThanOrEqual(1e-10);
    }
  });

  it('Student t CDF, incomplete beta and log-gamma agree to 1e-12', () => {
    for (const { t, df, cdf } of ref.distributions.student_t_cdf) {
      expect(Math.abs(studentTCdf(t, df) - cdf)).toBeLessThanOrEqual(1e-12);
    }
    for (const { x, a, b, value } of ref.distributions.regularized_beta) {
      expect(Math.abs(regularizedBeta(x, a, b) - value)).toBeLessThanOrEqual(1e-12);
    }
    for (const { x, value } of ref.distributions.log_gamma) {
      expect(Math.abs(logGamma(x) - value)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(value)));
    }
  });
});

describe(fisherZTest.name, () => {
  it('matches the formula evaluated by SciPy and two published worked examples', () => {
    for (const c of ref.fisher) {
      const { z, p } = fisherZTest(c);
      expect(z).toBeCloseTo(c.z, 12);
      expect(p).toBeCloseTo(c.p, 12);
    }
    // Stata `cortesti .84 63 .75 42`: z = 1.207, p = 0.2275.
    expect(fisherZTest({ r1: 0.84, n1: 63, r2: 0.75, n2: 42 }).z).toBeCloseTo(1.207, 3);
    expect(fisherZTest({ r1: 0.84, n1: 63, r2: 0.75, n2: 42 }).p).toBeCloseTo(0.2275, 4);
    // MedCalc manual: 0.86 vs 0.62, n = 42 each: z = 2.5097, p = 0.0121.
    expect(fisherZTest({ r1: 0.86, n1: 42, r2: 0.62, n2: 42 }).z).toBeCloseTo(2.5097, 4);
    expect(fisherZTest({ r1: 0.86, n1: 42, r2: 0.62, n2: 42 }).p).toBeCloseTo(0.0121, 4);
  });

  it("does not reproduce the paper's z = 1.83 for 0.8747 vs 0.8813 at AGIQA-3K's test size", () => {
    // AGIQA-3K test split ≈ 597 images (20% of 2,982). Independent-sample Fisher z gives
    // z = 0.497, p = 0.62, far from the paper's z = 1.83, p ≈ 0.06. z = 1.83 would need ≈ 8,071
    // images per sample (more than the dataset), or, with Steiger's dependent test on one shared
    // test set, predictions correlated at r23 ≈ 0.983. The paper's p ≈ 0.06 is at least the
    // two-sided p of z = 1.83 (0.067). Its CI [0.874, 0.890] around 0.8813 is not a Fisher CI
    // either (that is [0.862, 0.898] at n = 597, and skewed the other way).
    const { z, p } = fisherZTest({ r1: 0.8813, n1: 597, r2: 0.8747, n2: 597 });
    expect(z).toBeCloseTo(0.4966, 4);
    expect(p).toBeCloseTo(0.6195, 4);
    expect(fisherZTest({ r1: 0.8813, n1: 8071, r2: 0.8747, n2: 8071 }).z).toBeCloseTo(1.83, 2);
    expect(steigerTest({ r12: 0.8813, r13: 0.8747, r23: 0.9826, n: 597 }).z).toBeCloseTo(1.83, 2);
    expect(normalTwoSidedP(1.83)).toBeCloseTo(0.0672, 4);
  });

  it('rejects correlations outside (-1, 1) and samples too small for the variance 1/(n - 3)', () => {
    expectInvalid(() => fisherZTest({ r1: 1, n1: 10, r2: 0.5, n2: 10 }), /r1 must be a correlation strictly between -1 and 1/);
    expectInvalid(() => fisherZTest({ r1: 0.5, n1: 10, r2: 0.5, n2: 3 }), /n2 must be an integer ≥ 4/);
  });
});

describe(steigerTest.name, () => {
  it('reproduces the Monte Carlo draw of the reference script', () => {
    const e = ref.steiger_monte_carlo.example;
    const { z, p } = steigerTest({ r12: e.r12, r13: e.r13, r23: e.r23, n: e.n });
    expect(z).toBeCloseTo(e.z, 12);
    expect(p).toBeCloseTo(e.p, 12);
    // The same formula over 20,000 null draws (rho12 = rho13 = 0.8, rho23 = 0.9, n = 200) has
    // sd ≈ 1 and rejects ≈ 5% at α = 0.05: it is calibrated, where the independent-sample test
    // is not (sd 0.50 on the same draws).
    expect(ref.steiger_monte_carlo.steiger_z_sd).toBeGreaterThan(0.97);
    expect(ref.steiger_monte_carlo.steiger_z_sd).toBeLessThan(1.03);
    expect(ref.steiger_monte_carlo.steiger_reject_rate_05).toBeGreaterThan(0.04);
    expect(ref.steiger_monte_carlo.steiger_reject_rate_05).toBeLessThan(0.06);
  });

  it('finds a difference significant when the two predictors agree closely, not when they agree loosely', () => {
    const close = steigerTest({ r12: 0.9, r13: 0.88, r23: 0.98, n: 150 });
    const loose = steigerTest({ r12: 0.9, r13: 0.88, r23: 0.7, n: 150 });
    expect(close.z).toBeGreaterThan(0);
    expect(close.p).toBeLessThan(0.01);
    expect(loose.p).toBeGreaterThan(0.05);
  });

  it('rejects three correlations that no three variables can have', () => {
    expectInvalid(() => steigerTest({ r12: 0.9, r13: 0.9, r23: -0.9, n: 100 }), /cannot be correlations of three variables/);
  });
});

describe(pairedTest.name, () => {
  it.each(ref.ttest_rel.map((c) => [c.name, c] as const))('%s agrees with scipy.stats.ttest_rel to 1e-10', (_, c) => {
    const r = pairedTest(c.a, c.b);
    expect(r.df).toBe(c.df);
    expect(Math.abs(r.t - c.t)).toBeLessThanOrEqual(1e-10 * Math.max(1, Math.abs(c.t)));
    expect(Math.abs(r.p - c.p)).toBeLessThanOrEqual(1e-10);
    expect(r.meanDiff).toBeCloseTo(c.meanDiff, 12);
  });

  it('rejects identical differences (t undefined) and fewer than two pairs', () => {
    expectInvalid(() => pairedTest([3, 4, 5.5], [1, 2, 3.5]), /zero variance of the differences/);
    expectInvalid(() => pairedTest([0.8], [0.7]), /at least 2/);
  });
});

describe(wilcoxonSignedRank.name, () => {
  it.each(ref.wilcoxon.map((c) => [c.name, c] as const))('%s agrees with scipy.stats.wilcoxon to 1e-12', (_, c) => {
    const r = wilcoxonSignedRank(c.a, c.b);
    expect(r.statistic).toBeCloseTo(c.statistic, 12);
    expect(Math.abs(r.p - c.p)).toBeLessThanOrEqual(1e-12);
  });

  it('picks the null distribution as SciPy does: exact, all sign flips with ties or zeros, else normal', () => {
    const method = (name: string) => {
      const c = ref.wilcoxon.find((w) => w.name === name);
      if (!c) throw new Error(`no fixture ${name}`);
      return wilcoxonSignedRank(c.a, c.b).method;
    };
    expect(method('seeds-5-exact')).toBe('exact');
    expect(method('repeats-40-exact-null')).toBe('exact');
    expect(method('seeds-9-ties-permutation')).toBe('permutation');
    expect(method('with-zero-difference')).toBe('permutation');
    expect(method('repeats-20-ties-asymptotic')).toBe('asymptotic');
    expect(method('repeats-60-asymptotic')).toBe('asymptotic');
  });

  it('cannot reach p < 0.25 with three replicates, however large the gain', () => {
    expect(wilcoxonSignedRank([0.9, 0.91, 0.92], [0.1, 0.2, 0.3]).p).toBe(0.25);
  });

  it('rejects pairs that are all equal and mismatched lengths', () => {
    expectInvalid(() => wilcoxonSignedRank([0.8, 0.7], [0.8, 0.7]), /every difference a − b is zero/);
    expectInvalid(() => wilcoxonSignedRank([0.8, 0.7], [0.8]), /differ in length/);
  });
});

describe(holmAdjust.name, () => {
  it.each(ref.holm.map((c) => [c.name, c] as const))('%s agrees with statsmodels multipletests(method="holm")', (_, c) => {
    const adjusted = holmAdjust(c.p);
    adjusted.forEach((p, i) => expect(p).toBeCloseTo(c.adjusted[i], 14));
  });

  it('rejects a value that is not a p-value', () => {
    expectInvalid(() => holmAdjust([0.1, 1.2]), /p\[1\] must be a p-value/);
    expectInvalid(() => holmAdjust([Number.NaN]), /p\[0\]/);
  });
});

describe(bootstrapCi.name, () => {
  const c = ref.metrics[ref.metrics.length - 1]; // test-split-597

  it('brackets the full-sample estimate and replays exactly from its seed', () => {
    expect(c.name).toBe('test-split-597');
    const a = bootstrapCi(c.pred, c.mos, 'srcc', { samples: 200, seed: 3 });
    const b = bootstrapCi(c.pred, c.mos, 'srcc', { samples: 200, seed: 3 });
    const other = bootstrapCi(c.pred, c.mos, 'srcc', { samples: 200, seed: 4 });
    expect(a).toEqual(b);
    expect(other.low).not.toBe(a.low);
    expect(a.estimate).toBeCloseTo(c.srcc, 12);
    expect(a.low).toBeLessThan(a.estimate);
    expect(a.high).toBeGreaterThan(a.estimate);
    // Width ≈ 2 · 1.96 · (1 − ρ²) / √n for a correlation near 0.74 at n = 597: about 0.07.
    expect(a.high - a.low).toBeGreaterThan(0.04);
    expect(a.high - a.low).toBeLessThan(0.12);
    expect(a.samples + a.skipped).toBe(200);
  });

  it('accepts a metric function and rejects unknown metric names listing the valid ones', () => {
    const r = bootstrapCi(c.pred, c.mos, (p, m) => srcc(p, m), { samples: 20 });
    expect(r.estimate).toBeCloseTo(c.srcc, 12);
    expectInvalid(
      () => bootstrapCi(c.pred, c.mos, 'auc' as never),
      /unknown metric "auc"; valid: srcc, plcc, plccLogistic, krcc, rmse/,
    );
  });

  it('fails when the metric is undefined on most resamples', () => {
    expectInvalid(() => bootstrapCi([1, 2, 3], [1, 1, 2], 'srcc', { samples: 50 }), /undefined on \d+ of 50 bootstrap resamples/);
  });
});

describe(quantile.name, () => {
  it('interpolates linearly between order statistics like NumPy', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 12);
  });
});

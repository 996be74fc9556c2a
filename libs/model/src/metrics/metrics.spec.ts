import { AgiqaError } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { scipyReference } from '../../fixtures/metrics/scipy-reference.js';
import { averageRanks, krcc, plcc, rmse, srcc } from './correlation.js';
import { evaluate, metricsReport } from './evaluate.js';
import { parseScoreLines } from './input.js';
import { fitLogistic, logisticInitialParams, plccLogistic } from './logistic.js';

const cases = scipyReference.metrics;

function expectInvalid(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AgiqaError);
    expect((error as AgiqaError).code).toBe('invalid_input');
    expect((error as AgiqaError).message).toMatch(message);
    return;
  }
  throw new Error('expected an invalid_input AgiqaError');
}

describe('metrics against SciPy (inputs with ties)', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s: srcc, plcc, krcc, rmse agree to 1e-6', (_, c) => {
    expect(Math.abs(srcc(c.pred, c.mos) - c.srcc)).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(plcc(c.pred, c.mos) - c.plcc)).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(krcc(c.pred, c.mos) - c.krcc)).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(rmse(c.pred, c.mos) - c.rmse)).toBeLessThanOrEqual(1e-6);
  });

  it('agrees to 1e-12, not merely 1e-6, on the closed-form metrics', () => {
    for (const c of cases) {
      expect(srcc(c.pred, c.mos)).toBeCloseTo(c.srcc, 12);
      expect(krcc(c.pred, c.mos)).toBeCloseTo(c.krcc, 12);
    }
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s: logistic PLCC matches the converged curve_fit optimum to 1e-6',
    (_, c) => {
      // Same start as the reference script (IQA-PyTorch's initial values).
      const [x, y] = [Float64Array.from(c.pred), Float64Array.from(c.mos)];
      logisticInitialParams(x, y).forEach((v, k) => expect(v).toBeCloseTo(c.logistic_tight.p0[k], 12));
      const fit = fitLogistic(c.pred, c.mos);
      // Both minimise the same SSE. Two fixtures (small-heavy-ties, negative-relation) have no
      // finite minimiser: the data follow the logistic's exponential tail, β1 → ±∞, and both fits
      // crawl along that valley until their iteration limit; there the SSEs agree to ~1e-6
      // relative and PLCC to ~1e-7. Well-posed fixtures agree to ~1e-14.
      expect(fit.sse).toBeLessThanOrEqual(c.logistic_tight.sse * (1 + 1e-5));
      expect(Math.abs(plccLogistic(c.pred, c.mos) - c.logistic_tight.plcc)).toBeLessThanOrEqual(1e-6);
      // curve_fit with default tolerances stops up to ~4e-7 short of the optimum on these inputs.
      expect(Math.abs(plccLogistic(c.pred, c.mos) - c.logistic_default.plcc)).toBeLessThanOrEqual(1e-6);
    },
  );
});

describe(averageRanks.name, () => {
  it('gives tied values the mean of the ranks they span', () => {
    expect(Array.from(averageRanks(Float64Array.from([10, 20, 20, 5, 20])))).toEqual([2, 4, 4, 1, 4]);
  });
});

describe(krcc.name, () => {
  it('counts a reversed order as -1 and ties in both variables as neither concordant nor discordant', () => {
    expect(krcc([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    // Brute-force tau-b on a small input with ties in x, in y, and in both.
    const x = [1, 1, 2, 2, 3, 3, 3, 4];
    const y = [2, 2, 1, 3, 3, 3, 5, 4];
    let s = 0;
    let tx = 0;
    let ty = 0;
    for (let i = 0; i < x.length; i++) {
      for (let j = i + 1; j < x.length; j++) {
        const dx = Math.sign(x[i] - x[j]);
        const dy = Math.sign(y[i] - y[j]);
        s += dx * dy;
        if (dx !== 0) tx++;
        if (dy !== 0) ty++;
      }
    }
    expect(krcc(x, y)).toBeCloseTo(s / Math.sqrt(tx * ty), 14);
  });
});

describe('metric input checks', () => {
  it('rejects constant input instead of returning NaN', () => {
    expectInvalid(() => srcc([1, 2, 3], [2, 2, 2]), /mos is constant \(every value is 2\)/);
    expectInvalid(() => plcc([4, 4, 4, 4], [1, 2, 3, 4]), /pred is constant/);
    expectInvalid(() => krcc([1, 2, 3], [0, 0, 0]), /mos is constant/);
    expectInvalid(() => plccLogistic([1, 1, 1, 1, 1], [1, 2, 3, 4, 5]), /pred is constant/);
  });

  it('rejects too-short, mismatched and non-finite input naming the problem', () => {
    expectInvalid(() => srcc([1, 2], [2, 1]), /at least 3 \(pred, mos\) pairs, got 2/);
    expectInvalid(() => plccLogistic([1, 2, 3, 4], [1, 2, 3, 5]), /at least 5 .* got 4/);
    expectInvalid(() => plcc([1, 2, 3], [1, 2]), /differ in length \(3 vs 2\)/);
    expectInvalid(() => rmse([1, Number.NaN, 3], [1, 2, 3]), /pred\[1\] is not a finite number \(NaN\)/);
    expectInvalid(() => rmse([], []), /at least 1/);
  });
});

describe(evaluate.name, () => {
  it('returns every headline metric, plccLogistic null below 5 pairs', () => {
    const c = cases[0];
    const m = evaluate(Float32Array.from(c.pred), c.mos);
    expect(m.srcc).toBeCloseTo(c.srcc, 6);
    expect(m.plccLogistic).not.toBeNull();
    expect(evaluate([1, 2, 3, 4], [1, 3, 2, 4]).plccLogistic).toBeNull();
  });
});

describe(metricsReport.name, () => {
  it('prints the CLI JSON shape with n', () => {
    const c = cases[1];
    const report = metricsReport(c.pred, c.mos);
    expect(Object.keys(report)).toEqual(['n', 'srcc', 'plcc', 'plcc_logistic', 'krcc', 'rmse']);
    expect(report.n).toBe(c.pred.length);
    expect(report.plcc_logistic).toBeCloseTo(c.logistic_tight.plcc, 6);
  });
});

describe(parseScoreLines.name, () => {
  it('reads one number per line and skips blank lines', () => {
    expect(Array.from(parseScoreLines('1.5\n 2\n\n3e-1\r\n', 'pred.txt'))).toEqual([1.5, 2, 0.3]);
  });

  it('names the file and line of a value that is not a number', () => {
    expectInvalid(() => parseScoreLines('1\n2\nabc\n', 'pred.txt'), /pred\.txt:3: "abc" is not a finite number/);
  });

  it('reports every bad line at once, and an empty file', () => {
    try {
      parseScoreLines('1\nabc\n3\nNaN\n', 'mos.txt');
      expect.unreachable();
    } catch (error) {
      expect((error as AgiqaError).details.map((d) => d.path)).toEqual(['mos.txt:2', 'mos.txt:4']);
      expect((error as AgiqaError).message).toContain('and 1 more line');
    }
    expectInvalid(() => parseScoreLines('\n \n', 'empty.txt'), /empty\.txt: no numbers found/);
  });
});

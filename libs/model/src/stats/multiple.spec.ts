import { describe, expect, it } from 'vitest';
import { holmAdjust, welchTest } from './multiple.js';

describe(welchTest.name, () => {
  it('matches scipy.stats.ttest_ind(equal_var=False)', () => {
    // scipy 1.x: statistic 3.533808834395099, pvalue 0.023463585844602272, df 4.070217917675535
    const r = welchTest([0.81, 0.83, 0.8, 0.84], [0.76, 0.79, 0.75]);
    expect(r.t).toBeCloseTo(3.533808834395099, 10);
    expect(r.df).toBeCloseTo(4.070217917675535, 10);
    expect(r.p).toBeCloseTo(0.023463585844602272, 8);
  });

  it('refuses a side with one value, naming it', () => {
    expect(() => welchTest([0.8], [0.7, 0.75])).toThrow('a needs at least 2 values');
  });
});

describe(holmAdjust.name, () => {
  it('steps down, stays monotone, caps at 1 and keeps the input order', () => {
    expect(holmAdjust([0.01, 0.04, 0.03, 0.005, 0.5])).toEqual([0.04, 0.09, 0.09, 0.025, 0.5].map((p) => expect.closeTo(p, 12)));
    expect(holmAdjust([0.6, 0.7])).toEqual([1, 1]);
    expect(holmAdjust([])).toEqual([]);
  });
});

import { fisherZTest, srcc, steigerTest } from '@agiqa/model';
import { describe, expect, it } from 'vitest';
import { compareSignificance, withHolm, type RunPredictionSet, type SingleTest } from './significance.js';

/** Deterministic MOS and two predictors of different quality over `n` items. */
function predictionSets(n: number, offset = 0): [RunPredictionSet, RunPredictionSet] {
  const baseline = new Map<string, [number, number]>();
  const other = new Map<string, [number, number]>();
  for (let i = 0; i < n; i++) {
    const mos = ((i * 37) % 101) / 20;
    baseline.set(`item-${i + offset}`, [mos + Math.sin(i * 1.7) * 1.5, mos]);
    other.set(`item-${i + offset}`, [mos + Math.sin(i * 2.3) * 0.5, mos]);
  }
  return [
    { runId: 'base', items: baseline },
    { runId: 'other', items: other },
  ];
}

describe(compareSignificance.name, () => {
  it('uses Steiger on the same test items, SRCC of the other run first', () => {
    const [baseline, other] = predictionSets(60);
    const outcome = compareSignificance(baseline, other);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const values = (set: RunPredictionSet, i: 0 | 1) => [...set.items.values()].map((pair) => pair[i]);
    const r12 = srcc(values(other, 0), values(baseline, 1));
    const r13 = srcc(values(baseline, 0), values(baseline, 1));
    const r23 = srcc(values(other, 0), values(baseline, 0));
    expect(outcome.result).toMatchObject({ test: 'steiger', n: 60, n2: null, other: r12, baseline: r13, between: r23 });
    expect(outcome.result.z).toBe(steigerTest({ r12, r13, r23, n: 60 }).z);
    expect(outcome.result.z).toBeGreaterThan(0);
  });

  it('uses Fisher when the runs were tested on different items', () => {
    const [baseline] = predictionSets(60);
    const [, other] = predictionSets(40, 1000);
    const outcome = compareSignificance(baseline, other);
    expect(outcome.ok && outcome.result.test).toBe('fisher');
    if (!outcome.ok) return;
    expect(outcome.result).toMatchObject({ n: 60, n2: 40, between: null });
    expect(outcome.result.p).toBe(fisherZTest({ r1: outcome.result.other, n1: 40, r2: outcome.result.baseline, n2: 60 }).p);
  });

  it('explains instead of testing when a run has no predictions or constant ones', () => {
    const [baseline, other] = predictionSets(10);
    expect(compareSignificance(baseline, { runId: 'empty', items: new Map() })).toEqual({
      ok: false,
      note: 'run empty has no stored predictions: no significance test against it',
    });
    const constant: RunPredictionSet = { runId: 'flat', items: new Map([...other.items].map(([k, [, mos]]) => [k, [1, mos]])) };
    const outcome = compareSignificance(baseline, constant);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.note).toContain('no significance test');
  });
});

describe(withHolm.name, () => {
  const test = (p: number): SingleTest => ({ baselineRunId: 'a', otherRunId: `r${p}`, test: 'fisher', metric: 'srcc', baseline: 0.8, other: 0.82, between: null, n: 100, n2: 100, z: 1, p });

  it('adjusts the p-values of several tests and says so; one test stays as it is', () => {
    const { results, note } = withHolm([test(0.01), test(0.04), test(0.03)]);
    expect(results.map((r) => r.pHolm)).toEqual([0.03, 0.06, 0.06]);
    expect(note).toContain("Holm's correction over the 3 tests");
    expect(withHolm([test(0.2)])).toEqual({ results: [{ ...test(0.2), pHolm: 0.2 }], note: null });
  });
});

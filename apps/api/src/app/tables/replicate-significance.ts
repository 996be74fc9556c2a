import { AgiqaError, type SettingsComparison, type SignificanceQuery } from '@agiqa/contracts';
import type { MatchedCell, MatchedReplicates } from '@agiqa/db';
import { holmAdjust, pairedTest, wilcoxonSignedRank } from '@agiqa/model';

type Comparison = SettingsComparison['comparisons'][number];

/**
 * Tests each cell's matched replicates, b against a (positive mean difference: b is higher):
 * the paired t-test (`scipy.stats.ttest_rel(b, a)`) and the Wilcoxon signed-rank test
 * (`scipy.stats.wilcoxon(b, a)`), then Holm's step-down correction across the cells, per test,
 * because a comparison of two settings is as many tests as it has cells.
 */
export function compareMatched(matched: MatchedReplicates, query: SignificanceQuery): SettingsComparison {
  const rows = matched.cells.map((cell) => {
    const notes: string[] = [];
    const t = attempt(() => pairedTest(cell.b, cell.a), notes, 'paired t');
    const w = cell.a.length > 0 ? attempt(() => wilcoxonSignedRank(cell.b, cell.a), notes, 'Wilcoxon') : null;
    if (cell.a.length === 0) notes.push('no matched replicates (same seed, split seed and split repeat on both sides)');
    else if (cell.a.length <= 5 && w) notes.push(`with ${cell.a.length} pairs the two-sided Wilcoxon p-value cannot go below ${(2 / 2 ** cell.a.length).toFixed(4)}`);
    return { cell, t, w, notes };
  });
  const tHolm = holmOver(rows.map((r) => r.t?.p ?? null));
  const wHolm = holmOver(rows.map((r) => r.w?.p ?? null));
  const comparisons: Comparison[] = rows.map(({ cell, t, w, notes }, i) => ({
    ...describe(cell),
    pairedT: t ? { statistic: t.t, df: t.df, p: t.p, pHolm: tHolm[i] as number } : null,
    wilcoxon: w ? { statistic: w.statistic, p: w.p, pHolm: wHolm[i] as number, method: w.method } : null,
    note: notes.length > 0 ? notes.join('; ') : null,
  }));
  const tested = comparisons.filter((c) => c.pairedT || c.wilcoxon).length;
  const notes = [
    `Holm's step-down correction across the ${tested} cell(s) with a test, separately for the paired t and the Wilcoxon p-values (pHolm).`,
    'Differences are b − a over replicates matched on seed, split seed and split repeat; unmatched replicates are left out of the tests but counted.',
  ];
  if (matched.a.setting.id === matched.b.setting.id) notes.push('Both sides are the same setting: differences measure run-to-run variation only.');
  if (matched.onlyIn.a.length > 0) notes.push(`Only in a: ${matched.onlyIn.a.join(', ')}.`);
  if (matched.onlyIn.b.length > 0) notes.push(`Only in b: ${matched.onlyIn.b.join(', ')}.`);
  return {
    dataset: matched.dataset.name,
    metric: query.metric,
    plcc: query.plcc,
    inProgress: query.inProgress,
    a: matched.a,
    b: matched.b,
    comparisons,
    correction: 'holm',
    notes,
  };
}

function describe(cell: MatchedCell): Omit<Comparison, 'pairedT' | 'wilcoxon' | 'note'> {
  const diffs = cell.b.map((v, i) => v - cell.a[i]);
  return {
    method: cell.method,
    textEncoder: cell.textEncoder,
    fusion: cell.fusion,
    n: cell.a.length,
    unmatchedA: cell.unmatchedA,
    unmatchedB: cell.unmatchedB,
    meanA: cell.meanA,
    meanB: cell.meanB,
    meanDiff: diffs.length > 0 ? diffs.reduce((s, d) => s + d, 0) / diffs.length : cell.meanB - cell.meanA,
  };
}

/** Runs a test; a case it cannot take (too few pairs, constant differences) becomes a note, not an error. */
function attempt<T>(test: () => T, notes: string[], name: string): T | null {
  try {
    return test();
  } catch (error) {
    if (error instanceof AgiqaError && error.code === 'invalid_input') {
      notes.push(`${name}: ${error.message}`);
      return null;
    }
    throw error;
  }
}

/** Holm-adjusted p-values for the entries that have one, null elsewhere. */
function holmOver(ps: (number | null)[]): (number | null)[] {
  const present = ps.flatMap((p, i) => (p === null ? [] : [i]));
  const adjusted = holmAdjust(present.map((i) => ps[i] as number));
  const out: (number | null)[] = ps.map(() => null);
  present.forEach((i, k) => (out[i] = adjusted[k]));
  return out;
}

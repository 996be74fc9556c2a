import { AgiqaError, type RunSignificance } from '@agiqa/contracts';
import { fisherZTest, holmAdjust, srcc, steigerTest } from '@agiqa/model';

/** One run's test predictions, keyed by dataset item. */
export interface RunPredictionSet {
  runId: string;
  /** itemId → [predicted, mos] */
  items: Map<string, [number, number]>;
}

/** A test's result before the correction for multiple comparisons fills `pHolm`. */
export type SingleTest = Omit<RunSignificance, 'pHolm'>;
export type SignificanceOutcome = { ok: true; result: SingleTest } | { ok: false; note: string };

/**
 * Tests whether `other` correlates with MOS better than `baseline` (SRCC; positive z: `other` is
 * better).
 * - Same test items: Steiger's test for dependent correlations sharing the MOS, with
 *   r12 = SRCC(other, MOS), r13 = SRCC(baseline, MOS), r23 = SRCC(other, baseline). Applying it to
 *   Spearman correlations (Pearson on ranks) is the usual approximation.
 * - Different test items (another split or dataset): Fisher's z test for independent samples.
 * Inputs the tests cannot take (fewer than 4 items, constant predictions) give a note instead.
 */
export function compareSignificance(baseline: RunPredictionSet, other: RunPredictionSet): SignificanceOutcome {
  if (baseline.items.size === 0 || other.items.size === 0) {
    const missing = baseline.items.size === 0 ? baseline.runId : other.runId;
    return { ok: false, note: `run ${missing} has no stored predictions: no significance test against it` };
  }
  try {
    if (sameKeys(baseline.items, other.items)) {
      const ids = [...baseline.items.keys()];
      const mos = ids.map((id) => pairOf(baseline, id)[1]);
      const basePred = ids.map((id) => pairOf(baseline, id)[0]);
      const otherPred = ids.map((id) => pairOf(other, id)[0]);
      const r12 = srcc(otherPred, mos);
      const r13 = srcc(basePred, mos);
      const r23 = srcc(otherPred, basePred);
      const { z, p } = steigerTest({ r12, r13, r23, n: ids.length });
      return {
        ok: true,
        result: { baselineRunId: baseline.runId, otherRunId: other.runId, test: 'steiger', metric: 'srcc', baseline: r13, other: r12, between: r23, n: ids.length, n2: null, z, p },
      };
    }
    const r1 = srccOf(other);
    const r2 = srccOf(baseline);
    const { z, p } = fisherZTest({ r1, n1: other.items.size, r2, n2: baseline.items.size });
    return {
      ok: true,
      result: {
        baselineRunId: baseline.runId,
        otherRunId: other.runId,
        test: 'fisher',
        metric: 'srcc',
        baseline: r2,
        other: r1,
        between: null,
        n: baseline.items.size,
        n2: other.items.size,
        z,
        p,
      },
    };
  } catch (error) {
    if (error instanceof AgiqaError && error.code === 'invalid_input') {
      return { ok: false, note: `runs ${baseline.runId} and ${other.runId}: no significance test (${error.message})` };
    }
    throw error;
  }
}

function pairOf(set: RunPredictionSet, itemId: string): [number, number] {
  const pair = set.items.get(itemId);
  if (!pair) throw new Error(`run ${set.runId} has no prediction for item ${itemId}`);
  return pair;
}

function srccOf(set: RunPredictionSet): number {
  const pairs = [...set.items.values()];
  return srcc(
    pairs.map((p) => p[0]),
    pairs.map((p) => p[1]),
  );
}

function sameKeys(a: Map<string, unknown>, b: Map<string, unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const key of a.keys()) if (!b.has(key)) return false;
  return true;
}

/**
 * Comparing k runs with the first is k − 1 tests: their p-values get Holm's step-down correction
 * (`pHolm`), and the note says so, so that one lucky run among many is not read as significant.
 */
export function withHolm(tests: SingleTest[]): { results: RunSignificance[]; note: string | null } {
  const adjusted = holmAdjust(tests.map((t) => t.p));
  const results = tests.map((t, i) => ({ ...t, pHolm: adjusted[i] }));
  const note = tests.length > 1 ? `Holm's correction over the ${tests.length} tests against the first run (pHolm).` : null;
  return { results, note };
}

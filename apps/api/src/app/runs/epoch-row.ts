import type { EpochMetricRow } from '@agiqa/contracts';

/** A number that is not finite (a diverged epoch) becomes null: a gap in the curve, never NaN. */
export function toEpochRow(m: {
  epoch: number;
  trainLoss: number;
  valSrcc: number | null;
  valPlcc: number | null;
  testSrcc: number;
  testPlcc: number;
  durationMs: number;
}): EpochMetricRow {
  return {
    epoch: m.epoch,
    trainLoss: finiteOrNull(m.trainLoss),
    valSrcc: finiteOrNull(m.valSrcc),
    valPlcc: finiteOrNull(m.valPlcc),
    testSrcc: finiteOrNull(m.testSrcc),
    testPlcc: finiteOrNull(m.testPlcc),
    durationMs: m.durationMs,
  };
}

/** A stored number as the API shows it: null when it is not finite (NaN never leaves the API). */
export function finiteOrNull(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}

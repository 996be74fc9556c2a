import type { RunMetrics } from '@agiqa/contracts';
import { AgiqaError } from '@agiqa/contracts';
import { krcc, plcc, rmse, srcc } from './correlation.js';
import type { NumericVector } from './input.js';
import { MIN_LOGISTIC_PAIRS, plccLogistic } from './logistic.js';

/** Names of the scalar metrics, as used by `bootstrapCi` and tables. */
export const METRIC_NAMES = ['srcc', 'plcc', 'plccLogistic', 'krcc', 'rmse'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** Metric name → function of (pred, mos). Each throws `invalid_input` rather than return NaN. */
export const METRICS: Record<MetricName, (pred: NumericVector, mos: NumericVector) => number> = {
  srcc,
  plcc,
  plccLogistic,
  krcc,
  rmse,
};

/** A run's metrics where predictions are on the MOS scale: RMSE is always known. */
export type MosMetrics = RunMetrics & { rmse: number };

/**
 * All headline metrics of a run. `plccLogistic` is null when there are fewer than 5 pairs or the
 * fit collapses; every other field is a finite number or the call throws.
 *
 * @throws AgiqaError `invalid_input` for mismatched lengths, fewer than 3 pairs, non-finite or
 *   constant input.
 */
export function evaluate(pred: NumericVector, mos: NumericVector): MosMetrics {
  const result = {
    srcc: srcc(pred, mos),
    plcc: plcc(pred, mos),
    plccLogistic: null as number | null,
    krcc: krcc(pred, mos),
    rmse: rmse(pred, mos),
  };
  if (pred.length >= MIN_LOGISTIC_PAIRS) {
    try {
      result.plccLogistic = plccLogistic(pred, mos);
    } catch (error) {
      if (!(error instanceof AgiqaError)) throw error;
    }
  }
  return result;
}

/** The JSON that `npx agiqa metrics --json` prints. */
export interface MetricsReport {
  n: number;
  srcc: number;
  plcc: number;
  /** Null when there are fewer than 5 pairs or the logistic fit collapses. */
  plcc_logistic: number | null;
  krcc: number;
  rmse: number;
}

/** `evaluate` in the CLI's snake_case shape, with the number of pairs. */
export function metricsReport(pred: NumericVector, mos: NumericVector): MetricsReport {
  const m = evaluate(pred, mos);
  return { n: pred.length, srcc: m.srcc, plcc: m.plcc, plcc_logistic: m.plccLogistic, krcc: m.krcc, rmse: m.rmse };
}

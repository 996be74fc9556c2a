export { averageRanks, krcc, MIN_CORRELATION_PAIRS, plcc, rmse, srcc } from './correlation.js';
export { evaluate, METRIC_NAMES, METRICS, metricsReport, type MetricName, type MetricsReport, type MosMetrics } from './evaluate.js';
export { parseScoreLines, type NumericVector } from './input.js';
export {
  fitLogistic,
  logistic4,
  logisticInitialParams,
  MIN_LOGISTIC_PAIRS,
  plccLogistic,
  type LogisticFit,
  type LogisticParams,
} from './logistic.js';

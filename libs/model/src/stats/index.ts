export {
  erfc,
  logGamma,
  normalCdf,
  normalTwoSidedP,
  regularizedBeta,
  regularizedGammaP,
  regularizedGammaQ,
  studentTCdf,
  studentTTwoSidedP,
} from './distributions.js';
export {
  bootstrapCi,
  fisherZTest,
  pairedTest,
  steigerTest,
  type BootstrapInterval,
  type BootstrapOptions,
  type PairedTestResult,
  type ZTestResult,
} from './significance.js';
export { median, p90, quantile } from './quantiles.js';
export { holmAdjust, welchTest, type WelchTestResult } from './multiple.js';
export { wilcoxonSignedRank, type WilcoxonMethod, type WilcoxonResult } from './wilcoxon.js';

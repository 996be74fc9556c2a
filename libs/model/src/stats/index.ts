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
export { createRng, permutation, type Rng } from './random.js';
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

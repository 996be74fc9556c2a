export { NORM_EPSILON_SQUARED, subSeed } from './common.js';
export { ConcatFusion, type ConcatFusionArgs } from './concat.js';
export { CosineFusion, type CosineFusionArgs, type CosineSpace } from './cosine.js';
export { Dense, type DenseArgs } from './dense.js';
export {
  crossAttentionFolded,
  CrossAttentionFusion,
  crossAttentionNaive,
  type CrossAttentionFusionArgs,
  type CrossAttentionWeights,
} from './cross-attention.js';
export {
  buildHead,
  FUSIONS,
  HEAD_INPUTS,
  recordedHeadOptions,
  type BuildHeadOptions,
  type FusionSpec,
  type HeadDims,
} from './head.js';

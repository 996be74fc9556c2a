export {
  encoderSpec,
  ENCODER_DEVICE,
  ENCODER_DTYPE,
  FIXTURES_DIR,
  IMAGE_ENCODERS,
  REQUIRED_FILES,
  resolveEncoder,
  TEXT_ENCODERS,
  type EncoderFamily,
  type EncoderKind,
  type EncoderName,
  type EncoderSpec,
  type ResolvedEncoder,
  type ResolveEncoderOptions,
} from './registry.js';
export {
  loadClipTextEncoder,
  loadImageEncoder,
  loadTextEncoder,
  releaseEncoders,
  runtimeVersions,
  type ClipTextRuntime,
  type EncodedImageBatch,
  type EncodedTextBatch,
  type ImageEncoderRuntime,
  type TextEncoderRuntime,
} from './runtime.js';
export {
  FEATURE_FORMAT,
  featureKey,
  preprocessingFor,
  type FeatureMeta,
  type FeaturePreprocessing,
  type FeatureSetInfo,
  type ImageFeaturePreprocessing,
  type TextPreprocessing,
} from './cache.js';
export {
  extractTextFeatures,
  openTextFeatures,
  type ExtractTextFeaturesOptions,
  type PaddedTextBatch,
  type TextFeature,
  type TextFeatureReader,
} from './text-features.js';
export {
  extractImageFeatures,
  openImageFeatures,
  type ExtractImageFeaturesOptions,
  type ImageFeatureKind,
  type ImageFeatureReader,
} from './image-features.js';
export { decodeImage, outputSize, parseImagePreprocessing, preprocessInto, type ImagePreprocessing } from './image-preprocess.js';
export { pilResize, PIL_RESAMPLING, type RgbImage } from './pil-resample.js';
export { PromptTokenizer, type TokenBatch, type TokenizedText } from './tokenize.js';
export { clipIqaFromEmbeddings, clipIqaScores, CLIP_IQA_PROMPTS, CLIP_LOGIT_SCALE, type ClipIqaOptions } from './clip-iqa.js';
export { clipReference, fixturePath, maxAbsDiff, textReference, type ClipReference, type TextReference } from './fixtures.js';

export {
  encoderSpec,
  ENCODER_DEVICE,
  ENCODER_DTYPE,
  FIXTURES_DIR,
  IMAGE_ENCODERS,
  onnxFileFor,
  REQUIRED_FILES,
  requiredFiles,
  resolveEncoder,
  resolveTorchEncoder,
  TEXT_ENCODERS,
  TORCH_REQUIRED_FILES,
  type EncoderFamily,
  type EncoderKind,
  type EncoderName,
  type EncoderSpec,
  type ResolvedEncoder,
  type ResolveEncoderOptions,
  type TorchEncoderFolder,
} from './registry.js';
export {
  loadClipTextEncoder,
  loadImageEncoder,
  loadTextEncoder,
  loadedEncoders,
  releaseEncoders,
  runtimeVersions,
  sessionOptions,
  type ClipTextRuntime,
  type EncodedImageBatch,
  type EncodedTextBatch,
  type ImageEncoderRuntime,
  type TextEncoderRuntime,
} from './runtime.js';
export {
  FEATURE_FORMAT,
  featureKey,
  imageDatasetHash,
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
export {
  decodeBatch,
  decodeImage,
  decodeResized,
  outputSize,
  parseImagePreprocessing,
  pixelValues,
  preprocessInto,
  type ImagePreprocessing,
} from './image-preprocess.js';
export { pilResize, PIL_RESAMPLING, type RgbImage } from './pil-resample.js';
export { PromptTokenizer, type TokenBatch, type TokenizedText } from './tokenize.js';
export {
  clipIqaFromEmbeddings,
  clipIqaScores,
  clipIqaTextEmbeddings,
  CLIP_IQA_PROMPTS,
  CLIP_LOGIT_SCALE,
  EQ2_LOGIT_SCALE,
  type ClipIqaOptions,
} from './clip-iqa.js';
export { clipReference, fixturePath, maxAbsDiff, textReference, type ClipReference, type TextReference } from './fixtures.js';

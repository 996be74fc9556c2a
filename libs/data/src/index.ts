// Public API of @agiqa/data.

// Loading, validating and inspecting datasets (the format registry and its loaders).
export { DATASET_LOADERS, datasetLoader } from './loaders/registry.js';
export type { DatasetLoader, LoaderContext, LoaderOutput, LoadedItem } from './loaders/types.js';
export { AGIQA3K_HEADER } from './loaders/agiqa3k.js';
export { AIGCIQA2023_GENERATORS, decomposeImageNumber } from './loaders/aigciqa2023.js';
export { MANIFEST_FILE_NAMES, ManifestJsonSchema, type ManifestJson } from './loaders/manifest.js';
export { PUBLISHED_MOS_SCALES, type MosScale } from './loaders/scales.js';
export {
  datasetBaseDir,
  inspectDataset,
  loadDataset,
  validateDataset,
  type DatasetSource,
  type ValidationReport,
} from './validate/dataset.js';
export { datasetContentHash, summariseItems } from './validate/summary.js';
export { ProblemCollector } from './validate/problems.js';

// Reproducible splits.
export {
  SPLIT_ALGORITHM,
  SplitRequestSchema,
  generatorModel,
  makeSplit,
  splitCounts,
  splitUnitOf,
  summariseSplit,
  type SplitRequest,
  type SplitSummary,
} from './splits/split.js';
export { listSplitFolds, splitFromFiles } from './splits/files.js';

// File formats (also used by tools and tests that build author-layout fixtures).
export { parseCsv, formatCsvRow, type CsvRecord } from './io/csv.js';
export { readMat, readMatVariable, writeMat, type MatVariable, type MatMatrixInput } from './io/mat.js';
export { readXlsx } from './io/xlsx.js';
export { currentImageDigests, digestFile } from './io/image-digest.js';

// The synthetic AGI dataset.
export { synthesizeDataset, SYNTH_LIMITS, type SynthesizeOptions, type SynthesizeResult, type SynthImage } from './synthetic/synthesize.js';
export { fitRidge, pixelStatistics, pixelStatisticsOfFile } from './synthetic/pixel-predictor.js';
export { SYNTH_GROUPS, SYNTH_MAPPING, SYNTH_VERSION, CONTRADICTIONS, latentAlign, latentQuality, type Contradiction, type SynthMapping } from './synthetic/mapping.js';

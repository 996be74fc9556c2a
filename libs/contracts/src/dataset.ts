import type { DatasetFormat, SplitUnit } from './names.js';

/**
 * One image of a dataset, normalised across formats. Loaders (libs/data) produce these;
 * libs/db stores them as DatasetItem rows.
 */
export interface DatasetItemRecord {
  /** 0-based position in the source file. */
  position: number;
  /** Image name as the dataset spells it; unique within the dataset. */
  key: string;
  /** Image path relative to the dataset root. */
  imagePath: string;
  /** Source image (image-to-image datasets), relative to the root. */
  sourcePath?: string;
  prompt: string;
  /** Groups images generated from one prompt (prompt-unit splits). */
  promptKey: string;
  generator: string;
  /** label → MOS on the dataset's published scale, e.g. { quality: 3.2, align: 4.1 }. */
  mos: Record<string, number>;
  /** label → std of the ratings, where published. */
  mosStd?: Record<string, number>;
  /** The image file's digest, taken when the dataset is read with its images checked. */
  image?: ImageDigest;
}

/**
 * An image file's content digest. Image feature keys hash `sha256`, so a changed image is
 * extracted again; `size` and `mtimeMs` tell whether the file must be hashed again.
 */
export interface ImageDigest {
  /** sha256 of the file's bytes, hex. */
  sha256: string;
  size: number;
  mtimeMs: number;
}

/** What `agiqa data inspect` prints, and what registration stores as `Dataset.summary`. */
export interface DatasetSummary {
  rows: number;
  prompts: number;
  generators: Record<string, number>;
  mos: Record<string, { min: number; max: number; mean: number }>;
  missingImages: number;
}

/** A dataset read whole from disk and validated; nothing is registered until this exists. */
export interface LoadedDataset {
  format: DatasetFormat;
  root: string;
  items: DatasetItemRecord[];
  labels: string[];
  summary: DatasetSummary;
  /** sha256 over the normalised items: identifies content independent of the folder path. */
  contentHash: string;
  /**
   * Split lists shipped with the dataset (a manifest's `splits`, PKU-I2IQA style `{k}/train.txt`,
   * `{k}/test.txt`): the folder relative to the dataset folder and the fold numbers found there.
   */
  splitFiles?: { dir: string; folds: number[] };
}

/** A materialised split (`agiqa data split --json` prints train/val/test counts instead of keys). */
export interface SplitManifestRecord {
  unit: SplitUnit;
  trainRatio: number;
  valRatio: number;
  seed: number;
  repeat: number;
  trainKeys: string[];
  valKeys: string[];
  testKeys: string[];
  /** Prompts present on both the train and test side (0 for prompt-unit splits). */
  overlapPrompts: number;
  hash: string;
}

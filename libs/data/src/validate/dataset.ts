import path from 'node:path';
import { stat } from 'node:fs/promises';
import { AgiqaError, type DatasetFormat, type DatasetItemRecord, type DatasetSummary, type LoadedDataset, type ProblemDetail } from '@agiqa/contracts';
import { existingFiles } from '../io/files.js';
import { currentImageDigests } from '../io/image-digest.js';
import { datasetLoader } from '../loaders/registry.js';
import type { LoadedItem } from '../loaders/types.js';
import { listSplitFolds, splitFromFiles } from '../splits/files.js';
import { ProblemCollector, locationPath } from './problems.js';
import { checkStorable } from './storable.js';
import { datasetContentHash, summariseItems } from './summary.js';

/** Which dataset to read. */
export interface DatasetSource {
  /** One of DATASET_FORMATS; anything else fails listing them. */
  format: DatasetFormat | string;
  /** Dataset folder, or a file in it (AGIQA-3K's data.csv, a manifest file, an AIGCIQA2023 CSV). */
  root: string;
  /** Check that every image (and source image) file exists. Default true. */
  checkImages?: boolean;
}

interface Collected {
  format: DatasetFormat;
  root: string;
  baseDir: string;
  checkImages: boolean;
  items: LoadedItem[];
  labels: string[];
  /** Every problem except missing image files. */
  problems: ProblemCollector;
  /** Missing image files, kept apart: `inspect` counts them, `load` and `validate` report them. */
  missing: ProblemDetail[];
  splitFiles?: { dir: string; folds: number[] };
}

/** Reads the dataset and runs every check, collecting all problems; throws only for an unknown format. */
async function collect(source: DatasetSource): Promise<Collected> {
  const loader = datasetLoader(source.format);
  const checkImages = source.checkImages ?? true;
  const root = path.resolve(source.root);
  const problems = new ProblemCollector();
  const empty = { format: loader.format, root, baseDir: root, checkImages, items: [], labels: [], problems, missing: [] };
  let isDir: boolean;
  try {
    isDir = (await stat(root)).isDirectory();
  } catch {
    problems.add({ file: root }, 'dataset root not found');
    return empty;
  }
  const baseDir = isDir ? root : path.dirname(root);
  const output = await loader.load({ input: root, baseDir, checkImages, problems });

  checkStorable(output.items, problems);
  const firstAt = new Map<string, string>();
  for (const item of output.items) {
    const earlier = firstAt.get(item.key);
    if (earlier) problems.add(item.origin, `duplicate name "${item.key}" (first at ${earlier})`);
    else firstAt.set(item.key, locationPath(item.origin));
  }

  const missing: ProblemDetail[] = [];
  if (checkImages && output.items.length > 0) {
    const wanted = output.items.flatMap((i) => (i.sourcePath ? [i.imagePath, i.sourcePath] : [i.imagePath]));
    const found = await existingFiles(baseDir, wanted);
    for (const item of output.items) {
      if (!found.has(item.imagePath)) missing.push({ path: locationPath(item.origin), message: `image ${item.imagePath} not found` });
      if (item.sourcePath && !found.has(item.sourcePath)) {
        missing.push({ path: locationPath({ ...item.origin, field: 'source' }), message: `source image ${item.sourcePath} not found` });
      }
    }
  }

  let splitFiles: Collected['splitFiles'];
  if (output.splitDir !== undefined && problems.count === 0) {
    const dir = path.join(baseDir, output.splitDir);
    const folds = await listSplitFolds(dir);
    if (folds.length === 0) problems.add({ file: output.splitDir }, 'no split lists: expected numbered folders holding train.txt and test.txt');
    for (const fold of folds) {
      try {
        await splitFromFiles({ items: output.items, dir, fold });
      } catch (error) {
        if (!(error instanceof AgiqaError)) throw error;
        for (const d of error.details) problems.add({ file: `${output.splitDir}/${d.path}` }, d.message);
      }
    }
    splitFiles = { dir: output.splitDir, folds };
  }
  return { format: loader.format, root, baseDir, checkImages, items: output.items, labels: output.labels, problems, missing, ...(splitFiles ? { splitFiles } : {}) };
}

const strip = (items: readonly LoadedItem[]): DatasetItemRecord[] => items.map(({ origin: _origin, ...record }) => record);

function allProblems(c: Collected): ProblemDetail[] {
  return [...c.problems.problems, ...c.missing];
}

/**
 * Reads a dataset whole, exactly as its authors ship it, or throws an `invalid_input` AgiqaError
 * whose details list every problem (`file:line:field`): missing images, duplicate names,
 * non-numeric or out-of-range MOS, a wrong header, an unreadable file. Nothing partial is returned,
 * so nothing partial can be registered. With images checked, each item carries its image's digest
 * (sha256 of the bytes: image feature keys are built from it).
 */
export async function loadDataset(source: DatasetSource): Promise<LoadedDataset> {
  const c = await collect(source);
  const problems = allProblems(c);
  if (problems.length > 0) {
    const all = new ProblemCollector();
    all.problems.push(...problems);
    throw all.toError(`${c.format} dataset at ${c.root}`);
  }
  const items = strip(c.items);
  if (c.checkImages) {
    const { digests } = await currentImageDigests(c.baseDir, items.map((item) => ({ imagePath: item.imagePath, digest: null })));
    items.forEach((item, i) => (item.image = digests[i]));
  }
  return {
    format: c.format,
    root: c.root,
    items,
    labels: c.labels,
    summary: summariseItems(items, c.labels, 0),
    contentHash: datasetContentHash(c.format, c.labels, items),
    ...(c.splitFiles ? { splitFiles: c.splitFiles } : {}),
  };
}

/** The outcome of `validateDataset`: every problem at once; a summary when the data itself reads. */
export interface ValidationReport {
  ok: boolean;
  problems: ProblemDetail[];
  summary?: DatasetSummary;
}

/** Runs every check and reports all problems instead of stopping at the first. Never throws for bad data. */
export async function validateDataset(source: DatasetSource): Promise<ValidationReport> {
  const c = await collect(source);
  const problems = allProblems(c);
  const readable = c.problems.count === 0 && c.items.length > 0;
  return {
    ok: problems.length === 0,
    problems,
    ...(readable ? { summary: summariseItems(strip(c.items), c.labels, c.missing.length) } : {}),
  };
}

/**
 * What `agiqa data inspect --json` prints. Missing images are counted (`missingImages`), not
 * fatal, so a dataset whose images are not downloaded yet still inspects; any other problem
 * throws like `loadDataset`. With `checkImages: false` no image is looked for and the count is 0.
 */
export async function inspectDataset(source: DatasetSource): Promise<DatasetSummary> {
  const c = await collect(source);
  c.problems.throwIfAny(`${c.format} dataset at ${c.root}`);
  return summariseItems(strip(c.items), c.labels, c.missing.length);
}

/**
 * The folder item paths are relative to: the root itself, or its parent when the root is a file
 * (data.csv, a manifest). Resolve an image as `path.join(datasetBaseDir(root), item.imagePath)`.
 */
export async function datasetBaseDir(root: string): Promise<string> {
  const resolved = path.resolve(root);
  try {
    return (await stat(resolved)).isDirectory() ? resolved : path.dirname(resolved);
  } catch {
    return resolved;
  }
}

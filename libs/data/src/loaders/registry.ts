import { DATASET_FORMATS, invalidInput, type DatasetFormat } from '@agiqa/contracts';
import { agiqa3kLoader } from './agiqa3k.js';
import { aigciqa2023Loader } from './aigciqa2023.js';
import { manifestLoader } from './manifest.js';
import type { DatasetLoader } from './types.js';

/** Every dataset format, by name. Adding a name to DATASET_FORMATS without a loader fails to compile. */
export const DATASET_LOADERS: Record<DatasetFormat, DatasetLoader> = {
  agiqa3k: agiqa3kLoader,
  aigciqa2023: aigciqa2023Loader,
  manifest: manifestLoader,
};

/** The loader for `format`; an unknown name fails listing the valid ones. */
export function datasetLoader(format: string): DatasetLoader {
  if (!(DATASET_FORMATS as readonly string[]).includes(format)) {
    throw invalidInput(`unknown dataset format "${format}"; valid formats: ${DATASET_FORMATS.join(', ')}`, [
      { path: 'format', message: `must be one of ${DATASET_FORMATS.join(', ')}` },
    ]);
  }
  return DATASET_LOADERS[format as DatasetFormat];
}

import { DATASET_FORMATS } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { validateDataset } from '../validate/dataset.js';
import { DATASET_LOADERS, datasetLoader } from './registry.js';

describe(datasetLoader.name, () => {
  it('has a loader for every format in the contracts', () => {
    for (const format of DATASET_FORMATS) expect(datasetLoader(format)).toBe(DATASET_LOADERS[format]);
  });

  it('rejects an unknown format listing the valid ones', async () => {
    expect(() => datasetLoader('koniq')).toThrow('unknown dataset format "koniq"; valid formats: agiqa3k, aigciqa2023, manifest');
    await expect(validateDataset({ format: 'pku', root: '.' })).rejects.toThrow(/valid formats: agiqa3k, aigciqa2023, manifest/);
  });

  it('reports a root that does not exist', async () => {
    const report = await validateDataset({ format: 'agiqa3k', root: '/nonexistent/agiqa-3k' });
    expect(report).toEqual({ ok: false, problems: [{ path: '/nonexistent/agiqa-3k', message: 'dataset root not found' }] });
  });
});

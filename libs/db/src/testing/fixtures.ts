// Small in-memory inputs for the repository specs (not exported).
import type { DatasetFormat, LoadedDataset, SplitManifestRecord } from '@agiqa/contracts';

/** A small loaded dataset: `n` images, two per prompt, two generators. */
export function loadedDataset(n: number, format: DatasetFormat = 'agiqa3k'): LoadedDataset {
  const items = Array.from({ length: n }, (_, i) => ({
    position: i,
    key: `img_${String(i).padStart(4, '0')}.png`,
    imagePath: `images/img_${i}.png`,
    prompt: `prompt ${Math.floor(i / 2)}`,
    promptKey: String(Math.floor(i / 2)).padStart(3, '0'),
    generator: i % 2 === 0 ? 'midjourney' : 'sd1.5',
    mos: { quality: 1 + (i % 40) / 10, align: 2 + (i % 30) / 10 },
    ...(i % 3 === 0 ? { mosStd: { quality: 0.5 } } : {}),
  }));
  return {
    format,
    root: '/data/fixture',
    items,
    labels: ['quality', 'align'],
    summary: {
      rows: n,
      prompts: Math.ceil(n / 2),
      generators: { midjourney: Math.ceil(n / 2), 'sd1.5': Math.floor(n / 2) },
      mos: { quality: { min: 1, max: 4.9, mean: 2.9 } },
      missingImages: 0,
    },
    contentHash: `hash-${n}`,
  };
}

/** A split manifest record over the keys of `loadedDataset(n)`. */
export function splitRecord(keys: string[], overrides: Partial<SplitManifestRecord> = {}): SplitManifestRecord {
  const cut = Math.floor(keys.length * 0.8);
  return {
    unit: 'prompt',
    trainRatio: 0.8,
    valRatio: 0,
    seed: 0,
    repeat: 0,
    trainKeys: keys.slice(0, cut),
    valKeys: [],
    testKeys: keys.slice(cut),
    overlapPrompts: 0,
    hash: 'split-hash-a',
    ...overrides,
  };
}

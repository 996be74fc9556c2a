import type { DatasetFormat, DatasetItemRecord, DatasetSummary } from '@agiqa/contracts';
import { canonicalJson, compareCodeUnits, sha256Hex } from '../hash.js';

/** What `agiqa data inspect --json` prints. `missingImages` is 0 when images were not checked. */
export function summariseItems(items: readonly DatasetItemRecord[], labels: readonly string[], missingImages: number): DatasetSummary {
  const generators: Record<string, number> = {};
  for (const name of [...new Set(items.map((i) => i.generator))].sort(compareCodeUnits)) generators[name] = 0;
  for (const item of items) generators[item.generator]++;
  const mos: DatasetSummary['mos'] = {};
  for (const label of labels) {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let n = 0;
    for (const item of items) {
      const v = item.mos[label];
      if (v === undefined) continue;
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      n++;
    }
    // 12 significant digits: the mean prints as 2.74850908, not 2.7485090799999994.
    if (n > 0) mos[label] = { min, max, mean: Number((sum / n).toPrecision(12)) };
  }
  return { rows: items.length, prompts: new Set(items.map((i) => i.promptKey)).size, generators, mos, missingImages };
}

/** 12 significant digits: a value read from a .mat double and the same value printed to CSV agree. */
const canonicalNumber = (v: number) => Number(v.toPrecision(12));
const canonicalScores = (scores: Record<string, number> | undefined) =>
  scores && Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, canonicalNumber(v)]));

/**
 * sha256 over the normalised content: format, labels and, per item in key order, key, prompt,
 * prompt key, generator, source path and scores (12 significant digits). Image paths and file
 * order are left out, so the three AIGCIQA2023 layouts of the same release hash alike and moving
 * the folder changes nothing.
 */
export function datasetContentHash(format: DatasetFormat, labels: readonly string[], items: readonly DatasetItemRecord[]): string {
  const normalised = [...items]
    .sort((a, b) => compareCodeUnits(a.key, b.key))
    .map((i) => ({
      key: i.key,
      prompt: i.prompt,
      promptKey: i.promptKey,
      generator: i.generator,
      sourcePath: i.sourcePath,
      mos: canonicalScores(i.mos),
      mosStd: canonicalScores(i.mosStd),
    }));
  return sha256Hex(canonicalJson({ algorithm: 'agiqa/dataset/v1', format, labels, items: normalised }));
}

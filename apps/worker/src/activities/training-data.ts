import { resolve } from 'node:path';
import { invalidInput } from '@agiqa/contracts';
import type { FinetuneSplit, SplitData, TextTable } from '@agiqa/model';

/** Image features by item key: one vector of `dim` floats per image. */
export interface ImageFeatureSource {
  dim: number;
  vector(key: string): Float32Array | undefined;
}

/** Text features by prompt key: `length` token vectors of `dim` floats, [length, dim] row-major. */
export interface TextFeatureSource {
  dim: number;
  tokens(key: string): { data: Float32Array; length: number } | undefined;
}

export interface TrainingItem {
  key: string;
  prompt: string;
  mos: Record<string, number>;
  /** Relative to the dataset's folder (fine-tuning reads the images themselves). */
  imagePath?: string;
}

type SplitKeys = { trainKeys: readonly string[]; valKeys: readonly string[]; testKeys: readonly string[] };

/**
 * The items of one split in order, each with its score: an item the dataset lacks or one without the
 * label fails naming the key (shared by the head and the fine-tuning inputs).
 */
function splitItems(byKey: ReadonlyMap<string, TrainingItem>, name: string, keys: readonly string[], label: string): { item: TrainingItem; score: number }[] {
  return keys.map((key) => {
    const item = byKey.get(key);
    if (!item) throw invalidInput(`split ${name} lists item ${key}, which the dataset does not have`);
    const score = item.mos[label];
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      throw invalidInput(`item ${key} has no "${label}" score; labels present: ${Object.keys(item.mos).join(', ') || 'none'}`, [
        { path: 'label', message: `unknown MOS label "${label}"` },
      ]);
    }
    return { item, score };
  });
}

export interface FinetuneData {
  prompts: string[];
  train: FinetuneSplit;
  val?: FinetuneSplit;
  test: FinetuneSplit;
  /** Item keys of `test` rows, in order. */
  testKeys: string[];
}

/**
 * The fine-tuning inputs: each split's image paths (absolute, under `base`), prompt indices into the
 * distinct prompts, and MOS targets.
 */
export function buildFinetuneData(input: { items: readonly TrainingItem[]; split: SplitKeys; label: string; base: string }): FinetuneData {
  const byKey = new Map(input.items.map((item) => [item.key, item]));
  const prompts: string[] = [];
  const promptIndex = new Map<string, number>();
  const side = (name: string, keys: readonly string[]): FinetuneSplit => {
    const rows = splitItems(byKey, name, keys, input.label);
    const images = rows.map(({ item }) => {
      if (!item.imagePath) throw invalidInput(`item ${item.key} has no image path`);
      return resolve(input.base, item.imagePath);
    });
    const index = Int32Array.from(rows, ({ item }) => {
      let p = promptIndex.get(item.prompt);
      if (p === undefined) {
        p = prompts.length;
        promptIndex.set(item.prompt, p);
        prompts.push(item.prompt);
      }
      return p;
    });
    return { images, promptIndex: index, targets: Float32Array.from(rows, (r) => r.score) };
  };
  const train = side('train', input.split.trainKeys);
  const val = input.split.valKeys.length > 0 ? side('val', input.split.valKeys) : undefined;
  const test = side('test', input.split.testKeys);
  return { prompts, train, ...(val ? { val } : {}), test, testKeys: [...input.split.testKeys] };
}

export interface TrainingData {
  imageDim: number;
  text: TextTable;
  train: SplitData;
  val?: SplitData;
  test: SplitData;
  /** Item keys of `test` rows, in order: predictions are stored by these. */
  testKeys: string[];
}

/**
 * Assembles the head trainer's inputs from cached features and a split manifest. Prompts are shared
 * by many images, so text features are gathered once per distinct prompt into a padded table
 * ([P, N, dT] with a [P, N] mask) that image rows point into by index; nothing is materialised per
 * image beyond its own [dI] vector.
 */
export function buildTrainingData(input: {
  items: readonly TrainingItem[];
  split: SplitKeys;
  label: string;
  image: ImageFeatureSource;
  text: TextFeatureSource;
}): TrainingData {
  const { image, text, label } = input;
  const byKey = new Map(input.items.map((item) => [item.key, item]));
  const promptIndex = new Map<string, number>();
  const promptTokens: { data: Float32Array; length: number }[] = [];

  const side = (name: string, keys: readonly string[]): SplitData => {
    const n = keys.length;
    const features = new Float32Array(n * image.dim); // [n, dI]
    const index = new Int32Array(n); // [n] → row of the text table
    const targets = new Float32Array(n); // [n]
    splitItems(byKey, name, keys, label).forEach(({ item, score }, row) => {
      const { key } = item;
      const vector = image.vector(key);
      if (!vector || vector.length !== image.dim) throw invalidInput(`image features are missing for item ${key}`);
      features.set(vector, row * image.dim);
      let p = promptIndex.get(item.prompt);
      if (p === undefined) {
        const tokens = text.tokens(item.prompt);
        if (!tokens || tokens.length < 1) throw invalidInput(`text features are missing for the prompt of item ${key}`);
        p = promptTokens.length;
        promptIndex.set(item.prompt, p);
        promptTokens.push(tokens);
      }
      index[row] = p;
      targets[row] = score;
    });
    return { image: features, promptIndex: index, targets };
  };

  const train = side('train', input.split.trainKeys);
  const val = input.split.valKeys.length > 0 ? side('val', input.split.valKeys) : undefined;
  const test = side('test', input.split.testKeys);

  const prompts = promptTokens.length;
  const maxTokens = Math.max(...promptTokens.map((t) => t.length));
  const tokens = new Float32Array(prompts * maxTokens * text.dim); // [P, N, dT], zero padding
  const mask = new Float32Array(prompts * maxTokens); // [P, N], 1 = token
  promptTokens.forEach((t, p) => {
    tokens.set(t.data.subarray(0, t.length * text.dim), p * maxTokens * text.dim);
    mask.fill(1, p * maxTokens, p * maxTokens + t.length);
  });
  return {
    imageDim: image.dim,
    text: { tokens, mask, prompts, maxTokens, dim: text.dim },
    train,
    ...(val ? { val } : {}),
    test,
    testKeys: [...input.split.testKeys],
  };
}

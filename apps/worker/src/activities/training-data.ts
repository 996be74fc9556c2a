import { invalidInput } from '@agiqa/contracts';
import type { SplitData, TextTable } from '@agiqa/model';

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
  split: { trainKeys: readonly string[]; valKeys: readonly string[]; testKeys: readonly string[] };
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
    keys.forEach((key, row) => {
      const item = byKey.get(key);
      if (!item) throw invalidInput(`split ${name} lists item ${key}, which the dataset does not have`);
      const score = item.mos[label];
      if (typeof score !== 'number' || !Number.isFinite(score)) {
        throw invalidInput(`item ${key} has no "${label}" score; labels present: ${Object.keys(item.mos).join(', ') || 'none'}`, [
          { path: 'label', message: `unknown MOS label "${label}"` },
        ]);
      }
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

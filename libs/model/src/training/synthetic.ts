import { createRng, type Rng } from '@agiqa/contracts';
import { pearsonUnchecked } from '../metrics/correlation.js';
import type { SplitData, TextTable } from './train-head.js';

export interface SyntheticTaskOptions {
  /** dI */
  imageDim: number;
  /** dT */
  textDim: number;
  /** N: padded token positions; prompts use 2..N of them. */
  maxTokens: number;
  /** Prompts in train / test (disjoint: test prompts are unseen, as in a prompt-level split). */
  trainPrompts: number;
  testPrompts: number;
  valPrompts?: number;
  /** Images per prompt. */
  imagesPerPrompt: number;
  /** Width k of the latent prompt content (default 16); larger k makes agreement easier to read. */
  latentDim?: number;
  /** Weight of image-text agreement in the MOS (both terms have unit variance; default 1). */
  agreementWeight?: number;
  /**
   * Weight of the image-only quality term in the MOS (default 1). 0 puts the whole signal in the
   * prompt–image relation: a head that does not compare image and text cannot rank test images.
   */
  qualityWeight?: number;
  seed?: number;
}

export interface SyntheticTask {
  text: TextTable;
  train: SplitData;
  val?: SplitData;
  test: SplitData;
  imageDim: number;
  /**
   * Correlation with MOS of the best predictor that sees the image alone, on the test split
   * (its quality term): a head that also uses the prompt must beat it.
   */
  imageOnlyCeiling: number;
}

/**
 * Feature-level synthetic task for testing heads without encoders: a MOS that depends on an
 * image-only quality direction and on how well the image's content agrees with its prompt.
 *
 * Each prompt p has a latent content c_p ∈ R^k; its tokens are A·(c_p + token noise) in dT
 * dims. Each image draws an alignment α ∈ [0, 1] and a quality q ~ N(0, 1); its content is
 * u = α·c_p + √(1 − α²)·r (r independent, so u alone is N(0, I) whatever α is), and its feature
 * is B·u + q·w + noise in dI dims. MOS = 3 + 0.5·(qualityWeight·q + agreementWeight·z(α)) with z(α) the
 * standardised α. Only a head that compares image and text can recover the α term.
 */
export function makeSyntheticFeatureTask(options: SyntheticTaskOptions): SyntheticTask {
  const { imageDim, textDim, maxTokens, imagesPerPrompt, agreementWeight = 1, qualityWeight = 1, seed = 0, latentDim: k = 16 } = options;
  const rng = createRng(seed, 0x5e7);
  const normal = gaussian(rng);
  const matrix = (rows: number, cols: number) => Float64Array.from({ length: rows * cols }, () => normal() / Math.sqrt(rows));
  const toText = matrix(k, textDim); // A: [k, dT]
  const toImage = matrix(k, imageDim); // B: [k, dI]
  const qualityDir = Float64Array.from({ length: imageDim }, () => normal() / Math.sqrt(imageDim) * 3); // w

  const promptCount = options.trainPrompts + (options.valPrompts ?? 0) + options.testPrompts;
  const content = Array.from({ length: promptCount }, () => Float64Array.from({ length: k }, normal));
  const tokens = new Float32Array(promptCount * maxTokens * textDim);
  const mask = new Float32Array(promptCount * maxTokens);
  for (let p = 0; p < promptCount; p++) {
    const length = 2 + rng.nextInt(maxTokens - 1);
    for (let t = 0; t < length; t++) {
      mask[p * maxTokens + t] = 1;
      const latent = content[p].map((c) => c + 0.3 * normal());
      for (let j = 0; j < textDim; j++) {
        let v = 0.05 * normal();
        for (let a = 0; a < k; a++) v += latent[a] * toText[a * textDim + j];
        tokens[(p * maxTokens + t) * textDim + j] = v;
      }
    }
  }

  const makeSplit = (firstPrompt: number, prompts: number) => {
    const n = prompts * imagesPerPrompt;
    const split: SplitData = {
      image: new Float32Array(n * imageDim),
      promptIndex: new Int32Array(n),
      targets: new Float32Array(n),
    };
    const quality = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const p = firstPrompt + Math.floor(i / imagesPerPrompt);
      const alpha = rng.nextFloat();
      const q = normal();
      const u = content[p].map((c) => alpha * c + Math.sqrt(1 - alpha * alpha) * normal());
      for (let j = 0; j < imageDim; j++) {
        let v = q * qualityDir[j] + 0.05 * normal();
        for (let a = 0; a < k; a++) v += u[a] * toImage[a * imageDim + j];
        split.image[i * imageDim + j] = v;
      }
      split.promptIndex[i] = p;
      // z(α) for α ~ U(0, 1): (α − 1/2)·√12 has unit variance.
      split.targets[i] = 3 + 0.5 * (qualityWeight * q + agreementWeight * (alpha - 0.5) * Math.sqrt(12));
      quality[i] = q;
    }
    return { split, quality };
  };
  const train = makeSplit(0, options.trainPrompts);
  const val = options.valPrompts ? makeSplit(options.trainPrompts, options.valPrompts) : undefined;
  const test = makeSplit(options.trainPrompts + (options.valPrompts ?? 0), options.testPrompts);
  return {
    text: { tokens, mask, prompts: promptCount, maxTokens, dim: textDim },
    train: train.split,
    val: val?.split,
    test: test.split,
    imageDim,
    imageOnlyCeiling: pearsonUnchecked(test.quality, Float64Array.from(test.split.targets)),
  };
}

function gaussian(rng: Rng): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    // Box–Muller; 1 − u keeps the logarithm's argument in (0, 1].
    const u = 1 - rng.nextFloat();
    const v = rng.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

import { FUSION_NAMES, HeadOptionsSchema, invalidInput, parseOrThrow, type FusionName, type HeadOptions } from '@agiqa/contracts';
import * as tf from '@tensorflow/tfjs';
import { glorot, subSeed } from './common.js';
import { ConcatFusion } from './concat.js';
import { CosineFusion } from './cosine.js';
import { CrossAttentionFusion } from './cross-attention.js';
import { Dense } from './dense.js';

/** Widths of the head's inputs. */
export interface HeadDims {
  /** dI: width of F_I (768 for CLIP ViT-B/32 pooled, 512 projected; small for tiny encoders). */
  image: number;
  /** dT: width of each F_T token (768 for BERT-base). */
  text: number;
  /** N: token positions per prompt (padded). */
  maxTokens: number;
}

export interface FusionSpec {
  /** The paper's name for it (Table 1 column). */
  label: string;
  /** A fusion layer mapping [image [B, dI], tokens [B, N, dT], mask [B, N]] → [B, features]. */
  create(options: HeadOptions, seed: number): tf.layers.Layer;
}

/** Fusion name → how to build its layer. The one place a fusion name is resolved. */
export const FUSIONS: Record<FusionName, FusionSpec> = {
  concat: {
    label: 'Concatenation',
    create: (o, seed) =>
      new ConcatFusion({ name: 'fusion', textPooling: o.textPooling, imageProjection: o.imageProjection, seed }),
  },
  cosine: {
    label: 'Cosine similarity',
    create: (o, seed) =>
      new CosineFusion({
        name: 'fusion',
        reduce: o.cosineReduce,
        withImage: o.cosineWithImage,
        space: o.cosineSpace,
        sharedDim: o.cosineSharedDim,
        seed,
      }),
  },
  cross_attention: {
    label: 'Cross-attention',
    create: (o, seed) =>
      new CrossAttentionFusion({
        name: 'fusion',
        heads: o.attentionHeads,
        withImage: o.attentionWithImage,
        imageProjection: o.imageProjection,
        seed,
      }),
  },
};

/** Input names of a head model, in `predict` / `apply` order. */
export const HEAD_INPUTS = ['image', 'text_tokens', 'text_mask'] as const;

export interface BuildHeadOptions {
  /** Seed of every weight initializer in the head (default 0): same seed, same initial weights. */
  seed?: number;
}

/**
 * Builds a complete head: inputs [image [B, dI], text tokens [B, N, dT], text mask [B, N]] →
 * fusion → FC1 = ReLU(W1·F_v + b1) (Eq. 5, `hiddenUnits` wide) → Q = W2·FC1 + b2 (Eq. 6) → [B, 1].
 * Weights are initialised Glorot-uniform (biases zero) from seeds derived from `seed`.
 *
 * @throws AgiqaError `invalid_input` for an unknown fusion (listing the valid ones), bad widths,
 *   or options that do not fit the widths (e.g. heads that do not divide dT).
 */
export function buildHead(
  fusion: FusionName,
  options: Partial<HeadOptions>,
  dims: HeadDims,
  { seed = 0 }: BuildHeadOptions = {},
): tf.LayersModel {
  const spec = (FUSIONS as Partial<Record<string, FusionSpec>>)[fusion];
  if (spec === undefined) {
    throw invalidInput(`unknown fusion "${String(fusion)}"; valid: ${FUSION_NAMES.join(', ')}`, [
      { path: 'fusion', message: `one of ${FUSION_NAMES.join(', ')}` },
    ]);
  }
  for (const key of ['image', 'text', 'maxTokens'] as const) {
    if (!Number.isInteger(dims[key]) || dims[key] < 1) {
      throw invalidInput(`dims.${key} must be a positive integer, got ${dims[key]}`, [
        { path: `dims.${key}`, message: 'must be a positive integer' },
      ]);
    }
  }
  const head = HeadOptionsSchema.parse(options);
  const image = tf.input({ shape: [dims.image], name: HEAD_INPUTS[0] });
  const tokens = tf.input({ shape: [dims.maxTokens, dims.text], name: HEAD_INPUTS[1] });
  const mask = tf.input({ shape: [dims.maxTokens], name: HEAD_INPUTS[2] });
  const fused = spec.create(head, subSeed(seed, 0) ?? 0).apply([image, tokens, mask]) as tf.SymbolicTensor;
  const fc1 = new Dense({ units: head.hiddenUnits, activation: 'relu', name: 'fc1', kernelInitializer: glorot(seed, 1) }).apply(
    fused,
  ) as tf.SymbolicTensor;
  const score = new Dense({ units: 1, name: 'fc2', kernelInitializer: glorot(seed, 2) }).apply(fc1) as tf.SymbolicTensor;
  return tf.model({ inputs: [image, tokens, mask], outputs: score, name: `${fusion}_head` });
}

/**
 * Head options as a run recorded them, with the equations that run used. Options recorded before
 * `cosineSpace` existed (checkpoints, stored grids) meant the earlier cosine rule: F_I projected
 * into F_T's space with `imageProjection: linear`, or with `auto` when the widths differ; raw
 * cosine otherwise. Without this, an old checkpoint would not restore and a re-run of an old
 * sweep's cell would silently train the new equations under its old setting.
 *
 * @throws AgiqaError `invalid_input` naming the field when the options are not valid.
 */
export function recordedHeadOptions(recorded: unknown, dims: Pick<HeadDims, 'image' | 'text'>): HeadOptions {
  const options = typeof recorded === 'object' && recorded !== null ? { ...(recorded as Record<string, unknown>) } : {};
  if (!('cosineSpace' in options)) {
    const projection = options.imageProjection ?? 'auto';
    options.cosineSpace = projection === 'linear' || (projection === 'auto' && dims.image !== dims.text) ? 'image' : 'none';
  }
  return parseOrThrow(HeadOptionsSchema, options, 'head');
}

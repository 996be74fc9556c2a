import type { HeadOptions } from '@agiqa/contracts';
import * as tf from '@tensorflow/tfjs';

/** Constructor arguments every tfjs layer takes (name, trainable, …); not exported by tfjs-layers. */
export type BaseLayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

export type ImageProjectionMode = HeadOptions['imageProjection'];

/** Lower bound on squared norms in cosine similarity: keeps all-zero (padded) vectors finite, gradients included. */
export const NORM_EPSILON_SQUARED = 1e-16;

/**
 * Seed of the k-th initializer of a layer whose base seed is `seed`. Each weight needs its own
 * stream: two same-shaped kernels drawn from one seed would start identical (e.g. W_k = W_v).
 */
export function subSeed(seed: number | undefined, k: number): number | undefined {
  if (seed === undefined) return undefined;
  let h = Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) ^ Math.imul(k + 1, 0x165667b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

/** Glorot-uniform (the tfjs / Keras default for Dense kernels), seeded when `seed` is set. */
export function glorot(seed: number | undefined, k: number): ReturnType<typeof tf.initializers.glorotUniform> {
  const s = subSeed(seed, k);
  return tf.initializers.glorotUniform(s === undefined ? {} : { seed: s });
}

/** Shapes of the three head inputs, as tfjs passes them to `build` / `computeOutputShape`. */
export interface FusionInputShapes {
  /** `[batch, dI]` */
  image: tf.Shape;
  /** `[batch, tokens, dT]` */
  tokens: tf.Shape;
  /** `[batch, tokens]` */
  mask: tf.Shape;
  imageDim: number;
  textDim: number;
  /** N, or null when the token axis is dynamic. */
  maxTokens: number | null;
}

/** Checks that a fusion layer got [image [B, dI], tokens [B, N, dT], mask [B, N]]. */
export function fusionInputShapes(layer: string, inputShape: tf.Shape | tf.Shape[]): FusionInputShapes {
  const shapes = inputShape as tf.Shape[];
  if (!Array.isArray(shapes[0]) || shapes.length !== 3) {
    throw new Error(`${layer} expects three inputs [image [B, dI], text tokens [B, N, dT], text mask [B, N]]`);
  }
  const [image, tokens, mask] = shapes;
  if (image.length !== 2 || tokens.length !== 3 || mask.length !== 2) {
    throw new Error(
      `${layer} expects ranks 2, 3, 2 for [image, text tokens, text mask], got ${image.length}, ${tokens.length}, ${mask.length}`,
    );
  }
  if (tokens[1] !== null && mask[1] !== null && tokens[1] !== mask[1]) {
    throw new Error(`${layer}: text tokens have ${tokens[1]} positions but the mask has ${mask[1]}`);
  }
  if (image[1] == null || tokens[2] == null) throw new Error(`${layer}: feature widths must be known`);
  return { image, tokens, mask, imageDim: image[1], textDim: tokens[2], maxTokens: tokens[1] };
}

/** Zeroes padded positions: `tokens · mask` → [B, N, d]. Padding then cannot reach any output. */
export function zeroPadding(tokens: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor3D {
  return tf.mul(tokens, tf.expandDims(mask, 2));
}

/** Masked mean over tokens: Σ mask·F_T / max(Σ mask, 1) → [B, d]. */
export function maskedMean(tokens: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
  const summed = tf.sum(zeroPadding(tokens, mask), 1); // [B, d]
  const count = tf.maximum(tf.sum(mask, 1, true), 1); // [B, 1]
  return tf.div(summed, count);
}

/** Scales each vector along the last axis to unit length (zero vectors stay zero). */
export function l2Normalize<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), -1, true), NORM_EPSILON_SQUARED)));
}

/** The `[image, tokens, mask]` tensors a fusion layer's `call` receives. */
export function fusionInputs(inputs: tf.Tensor | tf.Tensor[]): [tf.Tensor2D, tf.Tensor3D, tf.Tensor2D] {
  const list = inputs as tf.Tensor[];
  return [list[0] as tf.Tensor2D, list[1] as tf.Tensor3D, list[2] as tf.Tensor2D];
}

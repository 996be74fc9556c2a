import { invalidInput, type HeadOptions } from '@agiqa/contracts';
import * as tf from '@tensorflow/tfjs';
import { matMul } from '../kernels/matmul.js';
import { fusionInputs, fusionInputShapes, glorot, l2Normalize, zeroPadding, type BaseLayerArgs } from './common.js';

export type CosineSpace = HeadOptions['cosineSpace'];

export interface CosineFusionArgs extends BaseLayerArgs {
  /**
   * How the per-token similarities S_Q [N] become FC input (the paper leaves it open). `mean-max`
   * (default): masked mean and masked max, i.e. overall agreement and the best-matching token.
   * `mean` / `max`: one of them.
   */
  reduce?: HeadOptions['cosineReduce'];
  /**
   * Also feed F_I (unprojected) to the FC layers (default true). Without it the head sees only
   * image–text agreement and cannot score an image's quality apart from its prompt.
   */
  withImage?: boolean;
  /**
   * Eq. 3 compares F_I with each token of F_T, so both must live in one space, and frozen CLIP
   * and BERT spaces are unrelated whatever their widths (768 and 768 included). `shared`
   * (default): learned linear maps P_I [dI, dS] and P_T [dT, dS] (with biases) take F_I and every
   * token into one `sharedDim`-wide space, S_Q[j] = cos(P_I·F_I, P_T·F_T[j]). `image`: only F_I is
   * mapped, into F_T's space (F_T's own geometry kept). `none`: cosine of the raw features;
   * requires equal widths.
   */
  space?: CosineSpace;
  /** dS, the width of the `shared` space (default 64). */
  sharedDim?: number;
  /** Base seed of the weight initializers (unseeded when omitted). */
  seed?: number;
}

const REDUCED_FEATURES: Record<HeadOptions['cosineReduce'], number> = { mean: 1, max: 1, 'mean-max': 2 };

/** A learned affine map `x·W + b` of the last axis. */
interface Projection {
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable;
}

/**
 * Cosine-similarity fusion (Eq. 3): S_Q[j] = cos(P_I(F_I), P_T(F_T[j])) for each real token j,
 * reduced over tokens → [B, (dI) + 1 or 2]. P_I and P_T depend on `space`. Padded tokens are
 * excluded from the mean and can never be the max (they are set to −1, the lowest cosine).
 */
export class CosineFusion extends tf.layers.Layer {
  static readonly className = 'AgiqaCosineFusion';
  private readonly reduce: HeadOptions['cosineReduce'];
  private readonly withImage: boolean;
  private readonly space: CosineSpace;
  private readonly sharedDim: number;
  private readonly seed: number | undefined;
  private imageProjection: Projection | null = null;
  private textProjection: Projection | null = null;

  constructor(args: CosineFusionArgs = {}) {
    super(args);
    this.reduce = args.reduce ?? 'mean-max';
    this.withImage = args.withImage ?? true;
    this.space = args.space ?? 'shared';
    this.sharedDim = args.sharedDim ?? 64;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const { imageDim, textDim } = fusionInputShapes(CosineFusion.className, inputShape);
    if (this.space === 'none' && imageDim !== textDim) {
      throw invalidInput(
        `head.cosineSpace "none" compares raw F_I and F_T, which needs one width, but image features are ${imageDim}-d and text features ${textDim}-d; use "shared" or "image"`,
        [{ path: 'head.cosineSpace', message: `image width ${imageDim} ≠ text width ${textDim}` }],
      );
    }
    if (!Number.isInteger(this.sharedDim) || this.sharedDim < 1) {
      throw invalidInput(`head.cosineSharedDim must be a positive integer, got ${this.sharedDim}`, [
        { path: 'head.cosineSharedDim', message: 'must be a positive integer' },
      ]);
    }
    const to = this.space === 'shared' ? this.sharedDim : textDim;
    if (this.space !== 'none') this.imageProjection = this.projection('image_projection', imageDim, to, 0);
    if (this.space === 'shared') this.textProjection = this.projection('text_projection', textDim, to, 1);
    this.built = true;
  }

  private projection(name: string, from: number, to: number, k: number): Projection {
    return {
      kernel: this.addWeight(`${name}/kernel`, [from, to], 'float32', glorot(this.seed, k)),
      bias: this.addWeight(`${name}/bias`, [to], 'float32', tf.initializers.zeros()),
    };
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const { image, imageDim } = fusionInputShapes(CosineFusion.className, inputShape);
    return [image[0], (this.withImage ? imageDim : 0) + REDUCED_FEATURES[this.reduce]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [image, tokens, mask] = fusionInputs(inputs);
      const fi = l2Normalize(project(image, this.imageProjection)); // [B, dS]
      const ft = l2Normalize(projectTokens(zeroPadding(tokens, mask), this.textProjection)); // [B, N, dS]
      const similarity = tf.squeeze(matMul(ft, tf.expandDims(fi, 2) as tf.Tensor3D), [2]); // S_Q: [B, N]
      const features: tf.Tensor2D[] = this.withImage ? [image] : [];
      if (this.reduce !== 'max') {
        const count = tf.maximum(tf.sum(mask, 1, true), 1); // [B, 1]
        features.push(tf.div(tf.sum(tf.mul(similarity, mask), 1, true), count)); // masked mean [B, 1]
      }
      if (this.reduce !== 'mean') {
        // S·m + (m − 1): real tokens keep S, padded ones become −1 ≤ any real cosine.
        features.push(tf.max(tf.add(tf.mul(similarity, mask), tf.sub(mask, 1)), 1, true)); // masked max [B, 1]
      }
      return tf.concat(features, 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      reduce: this.reduce,
      withImage: this.withImage,
      space: this.space,
      sharedDim: this.sharedDim,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }
}

/** `x·W + b` for `x` [B, d] → [B, d'], or `x` unchanged without a projection. */
function project(x: tf.Tensor2D, p: Projection | null): tf.Tensor2D {
  return p ? tf.add(matMul(x, p.kernel.read() as tf.Tensor2D), p.bias.read()) : x;
}

/** The same map applied to every token: [B, N, d] → [B, N, d'] (as one [B·N, d] matmul). */
function projectTokens(tokens: tf.Tensor3D, p: Projection | null): tf.Tensor3D {
  if (!p) return tokens;
  const [batch, n, d] = tokens.shape;
  const flat = project(tf.reshape(tokens, [batch * n, d]), p); // [B·N, d']
  return tf.reshape(flat, [batch, n, flat.shape[1]]);
}
tf.serialization.registerClass(CosineFusion);

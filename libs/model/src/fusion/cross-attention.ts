import { invalidInput } from '@agiqa/contracts';
import * as tf from '@tensorflow/tfjs';
import { matMul } from '../kernels/matmul.js';
import {
  fusionInputs,
  fusionInputShapes,
  glorot,
  zeroPadding,
  type BaseLayerArgs,
  type ImageProjectionMode,
} from './common.js';

/** Additive score for padded keys: exp(−1e9 − max) underflows to exactly 0 in float32. */
const MASKED_SCORE = -1e9;

/**
 * Weights of single-query multi-head cross-attention. Key projection has no bias: q·b_k is the
 * same for every token, so softmax cancels it (it would be a parameter without effect).
 */
export interface CrossAttentionWeights {
  /** Query projection `[dQ, d]` (dQ = width of the image feature fed in). */
  wq: tf.Tensor2D;
  /** `[d]` */
  bq: tf.Tensor1D;
  /** Key projection `[d, d]`. */
  wk: tf.Tensor2D;
  /** Value projection `[d, d]`. */
  wv: tf.Tensor2D;
  /** `[d]` */
  bv: tf.Tensor1D;
  /** Output projection `[d, d]`. */
  wo: tf.Tensor2D;
  /** `[d]` */
  bo: tf.Tensor1D;
}

/**
 * Single-query cross-attention in the folded form, O(d² + h·N·d) per sample instead of the naive
 * O(N·d²): the key projection is folded into the query, q_h·(F_T·W_k^h)ᵀ = (q_h·W_k^hᵀ)·F_Tᵀ, and
 * the value projection is applied after the weighted sum, Σ_j a_j (F_T[j]·W_v^h + b_v) =
 * (Σ_j a_j F_T[j])·W_v^h + b_v (since Σ_j a_j = 1). No [N, d] key or value matrix is ever formed.
 *
 * @param query `[B, dQ]` image features (the single query per sample)
 * @param tokens `[B, N, d]` text token features
 * @param mask `[B, N]` 1 = token, 0 = padding
 * @returns `[B, d]`
 */
export function crossAttentionFolded(
  w: CrossAttentionWeights,
  query: tf.Tensor2D,
  tokens: tf.Tensor3D,
  mask: tf.Tensor2D,
  heads: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [batch, , d] = tokens.shape;
    const dk = d / heads;
    const ft = zeroPadding(tokens, mask); // [B, N, d]
    const q = tf.add(matMul(query, w.wq), w.bq); // [B, d]
    const qh = tf.transpose(tf.reshape(q, [batch, heads, dk]), [1, 0, 2]); // [h, B, dk]
    const wkh = tf.transpose(tf.reshape(w.wk, [d, heads, dk]), [1, 0, 2]) as tf.Tensor3D; // W_k^h: [h, d, dk]
    const u = tf.transpose(matMul(qh as tf.Tensor3D, wkh, false, true), [1, 0, 2]) as tf.Tensor3D; // q_h·W_k^hᵀ: [B, h, d]
    const scores = tf.mul(matMul(u, ft, false, true), 1 / Math.sqrt(dk)); // [B, h, N]
    const bias = tf.expandDims(tf.mul(tf.sub(1, mask), MASKED_SCORE), 1); // [B, 1, N]
    const attention = tf.softmax(tf.add(scores, bias)) as tf.Tensor3D; // [B, h, N]
    const context = tf.transpose(matMul(attention, ft), [1, 0, 2]) as tf.Tensor3D; // Σ_j a_j F_T[j]: [h, B, d]
    const wvh = tf.transpose(tf.reshape(w.wv, [d, heads, dk]), [1, 0, 2]) as tf.Tensor3D; // W_v^h: [h, d, dk]
    const values = tf.transpose(matMul(context, wvh), [1, 0, 2]); // [B, h, dk]
    const attended = tf.add(tf.reshape(values, [batch, d]), w.bv) as tf.Tensor2D; // heads concatenated: [B, d]
    return tf.add(matMul(attended, w.wo), w.bo) as tf.Tensor2D; // [B, d]
  });
}

/**
 * The textbook form, O(N·d²) per sample: project every token to keys and values, then attend.
 * Kept as the reference the folded form is tested and benchmarked against. `bk` (optional) shows
 * that a key bias has no effect.
 */
export function crossAttentionNaive(
  w: CrossAttentionWeights & { bk?: tf.Tensor1D },
  query: tf.Tensor2D,
  tokens: tf.Tensor3D,
  mask: tf.Tensor2D,
  heads: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [batch, n, d] = tokens.shape;
    const dk = d / heads;
    const ft = zeroPadding(tokens, mask); // [B, N, d]
    const flat = tf.reshape(ft, [batch * n, d]);
    let keys = tf.matMul(flat, w.wk); // [B·N, d]
    if (w.bk) keys = tf.add(keys, w.bk);
    const values = tf.add(tf.matMul(flat, w.wv), w.bv); // [B·N, d]
    const split = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [batch, n, heads, dk]), [0, 2, 1, 3]); // [B, h, N, dk]
    const q = tf.reshape(tf.add(tf.matMul(query, w.wq), w.bq), [batch, heads, 1, dk]); // [B, h, 1, dk]
    const scores = tf.mul(tf.matMul(q, split(keys), false, true), 1 / Math.sqrt(dk)); // [B, h, 1, N]
    const bias = tf.reshape(tf.mul(tf.sub(1, mask), MASKED_SCORE), [batch, 1, 1, n]);
    const attention = tf.softmax(tf.add(scores, bias)); // [B, h, 1, N]
    const attended = tf.reshape(tf.matMul(attention, split(values)), [batch, d]); // [B, d]
    return tf.add(tf.matMul(attended, w.wo), w.bo) as tf.Tensor2D;
  });
}

export interface CrossAttentionFusionArgs extends BaseLayerArgs {
  /** Attention heads; must divide the text width dT (default 8). */
  heads?: number;
  /**
   * Output [F_I, attended] (default true) instead of the attended vector alone. The attended
   * vector is a convex mix of projected text tokens: without F_I beside it, the image's own
   * quality reaches the FC layers only through the attention weights.
   */
  withImage?: boolean;
  /**
   * The query projection W_q already maps F_I from dI into the attention space, so `auto` and
   * `none` add nothing. `linear` inserts an explicit F_I → dT projection before W_q (for
   * ablations that want the same projected F_I in every fusion).
   */
  imageProjection?: ImageProjectionMode;
  /** Base seed of the weight initializers (unseeded when omitted). */
  seed?: number;
}

/**
 * Cross-attention fusion: F_I is the single query; the masked tokens of F_T give keys and values;
 * multi-head, output projection → attended [B, dT], output [F_I, attended] → [B, dI + dT] (or the
 * attended vector alone with `withImage: false`). Computed in the folded form
 * (`crossAttentionFolded`).
 */
export class CrossAttentionFusion extends tf.layers.Layer {
  static readonly className = 'AgiqaCrossAttentionFusion';
  private readonly heads: number;
  private readonly withImage: boolean;
  private readonly imageProjection: ImageProjectionMode;
  private readonly seed: number | undefined;
  private projection: { kernel: tf.LayerVariable; bias: tf.LayerVariable } | null = null;
  private weightsOf: Record<keyof CrossAttentionWeights, tf.LayerVariable> | null = null;

  constructor(args: CrossAttentionFusionArgs = {}) {
    super(args);
    this.heads = args.heads ?? 8;
    this.withImage = args.withImage ?? true;
    this.imageProjection = args.imageProjection ?? 'auto';
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const { imageDim, textDim } = fusionInputShapes(CrossAttentionFusion.className, inputShape);
    if (!Number.isInteger(this.heads) || this.heads < 1 || textDim % this.heads !== 0) {
      throw invalidInput(`head.attentionHeads ${this.heads} must divide the text width ${textDim}`, [
        { path: 'head.attentionHeads', message: `must divide ${textDim}` },
      ]);
    }
    let queryDim = imageDim;
    if (this.imageProjection === 'linear') {
      this.projection = {
        kernel: this.addWeight('image_projection/kernel', [imageDim, textDim], 'float32', glorot(this.seed, 0)),
        bias: this.addWeight('image_projection/bias', [textDim], 'float32', tf.initializers.zeros()),
      };
      queryDim = textDim;
    }
    const zeros = tf.initializers.zeros();
    this.weightsOf = {
      wq: this.addWeight('query/kernel', [queryDim, textDim], 'float32', glorot(this.seed, 1)),
      bq: this.addWeight('query/bias', [textDim], 'float32', zeros),
      wk: this.addWeight('key/kernel', [textDim, textDim], 'float32', glorot(this.seed, 2)),
      wv: this.addWeight('value/kernel', [textDim, textDim], 'float32', glorot(this.seed, 3)),
      bv: this.addWeight('value/bias', [textDim], 'float32', zeros),
      wo: this.addWeight('output/kernel', [textDim, textDim], 'float32', glorot(this.seed, 4)),
      bo: this.addWeight('output/bias', [textDim], 'float32', zeros),
    };
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const { image, imageDim, textDim } = fusionInputShapes(CrossAttentionFusion.className, inputShape);
    return [image[0], (this.withImage ? imageDim : 0) + textDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [image, tokens, mask] = fusionInputs(inputs);
      const v = this.weightsOf;
      if (v === null) throw new Error(`${CrossAttentionFusion.className} called before build`);
      const query = this.projection
        ? tf.add(matMul(image, this.projection.kernel.read() as tf.Tensor2D), this.projection.bias.read()) // [B, dT]
        : image; // [B, dI]
      const weights = {
        wq: v.wq.read(),
        bq: v.bq.read(),
        wk: v.wk.read(),
        wv: v.wv.read(),
        bv: v.bv.read(),
        wo: v.wo.read(),
        bo: v.bo.read(),
      } as CrossAttentionWeights;
      const attended = crossAttentionFolded(weights, query as tf.Tensor2D, tokens, mask, this.heads); // [B, dT]
      return this.withImage ? tf.concat([image, attended], 1) : attended;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      heads: this.heads,
      withImage: this.withImage,
      imageProjection: this.imageProjection,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }
}
tf.serialization.registerClass(CrossAttentionFusion);

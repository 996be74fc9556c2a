import type { HeadOptions } from '@agiqa/contracts';
import * as tf from '@tensorflow/tfjs';
import {
  assertSameWidth,
  fusionInputs,
  fusionInputShapes,
  glorot,
  l2Normalize,
  zeroPadding,
  type BaseLayerArgs,
  type ImageProjectionMode,
} from './common.js';

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
   * Eq. 3 compares F_I with each token of F_T, so both must live in one space. `auto` (default):
   * a learned linear projection of F_I into dT only when the widths differ. `linear`: always
   * (lets the head learn an alignment map even for 768-d CLIP vs 768-d BERT, whose frozen spaces
   * are unrelated). `none`: cosine of the raw features; requires equal widths. F_T is never
   * projected: Eq. 3 uses the encoder's token features as they are.
   */
  imageProjection?: ImageProjectionMode;
  /** Base seed of the weight initializers (unseeded when omitted). */
  seed?: number;
}

const REDUCED_FEATURES: Record<HeadOptions['cosineReduce'], number> = { mean: 1, max: 1, 'mean-max': 2 };

/**
 * Cosine-similarity fusion (Eq. 3): S_Q[j] = cos(P(F_I), F_T[j]) for each real token j, reduced
 * over tokens → [B, (dI) + 1 or 2]. Padded tokens are excluded from the mean and can never be the
 * max (they are set to −1, the lowest cosine).
 */
export class CosineFusion extends tf.layers.Layer {
  static readonly className = 'AgiqaCosineFusion';
  private readonly reduce: HeadOptions['cosineReduce'];
  private readonly withImage: boolean;
  private readonly imageProjection: ImageProjectionMode;
  private readonly seed: number | undefined;
  private projectionKernel: tf.LayerVariable | null = null;
  private projectionBias: tf.LayerVariable | null = null;

  constructor(args: CosineFusionArgs = {}) {
    super(args);
    this.reduce = args.reduce ?? 'mean-max';
    this.withImage = args.withImage ?? true;
    this.imageProjection = args.imageProjection ?? 'auto';
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const { imageDim, textDim } = fusionInputShapes(CosineFusion.className, inputShape);
    assertSameWidth(this.imageProjection, imageDim, textDim, 'cosine');
    if (this.imageProjection === 'linear' || (this.imageProjection === 'auto' && imageDim !== textDim)) {
      this.projectionKernel = this.addWeight('image_projection/kernel', [imageDim, textDim], 'float32', glorot(this.seed, 0));
      this.projectionBias = this.addWeight('image_projection/bias', [textDim], 'float32', tf.initializers.zeros());
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const { image, imageDim } = fusionInputShapes(CosineFusion.className, inputShape);
    return [image[0], (this.withImage ? imageDim : 0) + REDUCED_FEATURES[this.reduce]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [image, tokens, mask] = fusionInputs(inputs);
      const projected =
        this.projectionKernel && this.projectionBias
          ? tf.add(tf.matMul(image, this.projectionKernel.read()), this.projectionBias.read())
          : image; // [B, dT]
      const fi = l2Normalize(projected); // [B, dT]
      const ft = l2Normalize(zeroPadding(tokens, mask)); // [B, N, dT], padded rows stay 0
      const similarity = tf.squeeze(tf.matMul(ft, tf.expandDims(fi, 2)), [2]); // S_Q: [B, N]
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
      imageProjection: this.imageProjection,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }
}
tf.serialization.registerClass(CosineFusion);

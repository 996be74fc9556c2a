import type { HeadOptions } from '@agiqa/contracts';
import * as tf from '@tensorflow/tfjs';
import { matMul } from '../kernels/matmul.js';
import {
  fusionInputs,
  fusionInputShapes,
  glorot,
  maskedMean,
  type BaseLayerArgs,
  type ImageProjectionMode,
} from './common.js';

export interface ConcatFusionArgs extends BaseLayerArgs {
  /**
   * How F_T [N, dT] becomes one vector (the paper leaves it open). `mean` (default): masked mean
   * over real tokens; frozen BERT's CLS vector is a weak sentence summary without fine-tuning.
   * `cls`: the first token.
   */
  textPooling?: HeadOptions['textPooling'];
  /**
   * `linear`: project F_I to dT before concatenating. `auto` / `none`: concatenate F_I as it is;
   * Eq. 4 needs no shared space, and a linear map before the linear FC1 adds no capacity.
   */
  imageProjection?: ImageProjectionMode;
  /** Base seed of the weight initializers (unseeded when omitted). */
  seed?: number;
}

/**
 * Concatenation fusion (Eq. 4): F_v = [F_I, pool(F_T)] → [B, dI + dT] (dT + dT with a `linear`
 * image projection). The FC layers of Eqs. 5–6 follow in `buildHead`.
 */
export class ConcatFusion extends tf.layers.Layer {
  static readonly className = 'AgiqaConcatFusion';
  private readonly textPooling: HeadOptions['textPooling'];
  private readonly imageProjection: ImageProjectionMode;
  private readonly seed: number | undefined;
  private projectionKernel: tf.LayerVariable | null = null;
  private projectionBias: tf.LayerVariable | null = null;

  constructor(args: ConcatFusionArgs = {}) {
    super(args);
    this.textPooling = args.textPooling ?? 'mean';
    this.imageProjection = args.imageProjection ?? 'auto';
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const { imageDim, textDim } = fusionInputShapes(ConcatFusion.className, inputShape);
    if (this.imageProjection === 'linear') {
      this.projectionKernel = this.addWeight('image_projection/kernel', [imageDim, textDim], 'float32', glorot(this.seed, 0));
      this.projectionBias = this.addWeight('image_projection/bias', [textDim], 'float32', tf.initializers.zeros());
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const { image, imageDim, textDim } = fusionInputShapes(ConcatFusion.className, inputShape);
    return [image[0], (this.imageProjection === 'linear' ? textDim : imageDim) + textDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [image, tokens, mask] = fusionInputs(inputs);
      const fi =
        this.projectionKernel && this.projectionBias
          ? tf.add(matMul(image, this.projectionKernel.read() as tf.Tensor2D), this.projectionBias.read()) // [B, dT]
          : image; // [B, dI]
      const ft =
        this.textPooling === 'mean'
          ? maskedMean(tokens, mask) // [B, dT]
          : tf.squeeze(tf.slice(tokens, [0, 0, 0], [-1, 1, -1]), [1]); // [B, dT], the CLS position
      return tf.concat([fi, ft], 1); // [B, dI + dT]
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      textPooling: this.textPooling,
      imageProjection: this.imageProjection,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }
}
tf.serialization.registerClass(ConcatFusion);

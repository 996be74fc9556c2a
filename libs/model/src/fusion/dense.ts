import * as tf from '@tensorflow/tfjs';
import { matMul } from '../kernels/matmul.js';
import type { BaseLayerArgs } from './common.js';

type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

export interface DenseArgs extends BaseLayerArgs {
  /** Output width M. */
  units: number;
  /** `relu` or none (default). */
  activation?: 'relu' | 'linear';
  /** Initializer of the kernel `[K, M]` (default Glorot-uniform, unseeded); biases start at zero. */
  kernelInitializer?: Initializer;
}

/**
 * y = act(x·W + b): `x [B, K]` → `[B, M]`, with W `[K, M]` and b `[M]` named `<name>/kernel` and
 * `<name>/bias` like `tf.layers.dense` (checkpoints store weights in this order and layout). The
 * product goes through `matMul`, whose forward and backward passes stay on tfjs-wasm's fast path.
 */
export class Dense extends tf.layers.Layer {
  static readonly className = 'AgiqaDense';
  private readonly units: number;
  private readonly activation: 'relu' | 'linear';
  private readonly kernelInitializer: Initializer;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: DenseArgs) {
    super(args);
    this.units = args.units;
    this.activation = args.activation ?? 'linear';
    this.kernelInitializer = args.kernelInitializer ?? tf.initializers.glorotUniform({});
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    const inputDim = shape[shape.length - 1];
    if (shape.length !== 2 || inputDim == null) throw new Error(`${Dense.className} expects [batch, features] with known features`);
    this.kernel = this.addWeight('kernel', [inputDim, this.units], 'float32', this.kernelInitializer);
    this.bias = this.addWeight('bias', [this.units], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [(inputShape as tf.Shape)[0], this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (this.kernel === null || this.bias === null) throw new Error(`${Dense.className} called before build`);
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
      const y = tf.add(matMul(x, this.kernel.read() as tf.Tensor2D), this.bias.read()); // [B, M]
      return this.activation === 'relu' ? tf.relu(y) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, activation: this.activation };
  }
}
tf.serialization.registerClass(Dense);

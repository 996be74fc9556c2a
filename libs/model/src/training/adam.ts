import * as tf from '@tensorflow/tfjs';
import { adamUpdate, type AdamAttrs } from '../kernels/adam.js';

export interface AdamConfig {
  /** Step size (paper: 1e-4). */
  learningRate: number;
  /** Decay of the first moment (default 0.9). */
  beta1?: number;
  /** Decay of the second moment (default 0.999). */
  beta2?: number;
  /** Added to √v̂ (default 1e-8, PyTorch's default; tfjs would use its backend epsilon, 1e-7 on CPU/wasm). */
  epsilon?: number;
}

/** Everything Adam carries between steps, as plain arrays (what a checkpoint stores). */
export interface AdamState {
  /** Updates applied so far (t). */
  step: number;
  /** First moments, one per variable, in variable order. */
  m: Float32Array[];
  /** Second moments. */
  v: Float32Array[];
}

/**
 * Adam (Kingma & Ba 2015) over a fixed list of variables, with state that can be exported and
 * restored exactly. tfjs's `AdamOptimizer` cannot be resumed bit-for-bit: its `setWeights`
 * recomputes β^t with a float32 `pow` where the running optimizer multiplies step by step, so a
 * resumed run drifts from an uninterrupted one. Here the bias corrections 1 − β^t are computed in
 * float64 from the integer step count, identical before and after a restore.
 */
export class Adam {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;

  constructor(
    private readonly variables: tf.Variable[],
    config: AdamConfig,
  ) {
    this.learningRate = config.learningRate;
    this.beta1 = config.beta1 ?? 0.9;
    this.beta2 = config.beta2 ?? 0.999;
    this.epsilon = config.epsilon ?? 1e-8;
    // Inside tidy: the zeros are freed, the variables (never tracked by tidy) stay.
    this.m = tf.tidy(() => variables.map((x) => tf.variable(tf.zerosLike(x), false)));
    this.v = tf.tidy(() => variables.map((x) => tf.variable(tf.zerosLike(x), false)));
  }

  /** Updates applied so far. */
  get step(): number {
    return this.t;
  }

  /**
   * One update from gradients given in the constructor's variable order: one `AgiqaAdam` kernel
   * per variable (kernels/adam.ts: a single fused pass on wasm, tfjs operations elsewhere, the
   * same numbers either way).
   */
  applyGradients(gradients: tf.Tensor[]): void {
    if (gradients.length !== this.variables.length) {
      throw new Error(`Adam got ${gradients.length} gradients for ${this.variables.length} variables`);
    }
    const t = this.t + 1;
    const attrs: AdamAttrs = {
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      learningRate: this.learningRate,
      correction1: 1 - this.beta1 ** t,
      correction2: 1 - this.beta2 ** t,
    };
    tf.tidy(() => {
      this.variables.forEach((x, i) => {
        const [x1, m1, v1] = adamUpdate(x, this.m[i], this.v[i], gradients[i], attrs);
        x.assign(x1);
        this.m[i].assign(m1);
        this.v[i].assign(v1);
      });
    });
    this.t = t;
  }

  /** A copy of the state (moments read back from the backend). */
  async exportState(): Promise<AdamState> {
    const read = (vars: tf.Variable[]) => Promise.all(vars.map(async (x) => Float32Array.from(await x.data())));
    return { step: this.t, m: await read(this.m), v: await read(this.v) };
  }

  /** Replaces the state; sizes must match the variables. */
  importState(state: AdamState): void {
    if (state.m.length !== this.variables.length || state.v.length !== this.variables.length) {
      throw new Error(`Adam state has ${state.m.length} moments for ${this.variables.length} variables`);
    }
    this.variables.forEach((x, i) => {
      for (const [moment, values] of [[this.m[i], state.m[i]], [this.v[i], state.v[i]]] as const) {
        if (values.length !== x.size) throw new Error(`Adam moment ${i} has ${values.length} values, variable has ${x.size}`);
        tf.tidy(() => moment.assign(tf.tensor(values, x.shape, 'float32')));
      }
    });
    this.t = state.step;
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

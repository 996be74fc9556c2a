import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTfjsBackend } from '../backend/backend.js';
import { wasmModuleSource } from '../testing/wasm-module.js';
import { ADAM, adamUpdate, compositeAdamKernel, type AdamAttrs } from './adam.js';

beforeAll(async () => {
  await initTfjsBackend('wasm');
});

afterAll(async () => {
  await initTfjsBackend('wasm');
});

/** Step 3 of Adam with the paper's step size and PyTorch's epsilon. */
const ATTRS: AdamAttrs = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, learningRate: 1e-4, correction1: 1 - 0.9 ** 3, correction2: 1 - 0.999 ** 3 };

/** x, m, v, g of `size` values: v ≥ 0 as a second moment is, gradients of mixed scale. */
function state(size: number, seed: number): tf.Tensor[] {
  return tf.tidy(() => [
    tf.randomNormal([size], 0, 0.1, 'float32', seed),
    tf.randomNormal([size], 0, 1e-3, 'float32', seed + 1),
    tf.square(tf.randomNormal([size], 0, 1e-3, 'float32', seed + 2)),
    tf.mul(tf.randomNormal([size], 0, 1, 'float32', seed + 3), tf.pow(10, tf.randomUniform([size], -6, 0, 'float32', seed + 4))),
  ]);
}

/** `[x', m', v']` of the tfjs-operations kernel function, called directly on the current backend. */
function runComposite(x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, attrs: AdamAttrs): tf.Tensor[] {
  return compositeAdamKernel({ inputs: { x, m, v, g }, attrs: attrs as unknown as tf.NamedAttrMap, backend: tf.backend() }) as tf.Tensor[];
}

describe(adamUpdate.name, () => {
  it('is the WebAssembly assembled from adam.wat (regenerate with: npx vitest run src/kernels/adam -u)', async () => {
    const text = await wasmModuleSource(new URL('./adam.wat', import.meta.url), 'ADAM_WASM_BASE64', 'src/kernels/adam.spec.ts');
    await expect(text).toMatchFileSnapshot('./adam-wasm.ts');
  });

  it('on wasm: bit-identical to the 14 tfjs kernels, over sizes that are and are not multiples of 4', () => {
    for (const size of [1, 3, 4, 7, 1024, 4099]) {
      const [x, m, v, g] = state(size, size);
      const fused = adamUpdate(x, m, v, g, ATTRS);
      const composite = runComposite(x, m, v, g, ATTRS);
      for (let i = 0; i < 3; i++) expect(fused[i].dataSync(), `size ${size}, output ${i}`).toEqual(composite[i].dataSync());
      tf.dispose([x, m, v, g, ...fused, ...composite]);
    }
  });

  it('on wasm: runs as one kernel, not as tfjs elementwise kernels', async () => {
    const [x, m, v, g] = state(64, 1);
    const profile = await tf.profile(() => adamUpdate(x, m, v, g, ATTRS));
    expect(profile.kernelNames).toEqual([ADAM]);
    tf.dispose([x, m, v, g, ...(profile.result as tf.Tensor[])]);
  });

  it("computes Adam's update (against the equations in float64)", () => {
    const [x, m, v, g] = state(1001, 9);
    const updated = adamUpdate(x, m, v, g, ATTRS);
    const out = updated.map((t) => t.dataSync());
    const [xs, ms, vs, gs] = [x, m, v, g].map((t) => t.dataSync());
    const { beta1, beta2, epsilon, learningRate, correction1, correction2 } = ATTRS;
    for (let i = 0; i < xs.length; i++) {
      const m1 = beta1 * ms[i] + (1 - beta1) * gs[i];
      const v1 = beta2 * vs[i] + (1 - beta2) * gs[i] ** 2;
      const step = (learningRate * (m1 / correction1)) / (Math.sqrt(v1 / correction2) + epsilon);
      const x1 = xs[i] - step;
      // float32 rounding is relative to the terms summed, not to their (possibly cancelling) sum.
      expect(Math.abs(out[1][i] - m1)).toBeLessThanOrEqual(1e-6 * (beta1 * Math.abs(ms[i]) + (1 - beta1) * Math.abs(gs[i])));
      expect(Math.abs(out[2][i] - v1)).toBeLessThanOrEqual(1e-6 * v1);
      expect(Math.abs(out[0][i] - x1)).toBeLessThanOrEqual(1e-8 + 1e-6 * (Math.abs(xs[i]) + Math.abs(step)));
    }
    tf.dispose([x, m, v, g, ...updated]);
  });

  it('leaves no tensor and no wasm memory behind but its outputs', () => {
    const [x, m, v, g] = state(1000, 2);
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    tf.dispose(adamUpdate(x, m, v, g, ATTRS));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numBytes).toBe(bytes);
    tf.dispose([x, m, v, g]);
  });

  it('rejects moments or gradients of another shape', () => {
    const [x, m, v, g] = state(8, 3);
    const wrong = tf.zeros([9]);
    expect(() => adamUpdate(x, m, v, wrong, ATTRS)).toThrow(/g is float32 \[9\], the variable float32 \[8\]/);
    tf.dispose([x, m, v, g, wrong]);
  });

  it('on cpu: the same numbers as on wasm, and no tensor left', async () => {
    const sizes = [5, 1024];
    const onWasm = sizes.map((size) => {
      const inputs = state(size, 20 + size);
      const out = adamUpdate(inputs[0], inputs[1], inputs[2], inputs[3], ATTRS);
      const values = [...inputs, ...out].map((t) => t.dataSync().slice());
      tf.dispose([...inputs, ...out]);
      return values;
    });
    await initTfjsBackend('cpu');
    const before = tf.memory().numTensors;
    for (const [i, size] of sizes.entries()) {
      const [x, m, v, g] = onWasm[i].slice(0, 4).map((values) => tf.tensor1d(values));
      const out = adamUpdate(x, m, v, g, ATTRS);
      for (let k = 0; k < 3; k++) expect(out[k].dataSync(), `size ${size}, output ${k}`).toEqual(onWasm[i][4 + k]);
      tf.dispose([x, m, v, g, ...out]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initTfjsBackend } from '../backend/backend.js';
import { MAT_MUL, matMul } from './matmul.js';

beforeAll(async () => {
  await initTfjsBackend('wasm');
});

/** max |a − b| / max(1, max |b|). */
function relativeError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(1, tf.max(tf.abs(b)).dataSync()[0]));
}

/** Seeded standard-normal values of any rank. */
function random(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal<tf.Rank>(shape, 0, 1, 'float32', seed);
}

/** Stored shape of an operand whose logical shape is [rows, cols] (swapped when transposed). */
function stored(batch: number[], rows: number, cols: number, transposed: boolean): number[] {
  return [...batch, ...(transposed ? [cols, rows] : [rows, cols])];
}

/**
 * Shapes chosen to take every path of the wasm kernel: a weight-like right operand (flipped
 * product), an activation-like one (direct product), a batch of products big enough for one
 * XNNPACK product per matrix, and batches that stay on tfjs-wasm's loop (small products,
 * matrix–vector products).
 */
const CASES: { name: string; batch: number[]; m: number; k: number; n: number }[] = [
  { name: 'x·W of a dense layer', batch: [], m: 8, k: 40, n: 30 },
  { name: 'Wᵀ-shaped product', batch: [], m: 40, k: 8, n: 30 },
  { name: 'batch of products', batch: [3], m: 40, k: 30, n: 32 },
  { name: 'batch of small products', batch: [3], m: 5, k: 12, n: 7 },
  { name: 'batch of matrix–vector products', batch: [4], m: 6, k: 9, n: 1 },
];

describe(matMul.name, () => {
  for (const { name, batch, m, k, n } of CASES) {
    for (const [transposeA, transposeB] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ] as const) {
      it(`${name}: equals tf.matMul and its gradients (transposeA ${transposeA}, transposeB ${transposeB})`, () => {
        const a = random(stored(batch, m, k, transposeA), 1) as tf.Tensor2D;
        const b = random(stored(batch, k, n, transposeB), 2) as tf.Tensor2D;
        const w = random([...batch, m, n], 3); // a loss weight per output
        const loss = (mm: typeof tf.matMul) => (x: tf.Tensor, y: tf.Tensor) =>
          tf.sum(tf.mul(mm(x as tf.Tensor2D, y as tf.Tensor2D, transposeA, transposeB), w));
        const before = tf.memory().numTensors;
        const ours = tf.tidy(() => [matMul(a, b, transposeA, transposeB), ...tf.grads(loss(matMul as typeof tf.matMul))([a, b])]);
        const reference = tf.tidy(() => [tf.matMul(a, b, transposeA, transposeB), ...tf.grads(loss(tf.matMul))([a, b])]);
        expect(ours[0].shape).toEqual([...batch, m, n]);
        ours.forEach((t, i) => expect(relativeError(t, reference[i])).toBeLessThan(1e-6));
        tf.dispose([...ours, ...reference]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([a, b, w]);
      });
    }
  }

  it('multiplies a batch by one shared matrix, with gradients for both', () => {
    const a = tf.randomNormal([3, 4, 6], 0, 1, 'float32', 4) as tf.Tensor3D;
    const b = tf.randomNormal([5, 6], 0, 1, 'float32', 5) as tf.Tensor2D; // used transposed: [6, 5]
    const reference = (x: tf.Tensor, y: tf.Tensor) => tf.reshape(tf.matMul(tf.reshape(x, [12, 6]), y, false, true), [3, 4, 5]);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(matMul(x as tf.Tensor3D, y as tf.Tensor2D, false, true))))([a, b]);
    const [ra, rb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(reference(x, y))))([a, b]);
    expect(relativeError(matMul(a, b, false, true), reference(a, b))).toBeLessThan(1e-6);
    expect(relativeError(ga, ra)).toBeLessThan(1e-6);
    expect(relativeError(gb, rb)).toBeLessThan(1e-6);
    tf.dispose([a, b, ga, gb, ra, rb]);
  });

  it('computes no gradient for an operand that does not lead to a trained weight', async () => {
    const x = tf.randomNormal([8, 20]); // data
    const w = tf.variable(tf.randomNormal([20, 10]));
    const profile = await tf.profile(() => {
      tf.dispose(tf.variableGrads(() => tf.sum(matMul(x as tf.Tensor2D, w as unknown as tf.Tensor2D)) as tf.Scalar, [w]).grads);
    });
    // Forward and dW only; tf.customGrad would also have computed dX.
    expect(profile.kernels.filter((kernel) => kernel.name === MAT_MUL)).toHaveLength(2);
    tf.dispose([x, w]);
  });

  it('keeps every wasm product on XNNPACK: single matrices, no transposed operand', () => {
    const calls: { a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }[] = [];
    const kernel = tf.getKernel('BatchMatMul', 'wasm') as tf.KernelConfig;
    const original = kernel.kernelFunc;
    (kernel as { kernelFunc: tf.KernelFunc }).kernelFunc = (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
      calls.push({ a: a.shape, b: b.shape, transposeA: attrs.transposeA, transposeB: attrs.transposeB });
      return original(args);
    };
    try {
      const a = tf.randomNormal([4, 32, 64]) as tf.Tensor3D; // 32·64·32 multiply-adds per matrix
      const b = tf.variable(tf.randomNormal([4, 64, 32]));
      const w = tf.variable(tf.randomNormal([32, 5]));
      tf.tidy(() => {
        tf.variableGrads(() => tf.sum(matMul(matMul(a, b as unknown as tf.Tensor3D, false, false), w as unknown as tf.Tensor2D)) as tf.Scalar, [b, w]);
      });
      tf.dispose([a, b, w]);
    } finally {
      (kernel as { kernelFunc: tf.KernelFunc }).kernelFunc = original;
    }
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call).toMatchObject({ transposeA: false, transposeB: false });
      expect(call.a).toHaveLength(2);
      expect(call.b).toHaveLength(2);
    }
  });

  it('multiplies a prediction by its weight as it is from the second batch on, but not in training', () => {
    // A dense layer's product x·W with W [768, 768] and 24 rows of x: packing a new W costs more
    // than transposing it (the flipped orientation, Cᵀ = Wᵀ·xᵀ), but XNNPACK keeps a packed W for
    // as long as the tensor lives, so a weight used again is multiplied as it is (x·W).
    const w = tf.variable(tf.randomNormal([768, 768]));
    const kernel = tf.getKernel('BatchMatMul', 'wasm') as tf.KernelConfig;
    const original = kernel.kernelFunc;
    /** The right operand's shape of each XNNPACK product `f` makes: [768, 768] is W as it is. */
    const rightOperands = (f: () => tf.TensorContainer) => {
      const shapes: string[] = [];
      (kernel as { kernelFunc: tf.KernelFunc }).kernelFunc = (args) => {
        shapes.push((args.inputs as { b: tf.TensorInfo }).b.shape.join('x'));
        return original(args);
      };
      try {
        tf.tidy(f);
      } finally {
        (kernel as { kernelFunc: tf.KernelFunc }).kernelFunc = original;
      }
      return shapes;
    };
    const predict = () => matMul(tf.randomNormal([24, 768]) as tf.Tensor2D, w as unknown as tf.Tensor2D);
    const train = () => tf.variableGrads(() => tf.sum(predict()) as tf.Scalar, [w]);
    expect(rightOperands(predict)).toEqual(['768x24']); // first sighting: as a new weight
    expect(rightOperands(predict)).toEqual(['768x768']);
    expect(rightOperands(predict)).toEqual(['768x768']);
    // Training takes the orientations it always took (a resumed run must match an uninterrupted one).
    expect(rightOperands(train)[0]).toBe('768x24');
    // Both orientations give the same bytes: a prediction from a fresh checkpoint (flipped) equals
    // one from weights used before (direct).
    const x = tf.randomNormal([24, 768], 0, 1, 'float32', 3) as tf.Tensor2D;
    const fresh = tf.variable(tf.randomNormal([768, 768], 0, 1, 'float32', 4)) as unknown as tf.Tensor2D;
    const first = tf.tidy(() => matMul(x, fresh).dataSync().slice());
    const second = tf.tidy(() => matMul(x, fresh).dataSync().slice());
    expect(Buffer.from(second.buffer).equals(Buffer.from(first.buffer))).toBe(true);
    tf.dispose([w, x, fresh]);
  });

  it('frees every temporary of the wasm kernel', () => {
    const backend = tf.backend();
    const a = tf.randomNormal([3, 40, 30]) as tf.Tensor3D;
    const b = tf.randomNormal([3, 32, 30]) as tf.Tensor3D;
    const dataIds = backend.numDataIds();
    const tensors = tf.memory().numTensors;
    tf.tidy(() => {
      tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(matMul(x as tf.Tensor3D, y as tf.Tensor3D, false, true)))([a, b]);
    });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(dataIds);
    tf.dispose([a, b]);
  });

  it('rejects operands that are not matrices or batches of one size, naming the shapes', () => {
    const a = tf.zeros([2, 3, 4]) as tf.Tensor3D;
    expect(() => matMul(a, tf.zeros([3, 4, 5]) as tf.Tensor3D)).toThrow('[2, 3, 4]·[3, 4, 5] are neither two matrices nor two batches of one size');
    expect(() => matMul(a, tf.zeros([5, 6]) as tf.Tensor2D)).toThrow('inner dimensions 4 and 5 differ');
    expect(() => matMul(a, tf.zeros([3, 5]) as tf.Tensor2D, true)).toThrow('a transposed batch times one matrix is not supported');
  });

  describe('on the cpu backend', () => {
    afterEach(async () => {
      await tf.setBackend('wasm');
    });

    it('delegates to tf.matMul', async () => {
      await tf.setBackend('cpu');
      const a = tf.randomNormal([4, 6], 0, 1, 'float32', 6) as tf.Tensor2D;
      const b = tf.randomNormal([5, 6], 0, 1, 'float32', 7) as tf.Tensor2D;
      expect(Array.from(matMul(a, b, false, true).dataSync())).toEqual(Array.from(tf.matMul(a, b, false, true).dataSync()));
    });
  });
});

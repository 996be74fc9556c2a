import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { copyRange, disposeAll, heapView, runWasmKernel, transpose2D } from './wasm.js';

/**
 * A matrix product that stays fast on tfjs-wasm forwards and backwards.
 *
 * tfjs-wasm 4.22 multiplies through XNNPACK only when neither operand is transposed and both are
 * single matrices; a transposed operand or a batch of matrices falls to a scalar loop 10–25×
 * slower, and every dense layer's gradient has a transposed product. XNNPACK also repacks its
 * right operand whenever that operand is a new tensor, as every weight is after an optimizer
 * step. So the wasm kernel below materialises transposes itself and picks, per product, the
 * orientation that moves fewer elements; batches become one XNNPACK product per matrix. The
 * gradient is written with the same op, so backward products take the same path. Other backends
 * multiply transposed operands natively and get `tf.matMul` unchanged.
 *
 * Registered with tfjs as a kernel (not `tf.customGrad`) so that the gradient tape calls each
 * input's gradient only when that input leads to a trained weight: the gradient with respect to
 * features (data) is never computed.
 */
export const MAT_MUL = 'AgiqaMatMul';

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  /** No gradient is being recorded: a prediction, whose weights stay the same from batch to batch. */
  inference?: boolean;
}

/**
 * Relative per-element costs on tfjs-wasm (bench/scratch numbers; min of 40 on the 2-core dev
 * machine): a 2-D transpose 1.3–4.4 ns, XNNPACK packing a new right operand 5–25 ns.
 */
const TRANSPOSE_COST = 1;
const PACK_COST = 3;

/**
 * `op(a)·op(b)` for single matrices through XNNPACK, as either C = A'·B' (transposes
 * materialised, B' packed) or Cᵀ = B'ᵀ·A'ᵀ (A'ᵀ packed, the result transposed back), whichever
 * moves fewer elements. The weight of a dense layer, `b` in x·W, is the `a` operand of the second
 * form: no packing of a new weight each step, one transpose instead.
 */
function xnnProduct(backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo, { transposeA, transposeB, inference }: MatMulAttrs): tf.TensorInfo {
  const [m, k] = transposeA ? [a.shape[1], a.shape[0]] : a.shape;
  const n = transposeB ? b.shape[0] : b.shape[1];
  // What packing the right operand costs: nothing, once paid, for a tensor a prediction uses again
  // (see predictionOperands).
  const packCost = (x: tf.TensorInfo, transposed: boolean, elements: number) =>
    inference && !transposed && predictionOperands.has(x.dataId) ? 0 : PACK_COST * elements;
  const direct = TRANSPOSE_COST * ((transposeA ? m * k : 0) + (transposeB ? k * n : 0)) + packCost(b, transposeB, k * n);
  const flipped = TRANSPOSE_COST * ((transposeB ? 0 : k * n) + (transposeA ? 0 : m * k) + m * n) + packCost(a, !transposeA, m * k);
  if (inference) {
    predictionOperands.add(a.dataId);
    predictionOperands.add(b.dataId);
  }
  const temporaries: tf.TensorInfo[] = [];
  const materialise = (x: tf.TensorInfo, transpose: boolean) => {
    if (!transpose) return x;
    const t = transpose2D(backend, x);
    temporaries.push(t);
    return t;
  };
  const multiply = (x: tf.TensorInfo, y: tf.TensorInfo) =>
    runWasmKernel(backend, 'BatchMatMul', { a: x, b: y }, { transposeA: false, transposeB: false });
  let out: tf.TensorInfo;
  if (direct <= flipped) {
    out = multiply(materialise(a, transposeA), materialise(b, transposeB)); // [m, n]
  } else {
    const outT = multiply(materialise(b, !transposeB), materialise(a, !transposeA)); // Cᵀ: [n, m]
    temporaries.push(outT);
    out = transpose2D(backend, outT);
  }
  disposeAll(backend, temporaries);
  return out;
}

/**
 * Operands (by tensor) of earlier products in predictions. XNNPACK keeps what it packed for a
 * right operand until that tensor is disposed; in a prediction the weights are the same tensors
 * batch after batch (in training each optimizer step makes new ones), so a tensor seen before is
 * taken as one whose packing is paid once: from its second product on the direct orientation wins
 * (it is packed then, and free from the third), where the flipped one transposed the whole weight
 * matrix every batch (10 of the cross-attention head's 14 ms at batch 1). The packed copies live
 * as long as their weights do (about the weights' size again in the wasm heap).
 * Only products without a gradient tape count, so training takes exactly the orientations it
 * took before (and a resumed run the same as an uninterrupted one).
 */
const predictionOperands = new WeakSet<object>();

/**
 * Below this many multiply-adds per matrix, tfjs-wasm's own loop beats one XNNPACK product per
 * matrix, whose copies and calls cost about 18 µs per matrix (CPU time, G = 32: [4, 48]·[48, 8]
 * 0.09 vs 0.62 ms; [8, 192]·[192, 24] 1.37 vs 1.22 ms; [8, 768]·[768, 24] 5.2 vs 3.8 ms).
 */
const MIN_BATCHED_MACS = 32_768;

/**
 * wasm: one XNNPACK product per matrix of a batch `[G, ·, ·]`, written into one `[G, m, n]`
 * output. Batches of small products, and of matrix–vector products (m or n = 1, where copying each
 * pair out measured slower: 1.9 vs 1.0 ms for [32, 24, 768]·[32, 768, 1]), stay on tfjs-wasm's loop.
 */
function wasmMatMul({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const flags = attrs as unknown as MatMulAttrs;
  if (a.shape.length === 2) return xnnProduct(wasm, a, b, flags);
  const [groups, aRows, aCols] = a.shape;
  const [, bRows, bCols] = b.shape;
  const m = flags.transposeA ? aCols : aRows;
  const n = flags.transposeB ? bRows : bCols;
  const k = flags.transposeA ? aRows : aCols;
  if (m === 1 || n === 1 || m * k * n < MIN_BATCHED_MACS) return runWasmKernel(wasm, 'BatchMatMul', { a, b }, attrs);
  const out = wasm.makeOutput([groups, m, n], 'float32');
  for (let g = 0; g < groups; g++) {
    const ag = copyRange(wasm, a, g * aRows * aCols, [aRows, aCols]);
    const bg = copyRange(wasm, b, g * bRows * bCols, [bRows, bCols]);
    const cg = xnnProduct(wasm, ag, bg, flags);
    heapView(wasm, out).set(heapView(wasm, cg), g * m * n);
    disposeAll(wasm, [ag, bg, cg]);
  }
  return out;
}

/** Backends whose BatchMatMul handles transposed operands well (cpu, webgl, tensorflow). */
function nativeMatMul({ inputs, attrs }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }): tf.Tensor {
  const { a, b } = inputs as { a: tf.Tensor; b: tf.Tensor };
  const { transposeA, transposeB } = attrs as unknown as MatMulAttrs;
  return tf.matMul(a, b, transposeA, transposeB);
}

/**
 * Gradients of C = op(A)·op(B), the identities of tfjs's own BatchMatMul gradient written with
 * `matMul` so that they take the fast path too.
 */
const gradient: tf.GradConfig = {
  kernelName: MAT_MUL,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved as [tf.Tensor2D | tf.Tensor3D, tf.Tensor2D | tf.Tensor3D];
    const dc = dy as tf.Tensor2D | tf.Tensor3D;
    const { transposeA, transposeB } = attrs as unknown as MatMulAttrs;
    // Backward products run after the tape has stopped: they are training, not a prediction.
    const grad = (x: tf.Tensor2D | tf.Tensor3D, y: tf.Tensor2D | tf.Tensor3D, tx: boolean, ty: boolean) => product(x, y, tx, ty, false);
    if (!transposeA && !transposeB) return { a: () => grad(dc, b, false, true), b: () => grad(a, dc, true, false) };
    if (!transposeA && transposeB) return { a: () => grad(dc, b, false, false), b: () => grad(dc, a, true, false) };
    if (transposeA && !transposeB) return { a: () => grad(b, dc, false, true), b: () => grad(a, dc, false, false) };
    return { a: () => grad(b, dc, true, true), b: () => grad(dc, a, true, true) };
  },
};

/** Registers the kernels and gradient once per process (a second copy of this module reuses them). */
export function registerMatMul(): void {
  const kernels: [string, tf.KernelFunc][] = [
    ['wasm', wasmMatMul as tf.KernelFunc],
    ['cpu', nativeMatMul as tf.KernelFunc],
    ['webgl', nativeMatMul as tf.KernelFunc],
    ['tensorflow', nativeMatMul as tf.KernelFunc],
  ];
  for (const [backendName, kernelFunc] of kernels) {
    if (tf.getKernel(MAT_MUL, backendName) === undefined) tf.registerKernel({ kernelName: MAT_MUL, backendName, kernelFunc });
  }
  if (tf.getGradient(MAT_MUL) === undefined) tf.registerGradient(gradient);
}
registerMatMul();

/**
 * `op(a)·op(b)` like `tf.matMul`, fast on tfjs-wasm in both passes.
 *
 * @param a `[m, k]` (`[k, m]` with `transposeA`), or a batch `[G, m, k]`
 * @param b `[k, n]` (`[n, k]` with `transposeB`); a batch `[G, k, n]` when `a` is one, or one
 *   matrix shared by the whole batch `a` (then `a` must not be transposed)
 * @returns `[m, n]`, or `[G, m, n]` for a batch
 */
export function matMul<T extends tf.Tensor2D | tf.Tensor3D>(a: T, b: tf.Tensor2D | tf.Tensor3D, transposeA = false, transposeB = false): T {
  // No tape: a prediction (the gradient's own products say so themselves, see `gradient`).
  return product(a, b, transposeA, transposeB, tf.engine().state.gradientDepth === 0);
}

function product<T extends tf.Tensor2D | tf.Tensor3D>(a: T, b: tf.Tensor2D | tf.Tensor3D, transposeA: boolean, transposeB: boolean, inference: boolean): T {
  if (a.rank === 3 && b.rank === 2) {
    if (transposeA) throw new Error('matMul: a transposed batch times one matrix is not supported');
    const [groups, m, k] = a.shape as [number, number, number];
    const flat = product(tf.reshape(a, [groups * m, k]) as tf.Tensor2D, b, false, transposeB, inference); // [G·m, n]
    return tf.reshape(flat, [groups, m, flat.shape[1]]) as T;
  }
  if (a.rank !== b.rank || (a.rank === 3 && a.shape[0] !== b.shape[0])) {
    throw new Error(`matMul: [${a.shape.join(', ')}]·[${b.shape.join(', ')}] are neither two matrices nor two batches of one size`);
  }
  const innerA = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1];
  const innerB = transposeB ? b.shape[b.rank - 1] : b.shape[b.rank - 2];
  if (innerA !== innerB) {
    throw new Error(`matMul: inner dimensions ${innerA} and ${innerB} differ ([${a.shape.join(', ')}]·[${b.shape.join(', ')}])`);
  }
  const attrs: MatMulAttrs = { transposeA, transposeB, inference };
  return tf.engine().runKernel(MAT_MUL, { a, b }, attrs as unknown as tf.NamedAttrMap) as T;
}

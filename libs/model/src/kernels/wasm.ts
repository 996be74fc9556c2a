import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Helpers for kernels written for tfjs-wasm in JavaScript, the way tfjs-wasm writes its own
 * composite kernels (BatchMatMul calls Reshape, Slice copies through the heap): they call the
 * backend's kernel functions directly and free their temporaries with `disposeData`, so nothing
 * passes through the engine (no bookkeeping per step, nothing on the gradient tape).
 */

/** Runs one of tfjs-wasm's registered kernels on tensor infos. */
export function runWasmKernel(backend: BackendWasm, kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, 'wasm');
  if (kernel === undefined) throw new Error(`tfjs-wasm has no ${kernelName} kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
}

/** `x [r, c]` → `[c, r]`. */
export function transpose2D(backend: BackendWasm, x: tf.TensorInfo): tf.TensorInfo {
  return runWasmKernel(backend, 'Transpose', { x }, { perm: [1, 0] });
}

/**
 * A float32 view of a tensor's memory in the wasm heap. Take views after allocating: a new
 * allocation may grow the heap and detach views taken before it.
 */
export function heapView(backend: BackendWasm, x: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(x) as Float32Array;
}

/** A copy of the `size` values of `x` from `offset` on, shaped `shape`. */
export function copyRange(backend: BackendWasm, x: tf.TensorInfo, offset: number, shape: number[]): tf.TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  const size = tf.util.sizeFromShape(shape);
  heapView(backend, out).set(heapView(backend, x).subarray(offset, offset + size));
  return out;
}

/** Frees temporaries (never a kernel's own inputs). */
export function disposeAll(backend: BackendWasm, infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

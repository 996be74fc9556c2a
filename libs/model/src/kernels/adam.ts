import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ADAM_WASM_BASE64 } from './adam-wasm.js';
import { wasmBytes, WebAssemblyJs } from './webassembly.js';

/**
 * One Adam update of one variable as a single kernel.
 *
 * Written as tfjs operations, an update is 14 elementwise kernels, each a pass over memory: on
 * tfjs-wasm 32 ms CPU per step for the cross-attention head's 3.1 M parameters, about a quarter
 * of its training step. On wasm this kernel makes one pass instead (`adam.wat`, hand-written
 * WebAssembly SIMD that imports tfjs-wasm's memory and reads and writes tensors where they lie:
 * 5.5 ms), with the same float32 operations in the same order, so its numbers are bit-identical
 * to the 14 kernels (no library offers a fused Adam for tfjs; a JavaScript loop that rounds each
 * operation to float32 measured slower than the 14 SIMD kernels). Other backends, and a wasm
 * build whose memory cannot be imported (the threaded one shares it), run the tfjs operations.
 *
 * Inputs `x` (the variable), `m`, `v` (its moments), `g` (its gradient), all float32 of one
 * shape; outputs `[x', m', v']`, new tensors. Not differentiable (an optimizer step).
 */
export const ADAM = 'AgiqaAdam';

export interface AdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  /** 1 − β1^t, computed in float64 by the caller. */
  correction1: number;
  /** 1 − β2^t. */
  correction2: number;
}

/** The update as tfjs operations (Adam's equations in the order tfjs's AdamOptimizer writes them). */
function compositeAdam({ inputs, attrs }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }): tf.Tensor[] {
  const { x, m, v, g } = inputs as unknown as Record<'x' | 'm' | 'v' | 'g', tf.Tensor>;
  const a = attrs as unknown as AdamAttrs;
  return tf.tidy(() => {
    const m1 = tf.add(tf.mul(m, a.beta1), tf.mul(g, 1 - a.beta1));
    const v1 = tf.add(tf.mul(v, a.beta2), tf.mul(tf.square(g), 1 - a.beta2));
    const mHat = tf.div(m1, a.correction1);
    const vHat = tf.div(v1, a.correction2);
    const x1 = tf.sub(x, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), a.epsilon)), a.learningRate));
    return [x1, m1, v1];
  });
}

/** `adam` of adam.wat: byte offsets of g, m, v, x, m', v', x', the element count, then the scalars. */
type FusedAdam = (
  g: number, m: number, v: number, x: number, mOut: number, vOut: number, xOut: number, n: number,
  beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
  correction1: number, correction2: number, epsilon: number, learningRate: number,
) => void;


const instances = new WeakMap<BackendWasm, FusedAdam | null>();

/**
 * adam.wat instantiated on `backend`'s memory, or null where that memory cannot be imported:
 * absent from the module's exports, or shared (threaded build; adam.wat imports unshared memory).
 */
function fusedAdamOn(backend: BackendWasm): FusedAdam | null {
  if (!instances.has(backend)) {
    const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
    const importable = memory instanceof WebAssemblyJs.Memory && !(memory.buffer instanceof SharedArrayBuffer);
    let fused: FusedAdam | null = null;
    if (importable) {
      const instance = new WebAssemblyJs.Instance(new WebAssemblyJs.Module(wasmBytes(ADAM_WASM_BASE64)), { env: { memory } }); // 400 bytes: synchronous compile is fine
      fused = instance.exports['adam'] as FusedAdam;
    }
    instances.set(backend, fused);
  }
  return instances.get(backend) ?? null;
}

function wasmAdam(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const backend = args.backend as BackendWasm;
  const fused = fusedAdamOn(backend);
  if (fused === null) return compositeAdam(args);
  const { x, m, v, g } = args.inputs as Record<'x' | 'm' | 'v' | 'g', tf.TensorInfo>;
  const a = args.attrs as unknown as AdamAttrs;
  const [x1, m1, v1] = [x, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
  const at = (t: tf.TensorInfo) => backend.getMemoryOffset(t.dataId);
  const n = tf.util.sizeFromShape(x.shape);
  fused(at(g), at(m), at(v), at(x), at(m1), at(v1), at(x1), n, a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.correction1, a.correction2, a.epsilon, a.learningRate);
  return [x1, m1, v1];
}

/** Registers the kernel once per process (a second copy of this module reuses it). */
export function registerAdam(): void {
  const kernels: [string, tf.KernelFunc][] = [
    ['wasm', wasmAdam as tf.KernelFunc],
    ['cpu', compositeAdam as tf.KernelFunc],
    ['webgl', compositeAdam as tf.KernelFunc],
    ['tensorflow', compositeAdam as tf.KernelFunc],
  ];
  for (const [backendName, kernelFunc] of kernels) {
    if (tf.getKernel(ADAM, backendName) === undefined) tf.registerKernel({ kernelName: ADAM, backendName, kernelFunc });
  }
}
registerAdam();

/** The kernel as run on backends other than wasm: what a test puts in place of the fused one. */
export const compositeAdamKernel = compositeAdam as tf.KernelFunc;

/**
 * One Adam update: `[x', m', v']` from variable `x`, its moments `m`, `v` and gradient `g` (all
 * float32, one shape).
 */
export function adamUpdate(x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, attrs: AdamAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  for (const [name, t] of [['m', m], ['v', v], ['g', g]] as const) {
    if (!tf.util.arraysEqual(t.shape, x.shape) || t.dtype !== 'float32' || x.dtype !== 'float32') {
      throw new Error(`adamUpdate: ${name} is ${t.dtype} [${t.shape.join(', ')}], the variable ${x.dtype} [${x.shape.join(', ')}]; both must be float32 of one shape`);
    }
  }
  return tf.engine().runKernel(ADAM, { x, m, v, g }, attrs as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
}

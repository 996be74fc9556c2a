import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapView } from '../kernels/wasm.js';
import type { SplitData, TextTable } from './train-head.js';

/**
 * Assembles the head inputs of a batch on the host: rows of the image table, and the token and
 * mask rows of their prompts, copied whole with `TypedArray.set`.
 *
 * Why not `tf.gather` on the backend: tfjs-wasm's Gather computes an index per element (about
 * 40 ns each, measured), so gathering the [32, 24, 768] tokens of one batch cost more than the
 * batch's whole forward pass. On wasm the rows are copied straight into the tensors' memory in
 * the wasm heap (one copy); elsewhere into host buffers reused from batch to batch, then uploaded.
 * Allocating a fresh zeroed 2.4 MB array per batch (19 MB per evaluation batch of 256) and
 * collecting it had cost 40 % of a cosine epoch's CPU time, uploading it another 15 %.
 *
 * The tensors `inputs` returns must be disposed before its next call: backends that keep the host
 * array instead of copying it (cpu) would see the next batch in them. trainHead's steps run in
 * `tf.tidy`, so they are.
 */
export class BatchAssembler {
  private buffers: [Float32Array, Float32Array, Float32Array] | null = null;

  /** `capacity`: the largest batch this assembler will build. */
  constructor(
    private readonly text: TextTable,
    private readonly imageDim: number,
    private readonly capacity: number,
  ) {}

  /** The head inputs of items `rows` of `split`: [image [b, dI], tokens [b, N, dT], mask [b, N]]. */
  inputs(split: SplitData, rows: ArrayLike<number>): tf.Tensor[] {
    const b = rows.length;
    if (b > this.capacity) throw new Error(`BatchAssembler: batch of ${b} exceeds its capacity ${this.capacity}`);
    const { text, imageDim } = this;
    const shapes = [
      [b, imageDim],
      [b, text.maxTokens, text.dim],
      [b, text.maxTokens],
    ];
    if (tf.getBackend() === 'wasm') {
      const backend = tf.backend() as BackendWasm;
      const infos = shapes.map((shape) => backend.makeOutput(shape, 'float32'));
      this.fill(split, rows, infos.map((info) => heapView(backend, info))); // views after every allocation
      return infos.map((info) => tf.engine().makeTensorFromTensorInfo(info));
    }
    this.buffers ??= [
      new Float32Array(this.capacity * imageDim),
      new Float32Array(this.capacity * text.maxTokens * text.dim),
      new Float32Array(this.capacity * text.maxTokens),
    ];
    const views = this.buffers.map((buffer, i) => buffer.subarray(0, tf.util.sizeFromShape(shapes[i])));
    this.fill(split, rows, views);
    return views.map((view, i) => tf.tensor(view, shapes[i]));
  }

  /** Copies the rows into `[image, tokens, mask]` arrays of the batch's size. */
  private fill(split: SplitData, rows: ArrayLike<number>, [image, tokens, mask]: Float32Array[]): void {
    const { text, imageDim } = this;
    const tokenBlock = text.maxTokens * text.dim;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const prompt = split.promptIndex[row];
      image.set(split.image.subarray(row * imageDim, (row + 1) * imageDim), i * imageDim);
      tokens.set(text.tokens.subarray(prompt * tokenBlock, (prompt + 1) * tokenBlock), i * tokenBlock);
      mask.set(text.mask.subarray(prompt * text.maxTokens, (prompt + 1) * text.maxTokens), i * text.maxTokens);
    }
  }
}

/** `values[rows]` as a `[b, 1]` tensor (the targets of a batch). */
export function columnTensor(values: Float32Array, rows: ArrayLike<number>): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(rows, (row) => values[row]), [rows.length, 1]);
}

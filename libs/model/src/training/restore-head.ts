import { invalidInput, type FusionName } from '@agiqa/contracts';
import * as tf from '@tensorflow/tfjs';
import { buildHead, type HeadDims } from '../fusion/head.js';
import { readCheckpoint } from './checkpoint.js';
import type { CheckpointHeader } from './train-head.js';

/** A batch as the encoders return it: F_I per image and F_T per prompt with its true length. */
export interface HeadInputBatch {
  batch: number;
  /** F_I `[batch, dims.image]`. */
  image: Float32Array;
  /** F_T `[batch, tokens, dims.text]`, row b valid up to `lengths[b]`, padding beyond. */
  tokens: Float32Array;
  tokensPerRow: number;
  lengths: readonly number[];
}

/** A trained head loaded back from its checkpoint, ready for inference. */
export interface RestoredHead {
  fusion: FusionName;
  dims: HeadDims;
  /** Epoch whose weights the checkpoint holds (its latest). */
  epoch: number;
  /**
   * Predicted MOS per row, on the training data's MOS scale. Prompts longer than the head's
   * `dims.maxTokens` (the longest prompt it was trained on) are cut to it: the head's token axis
   * is fixed at training time.
   */
  predict(batch: HeadInputBatch): Promise<Float32Array>;
  dispose(): void;
}

/**
 * Rebuilds the head a training run checkpointed — the same fusion, options and widths — with its
 * weights, for inference (timing, scoring new images). Weights are those of the checkpoint's epoch.
 */
export async function restoreHead(checkpointUri: string): Promise<RestoredHead> {
  const { header, arrays } = await readCheckpoint<CheckpointHeader>(checkpointUri);
  if (header.format !== 'agiqa-head-checkpoint') {
    throw invalidInput(`${checkpointUri} is not a head checkpoint (format ${String(header.format)})`, [{ path: 'checkpointUri', message: 'not a head checkpoint' }]);
  }
  const { identity } = header;
  const dims: HeadDims = { image: identity.imageDim, text: identity.textDim, maxTokens: identity.maxTokens };
  const model = buildHead(identity.fusion, identity.head, dims, { seed: identity.seed });
  try {
    // Checked before any tensor is made, so a bad checkpoint leaves nothing behind.
    const values = model.weights.map((w, i) => {
      const stored = arrays.get(`weight/${i}`);
      const shape = w.shape as number[];
      if (!stored || stored.length !== tf.util.sizeFromShape(shape)) {
        throw invalidInput(`${checkpointUri} lacks weight ${i} of shape [${shape.join(', ')}]`, [{ path: 'checkpointUri', message: 'incomplete checkpoint' }]);
      }
      return stored;
    });
    const weights = model.weights.map((w, i) => tf.tensor(values[i], w.shape as number[]));
    model.setWeights(weights);
    tf.dispose(weights);
  } catch (error) {
    model.dispose();
    throw error;
  }

  return {
    fusion: identity.fusion,
    dims,
    epoch: header.epoch,
    async predict(batch: HeadInputBatch): Promise<Float32Array> {
      if (batch.image.length !== batch.batch * dims.image) {
        throw invalidInput(`image features have ${batch.image.length} values, expected ${batch.batch} × ${dims.image}`, [{ path: 'image', message: 'wrong width' }]);
      }
      if (batch.tokens.length !== batch.batch * batch.tokensPerRow * dims.text) {
        throw invalidInput(`text features have ${batch.tokens.length} values, expected ${batch.batch} × ${batch.tokensPerRow} × ${dims.text}`, [{ path: 'tokens', message: 'wrong width' }]);
      }
      const { tokens, mask } = fitTokens(batch, dims);
      const output = tf.tidy(() => {
        const inputs = [
          tf.tensor2d(batch.image, [batch.batch, dims.image]), // [B, dI]
          tf.tensor3d(tokens, [batch.batch, dims.maxTokens, dims.text]), // [B, N, dT]
          tf.tensor2d(mask, [batch.batch, dims.maxTokens]), // [B, N]
        ];
        return model.apply(inputs, { training: false }) as tf.Tensor; // [B, 1], standardised
      });
      const values = await output.data();
      output.dispose();
      return Float32Array.from(values, (y) => y * header.targetStd + header.targetMean);
    },
    dispose() {
      model.dispose();
    },
  };
}

/** Copies each row's valid tokens into the head's fixed `[B, N, dT]` layout with its `[B, N]` mask. */
function fitTokens(batch: HeadInputBatch, dims: HeadDims): { tokens: Float32Array; mask: Float32Array } {
  const { maxTokens: n, text: d } = dims;
  const tokens = new Float32Array(batch.batch * n * d);
  const mask = new Float32Array(batch.batch * n);
  for (let b = 0; b < batch.batch; b++) {
    const length = Math.min(batch.lengths[b], n, batch.tokensPerRow);
    const from = b * batch.tokensPerRow * d;
    tokens.set(batch.tokens.subarray(from, from + length * d), b * n * d);
    mask.fill(1, b * n, b * n + length);
  }
  return { tokens, mask };
}

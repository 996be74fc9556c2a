import { invalidInput, type FusionName, type HeadOptions } from '@agiqa/contracts';
import * as tf from '@tensorflow/tfjs';
import { readSafetensors } from '../engines/safetensors.js';
import { buildHead, type HeadDims } from '../fusion/head.js';
import { checkpointPath, hasCheckpointSignature } from './checkpoint.js';
import { readHeadCheckpoint } from './train-head.js';

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

/** A checkpointed head as either engine stored it: what rebuilding it for inference needs. */
interface StoredHead {
  fusion: FusionName;
  head: Partial<HeadOptions>;
  dims: HeadDims;
  seed: number;
  epoch: number;
  targetMean: number;
  targetStd: number;
  /** The values of weight `i` (tfjs `model.weights` order) named `name`, or undefined. */
  weight(i: number, name: string): Float32Array | undefined;
}

/**
 * Rebuilds the head a training run checkpointed — the same fusion, options and widths — with its
 * weights, for inference (timing, scoring new images). Weights are those of the checkpoint's epoch.
 * Reads either engine's checkpoint: tfjs's `latest.ckpt`, or the torch engine's
 * `latest.safetensors` (its heads use tfjs's weight names and layout, so they load unchanged and
 * run here on tfjs).
 */
export async function restoreHead(checkpointUri: string): Promise<RestoredHead> {
  // By content, not by name: the artefact store's local copy of `latest.safetensors` may be named otherwise.
  const stored = (await hasCheckpointSignature(checkpointUri)) ? await tfjsHead(checkpointUri) : await torchHead(checkpointUri);
  const { dims } = stored;
  const model = buildHead(stored.fusion, stored.head, dims, { seed: stored.seed });
  const header = { epoch: stored.epoch, targetMean: stored.targetMean, targetStd: stored.targetStd };
  try {
    // Checked before any tensor is made, so a bad checkpoint leaves nothing behind.
    const values = model.weights.map((w, i) => {
      const values = stored.weight(i, w.originalName);
      const shape = w.shape as number[];
      if (!values || values.length !== tf.util.sizeFromShape(shape)) {
        throw invalidInput(`${checkpointUri} lacks weight ${i} (${w.originalName}) of shape [${shape.join(', ')}]`, [{ path: 'checkpointUri', message: 'incomplete checkpoint' }]);
      }
      return values;
    });
    const weights = model.weights.map((w, i) => tf.tensor(values[i], w.shape as number[]));
    model.setWeights(weights);
    tf.dispose(weights);
  } catch (error) {
    model.dispose();
    throw error;
  }

  return {
    fusion: stored.fusion,
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

async function tfjsHead(checkpointUri: string): Promise<StoredHead> {
  const { header, arrays } = await readHeadCheckpoint(checkpointUri);
  if (header.format !== 'agiqa-head-checkpoint') {
    throw invalidInput(`${checkpointUri} is not a head checkpoint (format ${String(header.format)})`, [{ path: 'checkpointUri', message: 'not a head checkpoint' }]);
  }
  const { identity } = header;
  return {
    fusion: identity.fusion,
    head: identity.head,
    dims: { image: identity.imageDim, text: identity.textDim, maxTokens: identity.maxTokens },
    seed: identity.seed,
    epoch: header.epoch,
    targetMean: header.targetMean,
    targetStd: header.targetStd,
    weight: (i) => arrays.get(`weight/${i}`),
  };
}

/** The torch engine's checkpoint (libs/torch-engine checkpoint.py): weights `model/<tfjs name with .>`. */
async function torchHead(checkpointUri: string): Promise<StoredHead> {
  const file = await readSafetensors(checkpointPath(checkpointUri));
  const bad = (why: string) => invalidInput(`${checkpointUri} is not a torch head checkpoint: ${why}`, [{ path: 'checkpointUri', message: why }]);
  let header: { identity?: { mode?: string; fusion?: FusionName; head?: Partial<HeadOptions>; seed?: number }; epoch?: number; model?: Record<string, number> };
  try {
    header = JSON.parse(file.metadata.agiqa ?? 'null') ?? {};
  } catch {
    throw bad('its agiqa header is not JSON');
  }
  const { identity, model } = header;
  if (identity?.mode !== 'head' || identity.fusion === undefined || model === undefined || header.epoch === undefined) {
    throw bad('no head identity (fine-tuned encoders are not restored as a head)');
  }
  return {
    fusion: identity.fusion,
    head: identity.head ?? {},
    dims: { image: model.imageDim, text: model.textDim, maxTokens: model.maxTokens },
    seed: identity.seed ?? 0,
    epoch: header.epoch,
    targetMean: model.targetMean,
    targetStd: model.targetStd,
    weight: (_i, name) => {
      const tensor = file.tensors.get(`model/${name.replaceAll('/', '.')}`);
      return tensor?.data instanceof Float32Array ? tensor.data : undefined;
    },
  };
}

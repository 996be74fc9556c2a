import { AgiqaError, FUSION_NAMES, HeadOptionsSchema, type FusionName, type HeadOptions } from '@agiqa/contracts';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfjsBackend } from '../backend/backend.js';
import { ConcatFusion } from './concat.js';
import { CosineFusion } from './cosine.js';
import {
  crossAttentionFolded,
  CrossAttentionFusion,
  crossAttentionNaive,
  type CrossAttentionWeights,
} from './cross-attention.js';
import { buildHead, FUSIONS, recordedHeadOptions } from './head.js';

const B = 5;
const N = 6;
const DI = 24;
const DT = 32;
const LENGTHS = [6, 3, 1, 4, 2];
const defaults = HeadOptionsSchema.parse({ hiddenUnits: 16, attentionHeads: 4 });

beforeAll(async () => {
  await initTfjsBackend('wasm');
});

function maskOf(lengths: number[], n = N): tf.Tensor2D {
  return tf.tensor2d(lengths.map((len) => Array.from({ length: n }, (_, j) => (j < len ? 1 : 0))));
}

/** Deterministic inputs; `padSeed` only changes the values at padded positions. */
function inputs(padSeed = 1, dims = { image: DI, text: DT }): [tf.Tensor2D, tf.Tensor3D, tf.Tensor2D] {
  return tf.tidy(() => {
    const mask = maskOf(LENGTHS);
    const real = tf.randomNormal([B, N, dims.text], 0, 1, 'float32', 7);
    const junk = tf.randomNormal([B, N, dims.text], 0, 100, 'float32', padSeed);
    const m3 = tf.expandDims(mask, 2);
    const tokens = tf.add(tf.mul(real, m3), tf.mul(junk, tf.sub(1, m3))) as tf.Tensor3D;
    return [tf.randomNormal([B, dims.image], 0, 1, 'float32', 3) as tf.Tensor2D, tokens, mask];
  });
}

async function predict(model: tf.LayersModel, xs: tf.Tensor[]): Promise<Float32Array> {
  const out = model.predict(xs) as tf.Tensor;
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

function maxAbs(a: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]);
}

describe(buildHead.name, () => {
  const expectedFusedWidth: Record<FusionName, number> = { concat: DI + DT, cosine: DI + 2, cross_attention: DI + DT };

  it.each(FUSION_NAMES)('%s: maps [B, dI], [B, N, dT], [B, N] to one score per image through FC1', async (fusion) => {
    const model = buildHead(fusion, defaults, { image: DI, text: DT, maxTokens: N });
    expect(model.getLayer('fusion').outputShape).toEqual([null, expectedFusedWidth[fusion]]);
    expect(model.getLayer('fc1').outputShape).toEqual([null, 16]);
    expect(model.outputs[0].shape).toEqual([null, 1]);
    const xs = inputs();
    const out = model.predict(xs) as tf.Tensor;
    expect(out.shape).toEqual([B, 1]);
    expect(Array.from(await out.data()).every(Number.isFinite)).toBe(true);
    tf.dispose([out, ...xs]);
    model.dispose();
  });

  it.each([
    ['concat, CLS pooling, linear image projection', 'concat', { textPooling: 'cls', imageProjection: 'linear' }, DT + DT],
    ['cosine, mean only, without F_I', 'cosine', { cosineReduce: 'mean', cosineWithImage: false }, 1],
    ['cosine, max only', 'cosine', { cosineReduce: 'max' }, DI + 1],
    ['cross-attention with an explicit image projection', 'cross_attention', { imageProjection: 'linear' }, DI + DT],
    ['cross-attention without F_I (the literal reading)', 'cross_attention', { attentionWithImage: false }, DT],
  ] as const)('%s has the documented fused width', (_, fusion, options, width) => {
    const model = buildHead(fusion, { ...defaults, ...options }, { image: DI, text: DT, maxTokens: N });
    expect(model.getLayer('fusion').outputShape).toEqual([null, width]);
    const xs = inputs();
    tf.tidy(() => {
      expect((model.predict(xs) as tf.Tensor).shape).toEqual([B, 1]);
    });
    tf.dispose(xs);
    model.dispose();
  });

  it.each(FUSION_NAMES)('%s: padded token values cannot change the output', async (fusion) => {
    const model = buildHead(fusion, defaults, { image: DI, text: DT, maxTokens: N });
    const a = inputs(1);
    const b = inputs(2);
    expect(maxAbsDiff(a[1], b[1])).toBeGreaterThan(10); // the padding really differs
    expect(await predict(model, b)).toEqual(await predict(model, a));
    tf.dispose([...a, ...b]);
    model.dispose();
  });

  it('concat with CLS pooling reads only the first token', async () => {
    const model = buildHead('concat', { ...defaults, textPooling: 'cls' }, { image: DI, text: DT, maxTokens: N });
    const xs = inputs();
    const later = tf.tidy(() => {
      const first = tf.slice(xs[1], [0, 0, 0], [-1, 1, -1]);
      return tf.concat([first, tf.randomNormal([B, N - 1, DT], 0, 1, 'float32', 99)], 1) as tf.Tensor3D;
    });
    expect(await predict(model, [xs[0], later, xs[2]])).toEqual(await predict(model, xs));
    tf.dispose([later, ...xs]);
    model.dispose();
  });

  it('gives the same initial weights for the same seed and different ones for another', () => {
    const dims = { image: DI, text: DT, maxTokens: N };
    const weights = (seed: number) => {
      const model = buildHead('cross_attention', defaults, dims, { seed });
      const values = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return values;
    };
    const first = weights(5);
    expect(weights(5)).toEqual(first);
    expect(weights(6)).not.toEqual(first);
    // Kernels of one layer are drawn from different streams (W_k ≠ W_v at init).
    const model = buildHead('cross_attention', defaults, dims, { seed: 5 });
    const byName = Object.fromEntries(model.getLayer('fusion').weights.map((w) => [w.originalName, w]));
    expect(Array.from(byName['fusion/key/kernel'].read().dataSync())).not.toEqual(
      Array.from(byName['fusion/value/kernel'].read().dataSync()),
    );
    model.dispose();
  });

  it('rejects an unknown fusion listing the valid ones, and options that do not fit the widths', () => {
    const dims = { image: DI, text: DT, maxTokens: N };
    expect(() => buildHead('bilinear' as FusionName, defaults, dims)).toThrow(
      /unknown fusion "bilinear"; valid: concat, cosine, cross_attention/,
    );
    expect(() => buildHead('cross_attention', { ...defaults, attentionHeads: 5 }, dims)).toThrow(
      /head.attentionHeads 5 must divide the text width 32/,
    );
    expect(() => buildHead('cosine', { ...defaults, cosineSpace: 'none' }, dims)).toThrow(AgiqaError);
    expect(() => buildHead('cosine', { ...defaults, cosineSpace: 'none' }, dims)).toThrow(
      /head.cosineSpace "none" .* image features are 24-d and text features 32-d/,
    );
    expect(() => buildHead('concat', defaults, { ...dims, maxTokens: 0 })).toThrow(/dims.maxTokens must be a positive integer/);
  });

  it.each(FUSION_NAMES)('%s: predicting and a training step leave no tensor behind', (fusion) => {
    const model = buildHead(fusion, defaults, { image: DI, text: DT, maxTokens: N });
    const xs = inputs();
    const target = tf.ones([B, 1]);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      model.predict(xs);
    });
    (model.predict(xs) as tf.Tensor).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => tf.losses.meanSquaredError(target, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar,
        variables,
      );
      for (const v of variables) v.assign(tf.sub(v, tf.mul(grads[v.name], 0.01)));
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([target, ...xs]);
    model.dispose();
  });

  it.each(FUSION_NAMES)('%s: survives a JSON round trip (getConfig / fromConfig) with the same outputs', async (fusion) => {
    const options: HeadOptions = { ...defaults, imageProjection: 'linear', textPooling: 'cls', cosineReduce: 'mean-max' };
    const model = buildHead(fusion, options, { image: DI, text: DT, maxTokens: N }, { seed: 3 });
    const restored = await tf.models.modelFromJSON({ modelTopology: model.toJSON(null, false) as tf.io.ModelJSON['modelTopology'] });
    expect(restored.getLayer('fusion').getConfig()).toEqual(model.getLayer('fusion').getConfig());
    restored.setWeights(model.getWeights());
    const xs = inputs();
    expect(await predict(restored, xs)).toEqual(await predict(model, xs));
    tf.dispose(xs);
    model.dispose();
    restored.dispose();
  });
});

describe('cosine fusion spaces', () => {
  const weightShapes = (options: Partial<HeadOptions>, dims: { image: number; text: number }) => {
    const model = buildHead('cosine', { ...defaults, ...options }, { ...dims, maxTokens: N });
    const shapes = Object.fromEntries(model.getLayer('fusion').weights.map((w) => [w.originalName.replace('fusion/', ''), w.shape]));
    model.dispose();
    return shapes;
  };

  it('maps F_I and F_T into one learned space by default, at equal widths too (768/768)', () => {
    expect(weightShapes({}, { image: 768, text: 768 })).toEqual({
      'image_projection/kernel': [768, 64],
      'image_projection/bias': [64],
      'text_projection/kernel': [768, 64],
      'text_projection/bias': [64],
    });
    expect(weightShapes({ cosineSharedDim: 256 }, { image: DI, text: DT })).toEqual({
      'image_projection/kernel': [DI, 256],
      'image_projection/bias': [256],
      'text_projection/kernel': [DT, 256],
      'text_projection/bias': [256],
    });
  });

  it('maps only F_I into F_T\'s space with "image", and compares raw features with "none"', () => {
    expect(weightShapes({ cosineSpace: 'image' }, { image: DI, text: DT })).toEqual({
      'image_projection/kernel': [DI, DT],
      'image_projection/bias': [DT],
    });
    expect(weightShapes({ cosineSpace: 'none' }, { image: DT, text: DT })).toEqual({});
  });

  it('computes S_Q[j] = cos(P_I·F_I, P_T·F_T[j]), reduced by masked mean and max over real tokens', async () => {
    const layer = new CosineFusion({ withImage: false, sharedDim: 8, seed: 5 });
    const [image, tokens, mask] = inputs(1, { image: DI, text: DT });
    const fused = layer.apply([image, tokens, mask]) as tf.Tensor2D; // [B, 2]
    const [wi, bi, wt, bt] = layer.getWeights();
    const expected = tf.tidy(() => {
      const unit = (x: tf.Tensor) => tf.div(x, tf.norm(x, 'euclidean', -1, true));
      const pi = unit(tf.add(tf.matMul(image, wi), bi)); // [B, 8]
      const pt = unit(tf.add(tf.reshape(tf.matMul(tf.reshape(tokens, [B * N, DT]), wt), [B, N, 8]), bt)); // [B, N, 8]
      const s = tf.sum(tf.mul(pt, tf.expandDims(pi, 1)), 2).arraySync() as number[][]; // [B, N]
      return s.map((row, b) => {
        const real = row.slice(0, LENGTHS[b]);
        return [real.reduce((a, v) => a + v, 0) / real.length, Math.max(...real)];
      });
    });
    const actual = (await fused.array()) as number[][];
    actual.flat().forEach((v, i) => expect(v).toBeCloseTo(expected.flat()[i], 5));
    tf.dispose([fused, image, tokens, mask]);
    layer.dispose();
  });
});

describe(recordedHeadOptions.name, () => {
  it('gives options recorded before cosineSpace existed the cosine rule they were trained with', () => {
    const equal = { image: 32, text: 32 };
    const differ = { image: 24, text: 32 };
    expect(recordedHeadOptions({ imageProjection: 'auto' }, equal).cosineSpace).toBe('none');
    expect(recordedHeadOptions({ imageProjection: 'auto' }, differ).cosineSpace).toBe('image');
    expect(recordedHeadOptions({ imageProjection: 'linear' }, equal).cosineSpace).toBe('image');
    expect(recordedHeadOptions({ imageProjection: 'none' }, equal).cosineSpace).toBe('none');
    expect(recordedHeadOptions({}, equal).cosineSpace).toBe('none');
  });

  it('keeps options recorded with cosineSpace as they are, and names a bad field', () => {
    expect(recordedHeadOptions({ cosineSpace: 'shared', hiddenUnits: 8 }, { image: 32, text: 32 })).toEqual(
      HeadOptionsSchema.parse({ hiddenUnits: 8 }),
    );
    expect(() => recordedHeadOptions({ cosineSpace: 'diagonal' }, { image: 32, text: 32 })).toThrow(/invalid head: cosineSpace/);
  });
});

describe('fusion layers', () => {
  it.each([
    [ConcatFusion, { textPooling: 'cls', imageProjection: 'linear', seed: 4 }],
    [CosineFusion, { reduce: 'max', withImage: false, space: 'image', sharedDim: 32, seed: 4 }],
    [CrossAttentionFusion, { heads: 2, withImage: false, imageProjection: 'auto', seed: 4 }],
  ] as const)('%o rebuilds from its config', (cls, args) => {
    const layer = new (cls as typeof ConcatFusion)({ name: 'f', ...args } as object);
    const config = layer.getConfig();
    expect(config).toMatchObject(args);
    const copy = tf.serialization.SerializationMap.getMap().classNameMap[cls.className];
    expect(copy?.[0]).toBe(cls);
    const rebuilt = (cls as typeof ConcatFusion).fromConfig(cls as typeof ConcatFusion, config);
    expect(rebuilt.getConfig()).toEqual(config);
  });

  it('has the documented class names for serialization', () => {
    expect(Object.keys(FUSIONS)).toEqual([...FUSION_NAMES]);
    expect([ConcatFusion.className, CosineFusion.className, CrossAttentionFusion.className]).toEqual([
      'AgiqaConcatFusion',
      'AgiqaCosineFusion',
      'AgiqaCrossAttentionFusion',
    ]);
  });
});

describe(crossAttentionFolded.name, () => {
  const HEADS = 4;
  function weights(dq: number, d: number): CrossAttentionWeights & { bk: tf.Tensor1D } {
    const r = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1 / Math.sqrt(shape[0]), 'float32', seed);
    return {
      wq: r([dq, d], 11) as tf.Tensor2D,
      bq: r([d], 12) as tf.Tensor1D,
      wk: r([d, d], 13) as tf.Tensor2D,
      bk: r([d], 14) as tf.Tensor1D,
      wv: r([d, d], 15) as tf.Tensor2D,
      bv: r([d], 16) as tf.Tensor1D,
      wo: r([d, d], 17) as tf.Tensor2D,
      bo: r([d], 18) as tf.Tensor1D,
    };
  }

  it('equals the naive O(N·d²) form (a key bias included there) to float tolerance', () => {
    const w = weights(DI, DT);
    const xs = inputs();
    const folded = crossAttentionFolded(w, xs[0], xs[1], xs[2], HEADS);
    const naive = crossAttentionNaive(w, xs[0], xs[1], xs[2], HEADS);
    expect(folded.shape).toEqual([B, DT]);
    expect(maxAbsDiff(folded, naive)).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(naive)));
    tf.dispose([folded, naive, ...xs, ...Object.values(w)]);
  });

  it('has the same gradients as the naive form with respect to inputs and every weight', () => {
    const w = weights(DI, DT);
    const [image, tokens, mask] = inputs();
    const probe = tf.randomNormal([B, DT], 0, 1, 'float32', 21);
    const names = ['wq', 'bq', 'wk', 'wv', 'bv', 'wo', 'bo'] as const;
    const loss =
      (form: typeof crossAttentionFolded) =>
      (img: tf.Tensor, tok: tf.Tensor, ...ws: tf.Tensor[]) => {
        const given = Object.fromEntries(names.map((n, i) => [n, ws[i]])) as unknown as CrossAttentionWeights;
        // The naive form also gets b_k: its gradient must be 0 and it must not move the others.
        return tf.sum(tf.mul(form({ ...given, bk: w.bk } as CrossAttentionWeights, img as tf.Tensor2D, tok as tf.Tensor3D, mask, HEADS), probe));
      };
    const args = [image, tokens, ...names.map((n) => w[n])];
    const gFolded = tf.grads(loss(crossAttentionFolded))(args);
    const gNaive = tf.grads(loss(crossAttentionNaive))(args);
    expect(gFolded).toHaveLength(2 + names.length);
    gFolded.forEach((g, i) => {
      expect(g.shape).toEqual(gNaive[i].shape);
      expect(maxAbs(gNaive[i])).toBeGreaterThan(0);
      expect(maxAbsDiff(g, gNaive[i])).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(gNaive[i])));
    });
    // Padded tokens get no gradient in either form.
    const padGrad = tf.tidy(() => maxAbs(tf.mul(gFolded[1], tf.expandDims(tf.sub(1, mask), 2))));
    expect(padGrad).toBe(0);
    tf.dispose([...gFolded, ...gNaive, probe, image, tokens, mask, ...Object.values(w)]);
  });

  it('leaves no tensor behind', () => {
    const w = weights(DI, DT);
    const xs = inputs();
    const before = tf.memory().numTensors;
    crossAttentionFolded(w, xs[0], xs[1], xs[2], HEADS).dispose();
    crossAttentionNaive(w, xs[0], xs[1], xs[2], HEADS).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...xs, ...Object.values(w)]);
  });
});

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HeadOptionsSchema, type FusionName, type HeadOptions } from '@agiqa/contracts';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTfjsBackend } from '../backend/backend.js';
import { buildHead } from '../fusion/head.js';
import { torchAvailable } from '../testing/torch.js';
import { readSafetensors, writeSafetensors, type NamedTensor } from './safetensors.js';
import { torchEngineEnv } from './torch-python.js';

// One set of weights in both engines: the tfjs heads of libs/model and the PyTorch heads of
// libs/torch-engine must give the same outputs (1e-5) and gradients (1e-4), relative to the size
// of the values (max(1, |max|)), for every fusion and the options that change their equations.
// Whoever changes a head's equations changes both, or this fails.

const torch = torchAvailable();

interface Case {
  fusion: FusionName;
  head: Partial<HeadOptions>;
  dims: { batch: number; image: number; text: number; tokens: number };
}

const small = { batch: 5, image: 24, text: 32, tokens: 7 };
const square = { batch: 5, image: 32, text: 32, tokens: 7 };
/** AGIQA-3K shapes: batch 32, 24 tokens, 768-d CLIP and BERT features. */
const real = { batch: 32, image: 768, text: 768, tokens: 24 };

const CASES: Case[] = [
  { fusion: 'concat', head: {}, dims: small },
  { fusion: 'concat', head: { textPooling: 'cls' }, dims: small },
  { fusion: 'concat', head: { imageProjection: 'linear' }, dims: small },
  { fusion: 'concat', head: { hiddenUnits: 512 }, dims: real },
  { fusion: 'cosine', head: {}, dims: small },
  { fusion: 'cosine', head: { cosineReduce: 'mean', cosineSharedDim: 7 }, dims: small },
  { fusion: 'cosine', head: { cosineReduce: 'max', cosineWithImage: false }, dims: small },
  { fusion: 'cosine', head: { cosineSpace: 'image' }, dims: small },
  { fusion: 'cosine', head: { cosineSpace: 'image' }, dims: square },
  { fusion: 'cosine', head: { cosineSpace: 'none' }, dims: square },
  { fusion: 'cosine', head: { hiddenUnits: 512 }, dims: real },
  { fusion: 'cross_attention', head: { attentionHeads: 4 }, dims: small },
  { fusion: 'cross_attention', head: { attentionHeads: 1, attentionWithImage: false }, dims: small },
  { fusion: 'cross_attention', head: { attentionHeads: 8, imageProjection: 'linear' }, dims: small },
  { fusion: 'cross_attention', head: { hiddenUnits: 512, attentionHeads: 8 }, dims: real },
];

const label = (c: Case) => `${c.fusion} ${JSON.stringify(c.head)} [B ${c.dims.batch}, N ${c.dims.tokens}, dI ${c.dims.image}, dT ${c.dims.text}]`;

interface TfjsSide {
  weights: Map<string, tf.Tensor>;
  inputs: { image: tf.Tensor2D; tokens: tf.Tensor3D; mask: tf.Tensor2D; probe: tf.Tensor2D };
  output: Float32Array;
  grads: Map<string, Float32Array>;
}

/** Builds the tfjs head, random inputs with padding, and its output and gradients of sum(output · probe). */
function tfjsSide(c: Case, seed: number): TfjsSide {
  const { batch, image: dI, text: dT, tokens: n } = c.dims;
  const model = buildHead(c.fusion, c.head, { image: dI, text: dT, maxTokens: n }, { seed });
  // Random weights, biases included (initial biases are zero and would hide a missing bias term).
  const random = model.weights.map((w, k) => tf.randomNormal(w.shape as number[], 0, 1 / Math.sqrt(w.shape[0] as number), 'float32', seed * 100 + k));
  model.setWeights(random);
  tf.dispose(random);
  // Lengths 1..N so that every case has padded positions and a one-token prompt.
  const lengths = Array.from({ length: batch }, (_, b) => 1 + ((b * 3) % n));
  const mask = tf.tensor2d(lengths.flatMap((len) => Array.from({ length: n }, (_, j) => (j < len ? 1 : 0))), [batch, n]);
  const image = tf.randomNormal([batch, dI], 0, 1, 'float32', seed + 1) as tf.Tensor2D;
  const tokens = tf.tidy(() => tf.mul(tf.randomNormal([batch, n, dT], 0, 1, 'float32', seed + 2), tf.expandDims(mask, 2))) as tf.Tensor3D;
  const probe = tf.randomNormal([batch, 1], 0, 1, 'float32', seed + 3) as tf.Tensor2D;
  const loss = (img: tf.Tensor, tok: tf.Tensor) => tf.sum(tf.mul(model.apply([img, tok, mask], { training: true }) as tf.Tensor, probe)) as tf.Scalar;

  const output = (model.apply([image, tokens, mask]) as tf.Tensor).dataSync() as Float32Array;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { grads: weightGrads, value } = tf.variableGrads(() => loss(image, tokens), variables);
  const [imageGrad, tokensGrad] = tf.grads(loss)([image, tokens]);
  const grads = new Map<string, Float32Array>([
    ['image', imageGrad.dataSync() as Float32Array],
    ['tokens', tokensGrad.dataSync() as Float32Array],
  ]);
  const weights = new Map<string, tf.Tensor>();
  model.trainableWeights.forEach((w, i) => {
    weights.set(w.originalName, w.read().clone());
    grads.set(w.originalName, weightGrads[variables[i].name].dataSync() as Float32Array);
  });
  tf.dispose([value, imageGrad, tokensGrad, ...Object.values(weightGrads)]);
  model.dispose();
  return { weights, inputs: { image, tokens, mask, probe }, output, grads };
}

function tensor(name: string, t: tf.Tensor): NamedTensor {
  return { name, dtype: 'F32', shape: t.shape, data: t.dataSync() as Float32Array };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.skipIf(!torch.ok)(`tfjs and torch heads${torch.ok ? '' : ` (skipped: ${torch.reason})`}`, () => {
  let dir: string;
  const sides: TfjsSide[] = [];
  let torchOut: Awaited<ReturnType<typeof readSafetensors>>;

  beforeAll(async () => {
    await initTfjsBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'agiqa-parity-'));
    const tensors: NamedTensor[] = [];
    CASES.forEach((c, i) => {
      const side = tfjsSide(c, 100 + i);
      sides.push(side);
      for (const [name, w] of side.weights) tensors.push(tensor(`${i}/weight/${name}`, w));
      for (const [name, t] of Object.entries(side.inputs)) tensors.push(tensor(`${i}/${name}`, t));
    });
    const cases = CASES.map((c) => ({ fusion: c.fusion, head: HeadOptionsSchema.parse(c.head) }));
    await writeSafetensors(join(dir, 'in.safetensors'), tensors, { cases: JSON.stringify(cases) });
    await promisify(execFile)((torch as { python: string }).python, ['-m', 'agiqa_torch', 'forward', join(dir, 'in.safetensors'), join(dir, 'out.safetensors')], {
      env: torchEngineEnv(),
    });
    torchOut = await readSafetensors(join(dir, 'out.safetensors'));
  }, 300_000);

  afterAll(async () => {
    for (const side of sides) tf.dispose([...side.weights.values(), ...Object.values(side.inputs)]);
    await rm(dir, { recursive: true, force: true });
  });

  it.each(CASES.map((c, i) => [label(c), i] as const))('%s: same outputs within 1e-5', (_, i) => {
    const ours = sides[i].output;
    const theirs = torchOut.tensors.get(`${i}/output`)?.data as Float32Array;
    expect(maxAbsDiff(ours, theirs)).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(ours)));
  });

  it.each(CASES.map((c, i) => [label(c), i] as const))('%s: same gradients within 1e-4 for every weight and both inputs', (_, i) => {
    const { grads } = sides[i];
    const names = [...grads.keys()];
    // The torch head has exactly the tfjs head's weights (plus the two input gradients).
    const torchNames = [...torchOut.tensors.keys()].filter((k) => k.startsWith(`${i}/grad/`)).map((k) => k.slice(`${i}/grad/`.length));
    expect(torchNames.sort()).toEqual([...names].sort());
    for (const name of names) {
      const ours = grads.get(name) as Float32Array;
      const theirs = torchOut.tensors.get(`${i}/grad/${name}`)?.data as Float32Array;
      expect(maxAbs(ours), name).toBeGreaterThan(0);
      expect(maxAbsDiff(ours, theirs), name).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(ours)));
    }
  });
});

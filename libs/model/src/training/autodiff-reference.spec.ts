import { createRng, FUSION_NAMES, HeadOptionsSchema, permutation, type FusionName } from '@agiqa/contracts';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfjsBackend } from '../backend/backend.js';
import { glorot, subSeed } from '../fusion/common.js';
import { FUSIONS, HEAD_INPUTS } from '../fusion/head.js';
import { ADAM, compositeAdamKernel } from '../kernels/adam.js';
import { MAT_MUL } from '../kernels/matmul.js';
import { evaluate } from '../metrics/evaluate.js';
import { Adam } from './adam.js';
import { makeSyntheticFeatureTask } from './synthetic.js';
import { trainHead, type TrainHeadInput } from './train-head.js';

/*
 * The formulation training used before the fast kernels, kept here as the reference the fast one
 * must reproduce: every matrix product is tfjs's own BatchMatMul with tfjs's own gradient (plain
 * autodiff), the FC layers are tf.layers.dense, batches are gathered on the backend, and Adam is
 * tfjs's elementwise kernels.
 */

beforeAll(async () => {
  await initTfjsBackend('wasm');
});

/**
 * Runs `fn` with the matrix-product kernel on wasm replaced by tf.matMul and tfjs's BatchMatMul
 * gradient, and the fused Adam kernel by tfjs's elementwise kernels.
 */
async function withPlainAutodiff<T>(fn: () => Promise<T>): Promise<{ result: T; products: number; updates: number }> {
  const fast = tf.getKernel(MAT_MUL, 'wasm') as tf.KernelConfig;
  const fusedAdam = tf.getKernel(ADAM, 'wasm') as tf.KernelConfig;
  const fastGradient = tf.getGradient(MAT_MUL) as tf.GradConfig;
  const batchMatMulGradient = tf.getGradient('BatchMatMul') as tf.GradConfig;
  let products = 0;
  let updates = 0;
  tf.unregisterKernel(ADAM, 'wasm');
  tf.registerKernel({
    kernelName: ADAM,
    backendName: 'wasm',
    kernelFunc: (args) => {
      updates++;
      return compositeAdamKernel(args);
    },
  });
  tf.unregisterKernel(MAT_MUL, 'wasm');
  tf.unregisterGradient(MAT_MUL);
  tf.registerKernel({
    kernelName: MAT_MUL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs }) => {
      products++;
      const { a, b } = inputs as { a: tf.Tensor; b: tf.Tensor };
      const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
      return tf.matMul(a, b, transposeA, transposeB);
    },
  });
  tf.registerGradient({ ...batchMatMulGradient, kernelName: MAT_MUL });
  try {
    return { result: await fn(), products, updates };
  } finally {
    tf.unregisterKernel(MAT_MUL, 'wasm');
    tf.unregisterGradient(MAT_MUL);
    tf.registerKernel(fast);
    tf.registerGradient(fastGradient);
    tf.unregisterKernel(ADAM, 'wasm');
    tf.registerKernel(fusedAdam);
  }
}

/** The head as `buildHead` built it before: the fusion layer, then tf.layers.dense FC1 (ReLU) and FC2. */
function referenceHead(input: TrainHeadInput): tf.LayersModel {
  const head = HeadOptionsSchema.parse(input.head);
  const { text, imageDim, seed } = input;
  const image = tf.input({ shape: [imageDim], name: HEAD_INPUTS[0] });
  const tokens = tf.input({ shape: [text.maxTokens, text.dim], name: HEAD_INPUTS[1] });
  const mask = tf.input({ shape: [text.maxTokens], name: HEAD_INPUTS[2] });
  const fused = FUSIONS[input.fusion].create(head, subSeed(seed, 0) ?? 0).apply([image, tokens, mask]) as tf.SymbolicTensor;
  const fc1 = tf.layers.dense({ units: head.hiddenUnits, activation: 'relu', name: 'fc1', kernelInitializer: glorot(seed, 1) }).apply(fused);
  const score = tf.layers.dense({ units: 1, name: 'fc2', kernelInitializer: glorot(seed, 2) }).apply(fc1 as tf.SymbolicTensor);
  return tf.model({ inputs: [image, tokens, mask], outputs: score as tf.SymbolicTensor });
}

interface ReferenceEpoch {
  trainLoss: number;
  testPredictions: Float32Array;
}

/** trainHead's loop in the old formulation: same shuffles, standardised targets, Adam and evaluation batches. */
async function referenceTraining(input: TrainHeadInput): Promise<ReferenceEpoch[]> {
  const { text, train, test } = input;
  const n = train.targets.length;
  const mean = train.targets.reduce((s, y) => s + y, 0) / n;
  const std = Math.sqrt(train.targets.reduce((s, y) => s + (y - mean) ** 2, 0) / n);
  const model = referenceHead(input);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const adam = new Adam(variables, { learningRate: input.learningRate });
  const tokens = tf.tensor3d(text.tokens, [text.prompts, text.maxTokens, text.dim]);
  const mask = tf.tensor2d(text.mask, [text.prompts, text.maxTokens]);
  const upload = (split: typeof train) => ({
    image: tf.tensor2d(split.image, [split.targets.length, input.imageDim]),
    prompt: tf.tensor1d(split.promptIndex, 'int32'),
  });
  const trainSplit = upload(train);
  const testSplit = upload(test);
  const targets = tf.tensor2d(Float32Array.from(train.targets, (y) => (y - mean) / std), [n, 1]);
  const inputsOf = (split: typeof trainSplit, idx: tf.Tensor1D) => {
    const prompt = tf.gather(split.prompt, idx);
    return [tf.gather(split.image, idx), tf.gather(tokens, prompt), tf.gather(mask, prompt)];
  };
  const epochs: ReferenceEpoch[] = [];
  for (let epoch = 1; epoch <= input.epochs; epoch++) {
    const order = permutation(n, createRng(input.seed, epoch));
    let lossSum = 0;
    for (let start = 0; start < n; start += input.batchSize) {
      const rows = order.subarray(start, Math.min(start + input.batchSize, n));
      const loss = tf.tidy(() => {
        const idx = tf.tensor1d(rows, 'int32');
        const xs = inputsOf(trainSplit, idx);
        const y = tf.gather(targets, idx);
        const { value, grads } = tf.variableGrads(
          () => tf.mean(tf.squaredDifference(model.apply(xs, { training: true }) as tf.Tensor, y)) as tf.Scalar,
          variables,
        );
        adam.applyGradients(variables.map((v) => grads[v.name]));
        return value;
      });
      lossSum += (await loss.data())[0] * rows.length;
      loss.dispose();
    }
    const testPredictions = new Float32Array(test.targets.length);
    for (let start = 0; start < test.targets.length; start += 256) {
      const count = Math.min(256, test.targets.length - start);
      const out = tf.tidy(() => model.apply(inputsOf(testSplit, tf.range(start, start + count, 1, 'int32') as tf.Tensor1D)) as tf.Tensor);
      (await out.data()).forEach((v, i) => (testPredictions[start + i] = v * std + mean));
      out.dispose();
    }
    epochs.push({ trainLoss: lossSum / n, testPredictions });
  }
  adam.dispose();
  model.dispose();
  tf.dispose([tokens, mask, targets, trainSplit.image, trainSplit.prompt, testSplit.image, testSplit.prompt]);
  return epochs;
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('trainHead against the plain-autodiff formulation it replaced', () => {
  // Big enough that every kernel path is taken (products flipped and direct, batches of heads and
  // samples), small enough for a unit test: 192 train / 48 test items, 12 steps per epoch.
  const task = makeSyntheticFeatureTask({
    imageDim: 24,
    textDim: 32,
    maxTokens: 6,
    trainPrompts: 24,
    testPrompts: 6,
    imagesPerPrompt: 8,
    seed: 5,
  });
  const input = (fusion: FusionName): TrainHeadInput => ({
    fusion,
    head: { hiddenUnits: 48, attentionHeads: 4 },
    epochs: 8,
    batchSize: 16,
    learningRate: 3e-3,
    seed: 7,
    reportRule: 'last',
    imageDim: task.imageDim,
    text: task.text,
    train: task.train,
    test: task.test,
  });

  it.each(FUSION_NAMES)('%s: same losses, predictions and metrics over a whole run, within 1e-5', async (fusion) => {
    const before = tf.memory().numTensors;
    const { result: reference } = await withPlainAutodiff(() => referenceTraining(input(fusion)));
    const fast = await trainHead(input(fusion));
    expect(tf.memory().numTensors).toBe(before);

    expect(fast.epochs).toHaveLength(reference.length);
    for (const [i, epoch] of fast.epochs.entries()) {
      expect(Math.abs(epoch.trainLoss - reference[i].trainLoss)).toBeLessThan(1e-5);
      const metrics = evaluate(reference[i].testPredictions, task.test.targets);
      expect(Math.abs(epoch.test.srcc - metrics.srcc)).toBeLessThan(1e-5);
      expect(Math.abs(epoch.test.plcc - metrics.plcc)).toBeLessThan(1e-5);
    }
    const last = reference[reference.length - 1];
    expect(maxAbsDifference(fast.testPredictions, last.testPredictions)).toBeLessThan(1e-5);
    const metrics = evaluate(last.testPredictions, task.test.targets);
    for (const name of ['srcc', 'plcc', 'krcc', 'rmse'] as const) expect(Math.abs(fast.metrics[name] - metrics[name])).toBeLessThan(1e-5);
    // Training moved the head: the comparison is not between two untrained heads.
    expect(fast.epochs[7].trainLoss).toBeLessThan(fast.epochs[0].trainLoss * 0.8);
  });

  it('runs the reference on tfjs\'s own BatchMatMul and Adam kernels, then restores the fast kernels', async () => {
    const fast = tf.getKernel(MAT_MUL, 'wasm');
    const fusedAdam = tf.getKernel(ADAM, 'wasm');
    const { products, updates } = await withPlainAutodiff(() => referenceTraining({ ...input('cross_attention'), epochs: 1 }));
    expect(products).toBeGreaterThan(0);
    expect(updates).toBeGreaterThan(0);
    expect(tf.getKernel(MAT_MUL, 'wasm')).toBe(fast);
    expect(tf.getKernel(ADAM, 'wasm')).toBe(fusedAdam);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUSION_NAMES, type FusionName } from '@agiqa/contracts';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTfjsBackend } from '../backend/backend.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { restoreHead, type HeadInputBatch } from './restore-head.js';
import { makeSyntheticFeatureTask, type SyntheticTask } from './synthetic.js';
import { trainHead, type TrainHeadResult } from './train-head.js';

const task = makeSyntheticFeatureTask({ imageDim: 12, textDim: 16, maxTokens: 5, trainPrompts: 10, testPrompts: 3, imagesPerPrompt: 6, latentDim: 6, seed: 4 });
let dir: string;

beforeAll(async () => {
  await initTfjsBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'agiqa-restore-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The test split as an encoder would hand it over: one row per image, its prompt's tokens unpadded. */
function testBatch(t: SyntheticTask): HeadInputBatch {
  const n = t.test.targets.length;
  const { maxTokens, dim } = t.text;
  const tokens = new Float32Array(n * maxTokens * dim);
  const lengths: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = t.test.promptIndex[i];
    tokens.set(t.text.tokens.subarray(p * maxTokens * dim, (p + 1) * maxTokens * dim), i * maxTokens * dim);
    lengths.push(t.text.mask.subarray(p * maxTokens, (p + 1) * maxTokens).reduce((a, b) => a + b, 0));
  }
  return { batch: n, image: t.test.image, tokens, tokensPerRow: maxTokens, lengths };
}

/** Trains a small head on `task`, checkpointing into `dir`; returns the result and the last checkpoint. */
async function trainWithCheckpoint(fusion: FusionName, epochs: number, checkpointDir: string): Promise<{ result: TrainHeadResult; checkpoint: string }> {
  let checkpoint = '';
  const result = await trainHead({
    fusion,
    head: { hiddenUnits: 8, attentionHeads: 4 },
    epochs,
    batchSize: 16,
    learningRate: 3e-3,
    seed: 5,
    reportRule: 'last',
    imageDim: task.imageDim,
    text: task.text,
    train: task.train,
    test: task.test,
    checkpointDir,
    onEpoch: (_, uri) => {
      checkpoint = uri ?? '';
    },
  });
  return { result, checkpoint };
}

describe(restoreHead.name, () => {
  it.each(FUSION_NAMES)('predicts what training predicted at the checkpointed epoch (%s)', async (fusion) => {
    const { result, checkpoint } = await trainWithCheckpoint(fusion, 3, join(dir, fusion));
    const head = await restoreHead(checkpoint);
    try {
      expect(head).toMatchObject({ fusion, epoch: 3, dims: { image: 12, text: 16, maxTokens: 5 } });
      const predicted = await head.predict(testBatch(task));
      expect(predicted).toHaveLength(result.testPredictions.length);
      predicted.forEach((value, i) => expect(value).toBeCloseTo(result.testPredictions[i], 5));
    } finally {
      head.dispose();
    }
  });

  it('cuts prompts longer than the trained token axis and leaks no tensors', async () => {
    const { checkpoint } = await trainWithCheckpoint('concat', 1, join(dir, 'leak'));
    const before = tf.memory().numTensors;
    const head = await restoreHead(checkpoint);
    // Two rows of 9 tokens against a head trained on 5.
    const long: HeadInputBatch = { batch: 2, image: new Float32Array(2 * 12).fill(0.1), tokens: new Float32Array(2 * 9 * 16).fill(0.2), tokensPerRow: 9, lengths: [9, 3] };
    const predicted = await head.predict(long);
    expect(predicted).toHaveLength(2);
    expect(predicted.every(Number.isFinite)).toBe(true);
    await expect(head.predict({ ...long, image: new Float32Array(5) })).rejects.toThrow(/image features have 5 values/);
    head.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses an incomplete checkpoint without leaking tensors', async () => {
    const dir2 = join(dir, 'incomplete');
    const { checkpoint } = await trainWithCheckpoint('cosine', 1, dir2);
    const { header, arrays } = await readCheckpoint<{ arrays: unknown }>(checkpoint);
    const { arrays: _index, ...rest } = header;
    arrays.delete('weight/1');
    const broken = await writeCheckpoint(join(dir2, 'broken'), rest, [...arrays]);
    const before = tf.memory().numTensors;
    await expect(restoreHead(broken)).rejects.toThrow(/lacks weight 1/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

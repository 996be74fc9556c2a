import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initTfjsBackend } from '../backend/backend.js';
import { BatchAssembler, columnTensor } from './batches.js';
import { makeSyntheticFeatureTask } from './synthetic.js';

beforeAll(async () => {
  await initTfjsBackend('wasm');
});

const task = makeSyntheticFeatureTask({ imageDim: 6, textDim: 4, maxTokens: 5, trainPrompts: 4, testPrompts: 2, imagesPerPrompt: 3, seed: 1 });
const { text, train, imageDim } = task;

/** The batch as the backend would gather it: rows of the image table, their prompts' tokens and mask. */
function gathered(rows: number[]): number[][] {
  return tf.tidy(() => {
    const idx = tf.tensor1d(rows, 'int32');
    const prompt = tf.gather(tf.tensor1d(train.promptIndex, 'int32'), idx);
    return [
      tf.gather(tf.tensor2d(train.image, [train.targets.length, imageDim]), idx),
      tf.gather(tf.tensor3d(text.tokens, [text.prompts, text.maxTokens, text.dim]), prompt),
      tf.gather(tf.tensor2d(text.mask, [text.prompts, text.maxTokens]), prompt),
    ].map((t) => Array.from(t.dataSync()));
  });
}

describe(BatchAssembler.name, () => {
  it('holds exactly what gathering the rows and their prompts on the backend holds, batch after batch', () => {
    const batches = new BatchAssembler(text, imageDim, 5);
    for (const rows of [[7, 0, 11, 3, 3], [2, 9], [1, 4, 8, 10, 5]]) {
      tf.tidy(() => {
        const inputs = batches.inputs(train, rows);
        expect(inputs.map((t) => t.shape)).toEqual([
          [rows.length, imageDim],
          [rows.length, text.maxTokens, text.dim],
          [rows.length, text.maxTokens],
        ]);
        expect(inputs.map((t) => Array.from(t.dataSync()))).toEqual(gathered(rows));
      });
    }
  });

  describe('on a backend without a wasm heap (cpu: host buffers, reused)', () => {
    afterEach(async () => {
      await tf.setBackend('wasm');
    });

    it('builds the same batches', async () => {
      const rowsList = [[7, 0, 11, 3, 3], [2, 9]];
      const expected = rowsList.map(gathered);
      await tf.setBackend('cpu');
      const batches = new BatchAssembler(text, imageDim, 5);
      rowsList.forEach((rows, i) => {
        tf.tidy(() => {
          expect(batches.inputs(train, rows).map((t) => Array.from(t.dataSync()))).toEqual(expected[i]);
        });
      });
    });
  });

  it('makes only the tensors it returns, and refuses a batch over its capacity', () => {
    const batches = new BatchAssembler(text, imageDim, 2);
    const before = tf.memory().numTensors;
    const inputs = batches.inputs(train, [1, 2]);
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose(inputs);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => batches.inputs(train, [1, 2, 3])).toThrow('batch of 3 exceeds its capacity 2');
  });
});

describe(columnTensor.name, () => {
  it('picks the rows of a vector as a column', () => {
    const y = columnTensor(train.targets, [4, 1]);
    expect(y.shape).toEqual([2, 1]);
    expect(Array.from(y.dataSync())).toEqual([train.targets[4], train.targets[1]]);
    y.dispose();
  });
});

import { describe, expect, it } from 'vitest';
import { AgiqaError } from '@agiqa/contracts';
import { buildTrainingData, type ImageFeatureSource, type TextFeatureSource, type TrainingItem } from './training-data.js';

// 2-d image features, 3-d token features; prompt "a" has 1 token, prompt "b" has 2.
const vectors: Record<string, Float32Array> = {
  i1: new Float32Array([1, 1]),
  i2: new Float32Array([2, 2]),
  i3: new Float32Array([3, 3]),
  i4: new Float32Array([4, 4]),
};
const image: ImageFeatureSource = { dim: 2, vector: (key) => vectors[key] };
const text: TextFeatureSource = {
  dim: 3,
  tokens: (key) =>
    ({
      a: { data: new Float32Array([1, 2, 3]), length: 1 },
      b: { data: new Float32Array([4, 5, 6, 7, 8, 9]), length: 2 },
    })[key],
};
const items: TrainingItem[] = [
  { key: 'i1', prompt: 'a', mos: { quality: 1.5 } },
  { key: 'i2', prompt: 'b', mos: { quality: 2.5 } },
  { key: 'i3', prompt: 'a', mos: { quality: 3.5 } },
  { key: 'i4', prompt: 'b', mos: { quality: 4.5 } },
];

describe(buildTrainingData.name, () => {
  it('gathers each distinct prompt once into a padded, masked text table', () => {
    const data = buildTrainingData({ items, split: { trainKeys: ['i1', 'i2', 'i3'], valKeys: [], testKeys: ['i4'] }, label: 'quality', image, text });
    expect(data.text).toMatchObject({ prompts: 2, maxTokens: 2, dim: 3 });
    // [P=2, N=2, dT=3]: prompt a padded with zeros after its one token.
    expect([...data.text.tokens]).toEqual([1, 2, 3, 0, 0, 0, 4, 5, 6, 7, 8, 9]);
    expect([...data.text.mask]).toEqual([1, 0, 1, 1]);
    expect([...data.train.promptIndex]).toEqual([0, 1, 0]);
    expect([...data.train.image]).toEqual([1, 1, 2, 2, 3, 3]);
    expect([...data.train.targets]).toEqual([1.5, 2.5, 3.5]);
    expect([...data.test.promptIndex]).toEqual([1]);
    expect(data.val).toBeUndefined();
    expect(data.testKeys).toEqual(['i4']);
    expect(data.imageDim).toBe(2);
  });

  it('keeps a validation side when the split has one', () => {
    const data = buildTrainingData({ items, split: { trainKeys: ['i1', 'i2'], valKeys: ['i3'], testKeys: ['i4'] }, label: 'quality', image, text });
    expect([...(data.val?.targets ?? [])]).toEqual([3.5]);
  });

  it('rejects an unknown MOS label listing the labels present', () => {
    const error = catchError(() => buildTrainingData({ items, split: { trainKeys: ['i1'], valKeys: [], testKeys: ['i2'] }, label: 'align', image, text }));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toContain('"align"');
    expect(error.message).toContain('quality');
  });

  it('rejects a split key the dataset does not have', () => {
    const error = catchError(() => buildTrainingData({ items, split: { trainKeys: ['nope'], valKeys: [], testKeys: ['i2'] }, label: 'quality', image, text }));
    expect(error.message).toContain('nope');
  });

  it('rejects an item whose image features are missing', () => {
    const sparse: ImageFeatureSource = { dim: 2, vector: (key) => (key === 'i1' ? new Float32Array(2) : undefined) };
    const error = catchError(() => buildTrainingData({ items, split: { trainKeys: ['i1'], valKeys: [], testKeys: ['i2'] }, label: 'quality', image: sparse, text }));
    expect(error.message).toContain('image features are missing for item i2');
  });
});

function catchError(fn: () => unknown): AgiqaError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AgiqaError) return error;
    throw error;
  }
  throw new Error('expected an AgiqaError');
}

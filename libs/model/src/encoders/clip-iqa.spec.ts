import { afterAll, describe, expect, it } from 'vitest';
import { clipIqaFromEmbeddings, clipIqaScores, CLIP_LOGIT_SCALE } from './clip-iqa.js';
import { fixturePath } from './fixtures.js';
import { resolveEncoder } from './registry.js';
import { releaseEncoders } from './runtime.js';

afterAll(releaseEncoders);

describe(clipIqaFromEmbeddings.name, () => {
  const good = Float32Array.from([1, 0, 0]);
  const bad = Float32Array.from([0, 1, 0]);

  it('is the softmax over the antonym pair of scaled cosine similarities, positive side', () => {
    // cos(img, good) = 0.8, cos(img, bad) = 0.6 for img = (4, 3, 0) / 5, at any length.
    const [score] = clipIqaFromEmbeddings([Float32Array.from([8, 6, 0])], [good, bad], 10);
    expect(score).toBeCloseTo(Math.exp(8) / (Math.exp(8) + Math.exp(6)), 6);
  });

  it('defaults to the paper\'s Eq. 2: the softmax of the raw cosines, no temperature', () => {
    const [score] = clipIqaFromEmbeddings([Float32Array.from([8, 6, 0])], [good, bad]);
    expect(score).toBeCloseTo(Math.exp(0.8) / (Math.exp(0.8) + Math.exp(0.6)), 6);
  });

  it('gives 0.5 for an image equally close to both prompts, and mirrors when the prompts swap', () => {
    const img = Float32Array.from([1, 1, 5]);
    expect(clipIqaFromEmbeddings([img], [good, bad])[0]).toBeCloseTo(0.5, 6);
    const tilted = Float32Array.from([2, 1, 0]);
    const forward = clipIqaFromEmbeddings([tilted], [good, bad])[0];
    const swapped = clipIqaFromEmbeddings([tilted], [bad, good])[0];
    expect(forward + swapped).toBeCloseTo(1, 6);
    expect(forward).toBeGreaterThan(0.5);
  });

  it('stays finite at CLIP scale for nearly opposite similarities', () => {
    const [score] = clipIqaFromEmbeddings([Float32Array.from([-1, 1, 0])], [good, bad], CLIP_LOGIT_SCALE);
    expect(Number.isFinite(score)).toBe(true);
    expect(score).toBeLessThan(1e-10);
  });
});

describe(clipIqaScores.name, () => {
  it('rejects an encoder that is not CLIP', async () => {
    await expect(clipIqaScores({ encoder: resolveEncoder('tiny-bert'), images: [fixturePath('images/square-32.png')] })).rejects.toThrow(
      'CLIP-IQA needs a CLIP encoder, got tiny-bert (bert)',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { Xoshiro128 } from './prng.js';

describe(Xoshiro128.name, () => {
  it('matches the reference xoshiro128** output for state [1, 2, 3, 4]', () => {
    // Computed with a transcription of https://prng.di.unimi.it/xoshiro128starstar.c.
    const rng = Xoshiro128.fromState([1, 2, 3, 4]);
    expect(Array.from({ length: 6 }, () => rng.nextUint32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('gives the same stream for the same key and a different one for another key', () => {
    const a = Xoshiro128.fromKey('agiqa/split/v1:7:2');
    const b = Xoshiro128.fromKey('agiqa/split/v1:7:2');
    const c = Xoshiro128.fromKey('agiqa/split/v1:7:3');
    const draw = (r: Xoshiro128) => Array.from({ length: 8 }, () => r.nextUint32());
    const first = draw(a);
    expect(draw(b)).toEqual(first);
    expect(draw(c)).not.toEqual(first);
  });

  it('draws integers below n without bias and gaussians with unit variance', () => {
    const rng = Xoshiro128.fromKey('stats');
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[rng.nextBelow(3)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < 20_000; i++) {
      const g = rng.nextGaussian();
      sum += g;
      sq += g * g;
    }
    expect(Math.abs(sum / 20_000)).toBeLessThan(0.03);
    expect(Math.abs(sq / 20_000 - 1)).toBeLessThan(0.05);
  });
});

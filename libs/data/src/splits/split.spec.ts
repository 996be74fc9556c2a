import { rngFromKey, shuffle, type DatasetItemRecord } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { generatorModel, makeSplit, splitCounts, summariseSplit } from './split.js';

/** AGIQA-3K-shaped items: `prompts` prompts × the given generator/setting groups. */
function items(prompts: number, groups: readonly string[] = ['AttnGAN/normal', 'midjourney/normal', 'midjourney/lowstep', 'sd1.5/highcorr']): DatasetItemRecord[] {
  const out: DatasetItemRecord[] = [];
  for (let p = 0; p < prompts; p++) {
    for (const group of groups) {
      const index = String(p).padStart(3, '0');
      out.push({
        position: out.length,
        key: `${group.replace('/', '_')}_${index}.jpg`,
        imagePath: `img/${group.replace('/', '_')}_${index}.jpg`,
        prompt: `prompt ${index}`,
        promptKey: index,
        generator: group,
        mos: { quality: (p % 5) + 0.5 },
      });
    }
  }
  return out;
}

describe(makeSplit.name, () => {
  it('is pinned: a fixed input and spec give this exact hash and test set (golden)', () => {
    // Golden values were reproduced by an independent Python transcription of the documented
    // algorithm (sha256 key → xoshiro128** → Fisher–Yates → sorted keys → canonical JSON → sha256).
    // A change in ordering, PRNG, rounding or hashing breaks this test: bump SPLIT_ALGORITHM then.
    const split = makeSplit(items(10), { unit: 'prompt', train: 0.8, val: 0, seed: 42, repeat: 0 });
    expect([...new Set(split.testKeys.map((k) => k.slice(-7, -4)))]).toEqual(['000', '003']);
    expect(split.hash).toBe('2f24f4ade7c39212de0ff2aa49c5dfde071a323f90f3ededaa856c16a43920ca');
  });

  it('gives the same keys whatever order the items come in', () => {
    const data = items(12);
    const shuffled = shuffle([...data], rngFromKey('reorder'));
    const spec = { unit: 'prompt' as const, train: 0.7, val: 0.1, seed: 3, repeat: 1 };
    expect(makeSplit(shuffled, spec)).toEqual(makeSplit(data, spec));
  });

  it('never puts a prompt on two sides, for any seed and repeat', () => {
    const data = items(23);
    const promptOf = new Map(data.map((i) => [i.key, i.promptKey]));
    for (let seed = 0; seed < 60; seed++) {
      for (const repeat of [0, 1, 2]) {
        const split = makeSplit(data, { unit: 'prompt', train: 0.75, val: 0.1, seed, repeat });
        const sides = [split.trainKeys, split.valKeys, split.testKeys].map((keys) => new Set(keys.map((k) => promptOf.get(k))));
        expect([...sides[0]].some((p) => sides[1].has(p) || sides[2].has(p))).toBe(false);
        expect([...sides[1]].some((p) => sides[2].has(p))).toBe(false);
        expect(split.overlapPrompts).toBe(0);
        expect(split.trainKeys.length + split.valKeys.length + split.testKeys.length).toBe(data.length);
        expect(sides.map((s) => s.size)).toEqual([17, 2, 4]);
      }
    }
  });

  it('leaves out whole generator models, keeping a model\'s settings together', () => {
    const data = items(5);
    for (let seed = 0; seed < 20; seed++) {
      const split = makeSplit(data, { unit: 'generator', train: 0.5, seed });
      const generatorOf = new Map(data.map((i) => [i.key, i.generator]));
      const modelsOf = (keys: string[]) => new Set(keys.map((k) => generatorModel(generatorOf.get(k) ?? '')));
      const train = modelsOf(split.trainKeys);
      const test = modelsOf(split.testKeys);
      expect([...train].filter((m) => test.has(m))).toEqual([]);
      expect(train.size + test.size).toBe(3);
    }
  });

  it('splits images freely with the image unit, so prompts may overlap', () => {
    const split = makeSplit(items(20), { unit: 'image', train: 0.8, seed: 1 });
    expect([split.trainKeys.length, split.testKeys.length]).toEqual([64, 16]);
    expect(split.overlapPrompts).toBeGreaterThan(0);
  });

  it('changes with the seed and with the repeat, and the hash follows the keys', () => {
    const data = items(30);
    const base = makeSplit(data, { unit: 'prompt', train: 0.8, seed: 5, repeat: 0 });
    const otherRepeat = makeSplit(data, { unit: 'prompt', train: 0.8, seed: 5, repeat: 1 });
    const otherSeed = makeSplit(data, { unit: 'prompt', train: 0.8, seed: 6, repeat: 0 });
    expect(otherRepeat.testKeys).not.toEqual(base.testKeys);
    expect(otherSeed.testKeys).not.toEqual(base.testKeys);
    expect(new Set([base.hash, otherRepeat.hash, otherSeed.hash]).size).toBe(3);
  });

  it('rejects a bad spec naming the field', () => {
    expect(() => makeSplit(items(3), { unit: 'prompt', train: 1.2, seed: 0 })).toThrow(/invalid split spec: train: must be < 1/);
    expect(() => makeSplit(items(3), { unit: 'prompt', train: 0.7, val: 0.3, seed: 0 })).toThrow(/val: train \+ val must leave a non-empty test share/);
    expect(() => makeSplit(items(3), { unit: 'prompts' as 'prompt', train: 0.7, seed: 0 })).toThrow(/invalid split spec: unit/);
    expect(() => makeSplit(items(3), { unit: 'prompt', train: 0.7, seed: -1 })).toThrow(/seed: must be ≥ 0/);
  });

  it('rejects a split that cannot give test at least one unit', () => {
    expect(() => makeSplit(items(4, ['sdxl/normal', 'sdxl/lowstep']), { unit: 'generator', train: 0.8, seed: 0 })).toThrow(
      'cannot split 1 unit into train and test: need at least 2',
    );
  });

  it('prints counts, not keys, for the CLI', () => {
    const split = makeSplit(items(10), { unit: 'prompt', train: 0.8, seed: 42 });
    expect(summariseSplit(split)).toEqual({ train: 32, val: 0, test: 8, overlapPrompts: 0, hash: split.hash });
  });
});

describe(splitCounts.name, () => {
  it('applies ratios to units, rounds half up, and keeps at least one unit in test', () => {
    expect(splitCounts(300, 0.8, 0)).toEqual({ train: 240, val: 0, test: 60 });
    expect(splitCounts(100, 0.75, 0)).toEqual({ train: 75, val: 0, test: 25 });
    expect(splitCounts(10, 0.35, 0)).toEqual({ train: 4, val: 0, test: 6 });
    expect(splitCounts(6, 0.8, 0)).toEqual({ train: 5, val: 0, test: 1 });
    expect(splitCounts(6, 0.75, 0)).toEqual({ train: 5, val: 0, test: 1 });
    expect(splitCounts(2, 0.9, 0)).toEqual({ train: 1, val: 0, test: 1 });
    expect(splitCounts(3, 0.5, 0.3)).toEqual({ train: 1, val: 1, test: 1 });
    expect(splitCounts(10, 0.8, 0.01)).toEqual({ train: 8, val: 1, test: 1 });
  });
});

describe(generatorModel.name, () => {
  it('is the part before the slash', () => {
    expect(generatorModel('midjourney/lowstep')).toBe('midjourney');
    expect(generatorModel('stable-diffusion')).toBe('stable-diffusion');
  });
});

import { describe, expect, it } from 'vitest';
import { rngFromKey } from '@agiqa/contracts';
import { NoiseTable, blur, boxRadiiForGauss, shiftColour, toBytes } from './degrade.js';
import type { RgbImage } from './raster.js';

const image = (size: number, fill: (x: number, y: number) => number): RgbImage => {
  const data = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data.fill(fill(x, y), (y * size + x) * 3, (y * size + x) * 3 + 3);
  return { width: size, height: size, data };
};
const channelStats = (data: Float32Array) => {
  let sum = 0;
  let sq = 0;
  for (const v of data) {
    sum += v;
    sq += v * v;
  }
  const mean = sum / data.length;
  return { mean, std: Math.sqrt(sq / data.length - mean * mean) };
};

describe(boxRadiiForGauss.name, () => {
  it('chooses three boxes whose combined std is within a quarter pixel of sigma', () => {
    for (const sigma of [0.8, 1.5, 2.2, 3]) {
      const variance = boxRadiiForGauss(sigma).reduce((acc, r) => acc + ((2 * r + 1) ** 2 - 1) / 12, 0);
      expect(Math.abs(Math.sqrt(variance) - sigma)).toBeLessThan(0.25);
    }
  });
});

describe(blur.name, () => {
  it('spreads a point the way a Gaussian of that sigma does, keeping the total', () => {
    const img = image(41, (x, y) => (x === 20 && y === 20 ? 1000 : 0));
    blur(img, 2);
    let total = 0;
    let varX = 0;
    for (let y = 0; y < 41; y++) {
      for (let x = 0; x < 41; x++) {
        const v = img.data[(y * 41 + x) * 3];
        total += v;
        varX += v * (x - 20) ** 2;
      }
    }
    expect(total).toBeCloseTo(1000, 1);
    expect(Math.sqrt(varX / total)).toBeGreaterThan(1.75);
    expect(Math.sqrt(varX / total)).toBeLessThan(2.25);
  });

  it('leaves the image alone below sigma 0.3', () => {
    const img = image(8, (x) => x * 10);
    const before = Float32Array.from(img.data);
    blur(img, 0.2);
    expect(img.data).toEqual(before);
  });
});

describe(NoiseTable.name, () => {
  it('adds zero-mean noise of the requested std, different per image stream', () => {
    const table = new NoiseTable(rngFromKey('noise'));
    const a = image(64, () => 128);
    const b = image(64, () => 128);
    table.addNoise(a, 20, rngFromKey('a'));
    table.addNoise(b, 20, rngFromKey('b'));
    const stats = channelStats(a.data);
    expect(Math.abs(stats.mean - 128)).toBeLessThan(1);
    expect(Math.abs(stats.std - 20)).toBeLessThan(1);
    expect(a.data).not.toEqual(b.data);
  });
});

describe(toBytes.name, () => {
  it('rounds and clamps to 0–255 after a colour shift', () => {
    const img = image(2, () => 250);
    shiftColour(img, [10, -251, 0.4]);
    expect(Array.from(toBytes(img).slice(0, 3))).toEqual([255, 0, 250]);
  });
});

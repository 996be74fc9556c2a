import { irwinHallNormal, type Rng } from '@agiqa/contracts';
import type { RgbImage } from './raster.js';

/**
 * Degradations of the synthetic dataset, in place on an RGB float image. Like the rasteriser they
 * use only arithmetic (no exp / sin), so the pre-JPEG pixels are identical on every machine.
 */

/** Adds a per-channel offset (0–255 units). */
export function shiftColour(image: RgbImage, offset: readonly [number, number, number]): void {
  const { data } = image;
  for (let i = 0; i < data.length; i += 3) {
    data[i] += offset[0];
    data[i + 1] += offset[1];
    data[i + 2] += offset[2];
  }
}

/**
 * Box widths whose three successive box blurs approximate a Gaussian of std `sigma`
 * (W. Jarosz / I. Kutskir, "Fast image convolutions"). Returns radii (width = 2r + 1).
 */
export function boxRadiiForGauss(sigma: number): [number, number, number] {
  const n = 3;
  const ideal = Math.sqrt((12 * sigma * sigma) / n + 1);
  let lower = Math.floor(ideal);
  if (lower % 2 === 0) lower--;
  const upper = lower + 2;
  const m = Math.round((12 * sigma * sigma - n * lower * lower - 4 * n * lower - 3 * n) / (-4 * lower - 4));
  const widths = [0, 1, 2].map((i) => (i < m ? lower : upper));
  return widths.map((w) => (w - 1) / 2) as [number, number, number];
}

/** One horizontal box pass of radius r (edges clamped) from `src` into `dst`, all channels. */
function boxHorizontal(src: Float32Array, dst: Float32Array, width: number, height: number, r: number): void {
  const scale = 1 / (2 * r + 1);
  const last = width - 1;
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let ch = 0; ch < 3; ch++) {
      const base = row + ch;
      let sum = 0;
      for (let x = -r; x <= r; x++) sum += src[base + (x < 0 ? 0 : x > last ? last : x) * 3];
      for (let x = 0; x < width; x++) {
        dst[base + x * 3] = sum * scale;
        const add = x + r + 1;
        const sub = x - r;
        sum += src[base + (add > last ? last : add) * 3] - src[base + (sub < 0 ? 0 : sub) * 3];
      }
    }
  }
}

/** One vertical box pass of radius r (edges clamped), all channels. */
function boxVertical(src: Float32Array, dst: Float32Array, width: number, height: number, r: number): void {
  const scale = 1 / (2 * r + 1);
  const stride = width * 3;
  const last = height - 1;
  for (let col = 0; col < stride; col++) {
    let sum = 0;
    for (let y = -r; y <= r; y++) sum += src[(y < 0 ? 0 : y > last ? last : y) * stride + col];
    for (let y = 0; y < height; y++) {
      dst[y * stride + col] = sum * scale;
      const add = y + r + 1;
      const sub = y - r;
      sum += src[(add > last ? last : add) * stride + col] - src[(sub < 0 ? 0 : sub) * stride + col];
    }
  }
}

/** Gaussian blur of std `sigma` px, approximated by three box blurs per axis (O(1) per pixel). */
export function blur(image: RgbImage, sigma: number): void {
  if (sigma < 0.3) return;
  const { width, height, data } = image;
  const tmp = new Float32Array(data.length);
  for (const r of boxRadiiForGauss(sigma)) {
    if (r === 0) continue;
    boxHorizontal(data, tmp, width, height, r);
    boxVertical(tmp, data, width, height, r);
  }
}

/**
 * A table of standard-normal samples shared by all images of a dataset; each image reads it from
 * its own random start with its own odd stride (a permutation of the table, as the size is a
 * power of two), so noise differs per image at the cost of one table lookup per value.
 */
export class NoiseTable {
  static readonly SIZE = 1 << 16;
  private readonly values = new Float32Array(NoiseTable.SIZE);

  constructor(rng: Rng) {
    for (let i = 0; i < NoiseTable.SIZE; i++) this.values[i] = irwinHallNormal(rng);
  }

  /** Adds noise of std `std` (0–255 units) to every channel value. */
  addNoise(image: RgbImage, std: number, rng: Rng): void {
    if (std <= 0) return;
    const mask = NoiseTable.SIZE - 1;
    let at = rng.nextInt(NoiseTable.SIZE);
    const step = rng.nextInt(NoiseTable.SIZE / 2) * 2 + 1;
    const { data } = image;
    for (let i = 0; i < data.length; i++) {
      data[i] += this.values[at] * std;
      at = (at + step) & mask;
    }
  }
}

/**
 * Rounds (half to even) and clamps to bytes: the buffer JPEG encoding receives ([height, width, 3]
 * uint8). Uint8ClampedArray does both natively, with the same result on every engine (ToUint8Clamp).
 */
export function toBytes(image: RgbImage): Uint8Array {
  const clamped = new Uint8ClampedArray(image.data.length);
  clamped.set(image.data);
  return new Uint8Array(clamped.buffer);
}

import sharp from 'sharp';

/**
 * A reference quality predictor for the synthetic dataset: ridge regression on five no-reference
 * pixel statistics of the decoded JPEG. It is the floor of what "a model that looks at pixels"
 * reaches on the synthetic mapping (README: Synthetic dataset), the yardstick the platform's own
 * encoders + heads are compared with, and the model of the data issue's learnability check.
 */

/** Backgrounds the rasteriser paints (synthetic/raster.ts): a colour cast is the distance to the nearest. */
const BACKGROUNDS = [
  [245, 245, 245],
  [25, 25, 25],
  [128, 128, 128],
  [40, 80, 220],
  [40, 170, 70],
  [240, 210, 40],
] as const;

/**
 * Five statistics of an RGB image (`rgb`: [size, size, 3] bytes), each tracking one degradation:
 * mean |Laplacian| (sharpness vs blur), median high-pass residual (noise), 99th-percentile gradient
 * (edge strength), 8-px block-boundary / interior gradient ratio (JPEG blockiness), distance of the
 * median colour to the nearest background (colour cast).
 */
export function pixelStatistics(rgb: Uint8Array, size: number): number[] {
  const n = size * size;
  const luma = new Float32Array(n);
  for (let i = 0; i < n; i++) luma[i] = 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2];
  const inner = (size - 2) * (size - 2);
  // Typed arrays sort numerically and fast: this runs on every image of a 1,000-image dataset.
  const residual = new Float32Array(inner);
  const gradient = new Float32Array(inner);
  let laplacian = 0;
  let boundary = 0;
  let interior = 0;
  let boundaryCount = 0;
  let interiorCount = 0;
  let k = 0;
  for (let r = 1; r < size - 1; r++) {
    for (let c = 1; c < size - 1; c++, k++) {
      const i = r * size + c;
      const neighbours = luma[i - 1] + luma[i + 1] + luma[i - size] + luma[i + size];
      laplacian += Math.abs(4 * luma[i] - neighbours);
      residual[k] = Math.abs(luma[i] - neighbours / 4);
      gradient[k] = Math.abs(luma[i + 1] - luma[i - 1]) + Math.abs(luma[i + size] - luma[i - size]);
      const dx = Math.abs(luma[i + 1] - luma[i]);
      if ((c + 1) % 8 === 0) {
        boundary += dx;
        boundaryCount++;
      } else {
        interior += dx;
        interiorCount++;
      }
    }
  }
  residual.sort();
  gradient.sort();
  const median = [0, 1, 2].map((channel) => byteMedian(rgb, channel, n));
  const cast = Math.min(...BACKGROUNDS.map((b) => Math.abs(b[0] - median[0]) + Math.abs(b[1] - median[1]) + Math.abs(b[2] - median[2])));
  return [
    laplacian / n,
    residual[inner >> 1],
    gradient[Math.floor(inner * 0.99)],
    boundary / boundaryCount / (interior / interiorCount + 1e-6),
    cast,
  ];
}

/** The upper median of one channel of interleaved RGB bytes, by histogram (no sort). */
function byteMedian(rgb: Uint8Array, channel: number, n: number): number {
  const histogram = new Uint32Array(256);
  for (let i = 0; i < n; i++) histogram[rgb[i * 3 + channel]]++;
  const target = n >> 1;
  let seen = 0;
  for (let value = 0; value < 256; value++) {
    seen += histogram[value];
    if (seen > target) return value;
  }
  return 255;
}

/** Decodes a square image file and returns its `pixelStatistics`. */
export async function pixelStatisticsOfFile(path: string): Promise<number[]> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== info.height) throw new Error(`${path}: expected a square image, got ${info.width}×${info.height}`);
  return pixelStatistics(data, info.width);
}

/**
 * Fits ridge regression on standardised features and their squares (`lambda` on every weight but
 * the intercept) and returns the predictor. Solved exactly (normal equations, Gaussian elimination
 * with partial pivoting): the design has ≤ 11 columns.
 */
export function fitRidge(x: readonly number[][], target: readonly number[], lambda = 1): (row: number[]) => number {
  const expand = (row: readonly number[]) => [...row, ...row.map((v) => v * v)];
  const raw = x.map(expand);
  const d = raw[0].length;
  const mean = Array.from({ length: d }, (_, j) => raw.reduce((s, r) => s + r[j], 0) / raw.length);
  const std = Array.from({ length: d }, (_, j) => Math.sqrt(raw.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / raw.length) || 1);
  const design = (row: number[]) => [1, ...row.map((v, j) => (v - mean[j]) / std[j])];
  const a = raw.map(design);
  const k = d + 1;
  const ata = Array.from({ length: k }, (_, i) =>
    Array.from({ length: k }, (_, j) => a.reduce((s, r) => s + r[i] * r[j], 0) + (i === j && i > 0 ? lambda : 0)),
  );
  const atb = Array.from({ length: k }, (_, i) => a.reduce((s, r, row) => s + r[i] * target[row], 0));
  for (let c = 0; c < k; c++) {
    let pivot = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(ata[r][c]) > Math.abs(ata[pivot][c])) pivot = r;
    [ata[c], ata[pivot]] = [ata[pivot], ata[c]];
    [atb[c], atb[pivot]] = [atb[pivot], atb[c]];
    for (let r = c + 1; r < k; r++) {
      const f = ata[r][c] / ata[c][c];
      for (let j = c; j < k; j++) ata[r][j] -= f * ata[c][j];
      atb[r] -= f * atb[c];
    }
  }
  const w = new Array<number>(k).fill(0);
  for (let r = k - 1; r >= 0; r--) w[r] = (atb[r] - ata[r].slice(r + 1).reduce((s, v, j) => s + v * w[r + 1 + j], 0)) / ata[r][r];
  return (row) => design(expand(row)).reduce((s, v, j) => s + v * w[j], 0);
}

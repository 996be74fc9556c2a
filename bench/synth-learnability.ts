/**
 * How learnable the synthetic dataset's labels are: test-set SRCC on a prompt split (80:20) of a
 * synthetic dataset, for predictors that know more or less of the hidden mapping:
 *   - oracle: predicts from the hidden variables (−strength for quality; the latent alignment
 *     for align). The ceiling: only the simulated raters' noise is left.
 *   - pixel features: ridge regression on 5 hand-made no-reference features of the decoded JPEG
 *     (sharpness, noise residual, edge strength, JPEG blockiness, colour cast) fitted on train. A
 *     floor for what a model that looks at pixels reaches on quality.
 *   - generator mean: the train MOS mean of the image's generator group (no pixels at all).
 *   - constant: one value for every image: SRCC is undefined (no ranking), reported as 0.
 *
 *   npx tsx --conditions @agiqa/source bench/synth-learnability.ts [--images 1000] [--seeds 1,2,3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeSplit, synthesizeDataset, type SynthImage } from '@agiqa/data';
import sharp from 'sharp';

const { values: args } = parseArgs({ options: { images: { type: 'string', default: '1000' }, seeds: { type: 'string', default: '1,2,3' } } });
const images = Number(args.images);
const seeds = (args.seeds ?? '').split(',').map(Number);

/** Ranks with ties averaged (1-based). */
function ranks(v: readonly number[]): number[] {
  const order = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(v.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) r[order[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}
function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (a[i] - ma) * (b[i] - mb);
    da += (a[i] - ma) ** 2;
    db += (b[i] - mb) ** 2;
  }
  return da === 0 || db === 0 ? NaN : num / Math.sqrt(da * db);
}
const srcc = (pred: readonly number[], mos: readonly number[]) => pearson(ranks(pred), ranks(mos));

/** Five no-reference features of an RGB image ([h, w, 3] bytes). */
function features(rgb: Buffer, size: number): number[] {
  const n = size * size;
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = 0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2];
  let lap = 0;
  const resid: number[] = [];
  const grad: number[] = [];
  let boundary = 0;
  let inside = 0;
  let nb = 0;
  let ni = 0;
  for (let r = 1; r < size - 1; r++) {
    for (let c = 1; c < size - 1; c++) {
      const i = r * size + c;
      const neighbours = y[i - 1] + y[i + 1] + y[i - size] + y[i + size];
      lap += Math.abs(4 * y[i] - neighbours);
      resid.push(Math.abs(y[i] - neighbours / 4));
      grad.push(Math.abs(y[i + 1] - y[i - 1]) + Math.abs(y[i + size] - y[i - size]));
      const dx = Math.abs(y[i + 1] - y[i]);
      if ((c + 1) % 8 === 0) {
        boundary += dx;
        nb++;
      } else {
        inside += dx;
        ni++;
      }
    }
  }
  resid.sort((a, b) => a - b);
  grad.sort((a, b) => a - b);
  const median = (ch: number) => {
    const v = Array.from({ length: n }, (_, i) => rgb[i * 3 + ch]).sort((a, b) => a - b);
    return v[n >> 1];
  };
  const backgrounds = [[245, 245, 245], [25, 25, 25], [128, 128, 128], [40, 80, 220], [40, 170, 70], [240, 210, 40]];
  const m = [median(0), median(1), median(2)];
  const cast = Math.min(...backgrounds.map((b) => Math.abs(b[0] - m[0]) + Math.abs(b[1] - m[1]) + Math.abs(b[2] - m[2])));
  return [lap / n, resid[resid.length >> 1], grad[Math.floor(grad.length * 0.99)], boundary / nb / (inside / ni + 1e-6), cast];
}

/** Ridge regression on standardised features with their squares; returns a predictor. */
function fitRidge(x: number[][], t: number[], lambda = 1): (row: number[]) => number {
  const expand = (row: number[]) => [...row, ...row.map((v) => v * v)];
  const raw = x.map(expand);
  const d = raw[0].length;
  const mean = Array.from({ length: d }, (_, j) => raw.reduce((s, r) => s + r[j], 0) / raw.length);
  const std = Array.from({ length: d }, (_, j) => Math.sqrt(raw.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / raw.length) || 1);
  const z = (row: number[]) => [1, ...row.map((v, j) => (v - mean[j]) / std[j])];
  const a = raw.map(z);
  const k = d + 1;
  const ata = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => a.reduce((s, r) => s + r[i] * r[j], 0) + (i === j && i > 0 ? lambda : 0)));
  const atb = Array.from({ length: k }, (_, i) => a.reduce((s, r, n) => s + r[i] * t[n], 0));
  // Gaussian elimination with partial pivoting.
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(ata[r][c]) > Math.abs(ata[p][c])) p = r;
    [ata[c], ata[p]] = [ata[p], ata[c]];
    [atb[c], atb[p]] = [atb[p], atb[c]];
    for (let r = c + 1; r < k; r++) {
      const f = ata[r][c] / ata[c][c];
      for (let j = c; j < k; j++) ata[r][j] -= f * ata[c][j];
      atb[r] -= f * atb[c];
    }
  }
  const w = new Array<number>(k).fill(0);
  for (let r = k - 1; r >= 0; r--) w[r] = (atb[r] - ata[r].slice(r + 1).reduce((s, v, j) => s + v * w[r + 1 + j], 0)) / ata[r][r];
  return (row) => z(expand(row)).reduce((s, v, j) => s + v * w[j], 0);
}

function groupMeans(train: SynthImage[], value: (i: SynthImage) => number): (i: SynthImage) => number {
  const sums = new Map<string, [number, number]>();
  for (const im of train) {
    const [s, n] = sums.get(im.generator) ?? [0, 0];
    sums.set(im.generator, [s + value(im), n + 1]);
  }
  return (im) => {
    const [s, n] = sums.get(im.generator) ?? [0, 1];
    return s / n;
  };
}

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}; ${images} images, prompt split 80:20 (split seed 0)`);
console.log('');
console.log('| seed | test images | quality: oracle | quality: pixel features | quality: generator mean | align: oracle | align: generator mean | constant |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
const rows: number[][] = [];
for (const seed of seeds) {
  const dir = mkdtempSync(path.join(tmpdir(), 'agiqa-bench-learn-'));
  try {
    const result = await synthesizeDataset({ outDir: dir, images, seed, overwrite: true });
    const items = result.images.map((im, position) => ({
      position,
      key: im.name,
      imagePath: `img/${im.name}`,
      prompt: im.prompt,
      promptKey: String(im.promptIndex).padStart(3, '0'),
      generator: im.generator,
      mos: { quality: im.mosQuality, align: im.mosAlign },
    }));
    const split = makeSplit(items, { unit: 'prompt', train: 0.8, seed: 0 });
    const byName = new Map(result.images.map((im) => [im.name, im]));
    const train = split.trainKeys.map((k) => byName.get(k) as SynthImage);
    const test = split.testKeys.map((k) => byName.get(k) as SynthImage);
    const feats = new Map<string, number[]>();
    for (const im of result.images) {
      const { data, info } = await sharp(path.join(dir, 'img', im.name)).raw().toBuffer({ resolveWithObject: true });
      feats.set(im.name, features(data, info.width));
    }
    const model = fitRidge(train.map((im) => feats.get(im.name) as number[]), train.map((im) => im.mosQuality));
    const q = test.map((im) => im.mosQuality);
    const a = test.map((im) => im.mosAlign);
    const genQ = groupMeans(train, (im) => im.mosQuality);
    const genA = groupMeans(train, (im) => im.mosAlign);
    const row = [
      srcc(test.map((im) => -im.strength), q),
      srcc(test.map((im) => model(feats.get(im.name) as number[])), q),
      srcc(test.map(genQ), q),
      srcc(test.map((im) => im.latentAlign), a),
      srcc(test.map(genA), a),
    ];
    rows.push(row);
    console.log(`| ${seed} | ${test.length} | ${row.map((v) => v.toFixed(3)).join(' | ')} | 0 (undefined) |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const mean = (j: number) => rows.reduce((s, r) => s + r[j], 0) / rows.length;
console.log(`| mean | | ${[0, 1, 2, 3, 4].map((j) => mean(j).toFixed(3)).join(' | ')} | 0 |`);

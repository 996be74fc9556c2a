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
import { fitRidge, makeSplit, pixelStatisticsOfFile, synthesizeDataset, type SynthImage } from '@agiqa/data';
import { srcc } from '@agiqa/model';

const { values: args } = parseArgs({ options: { images: { type: 'string', default: '1000' }, seeds: { type: 'string', default: '1,2,3' } } });
const images = Number(args.images);
const seeds = (args.seeds ?? '').split(',').map(Number);

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
    for (const im of result.images) feats.set(im.name, await pixelStatisticsOfFile(path.join(dir, 'img', im.name)));
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

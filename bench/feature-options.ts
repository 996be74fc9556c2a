/**
 * What the grid's feature options cost and buy at real size: int8 dynamically quantised encoders
 * (`features.dtype: q8`) and the libvips resize (`features.resize: libvips`) against the default
 * fp32 + Pillow-exact features, on the synthetic AGIQA-3K-size dataset (bench/real/inputs.ts).
 *
 *   npx tsx --conditions @agiqa/source bench/feature-options.ts [--images 1000] [--text bert-base]
 *       [--seeds 0,1,2] [--epochs 30] [--fusion cross_attention] [--threads N]
 *
 * For each setting: extraction wall and CPU time in this process (libs/model, release: true, the
 * worker's path), the features' agreement with fp32 + Pillow, and the test SRCC / PLCC of the
 * head trained on them (tfjs wasm, prompt split 80:20, the synthetic quality MOS), per seed, with
 * the difference to fp32 + Pillow on the same seed. The encoders are random real-size stand-ins
 * (tools/make_real_encoders.py): the agreement figures measure what quantisation and resizing do
 * to these networks' activations; with trained weights the SRCC figures would differ.
 *
 * Agreement is measured on centred features: a random network's pooled outputs share a large
 * constant part (plain cosine similarity is 0.99999 between any two images), so each vector has the
 * reference setting's dataset mean subtracted first. "Centred cosine" is then the cosine of
 * (x − μ, x_ref − μ) per image (F_I) or token (F_T); "relative error" is ‖x − x_ref‖ / ‖x_ref − μ‖.
 */
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { FUSION_NAMES, type EncoderDtype, type FusionName, type ImageResizeMethod } from '@agiqa/contracts';
import { loadDataset, makeSplit } from '@agiqa/data';
import { extractImageFeatures, extractTextFeatures, initTfjsBackend, openImageFeatures, openTextFeatures, resolveEncoder, trainHead } from '@agiqa/model';
import { MODEL_ENCODER_TOOLKIT } from '../apps/worker/src/activities/encoder-toolkit.js';
import { imageFeatureSource, textFeatureSource } from '../apps/worker/src/activities/feature-sources.js';
import { buildTrainingData } from '../apps/worker/src/activities/training-data.js';
import { MODELS_DIR, realDataset } from './real/inputs.js';

const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '1000' },
    text: { type: 'string', default: 'bert-base' },
    seeds: { type: 'string', default: '0,1,2' },
    epochs: { type: 'string', default: '30' },
    fusion: { type: 'string', default: 'cross_attention' },
    threads: { type: 'string', default: String(cpus().length) },
  },
});
const imageCount = Number(args.images);
const seeds = (args.seeds ?? '').split(',').map(Number);
const epochs = Number(args.epochs);
const threads = Number(args.threads);
const fusion = args.fusion as FusionName;
if (!(FUSION_NAMES as readonly string[]).includes(fusion)) throw new Error(`--fusion must be one of ${FUSION_NAMES.join(', ')}`);

const SETTINGS: { dtype: EncoderDtype; resize: ImageResizeMethod }[] = [
  { dtype: 'fp32', resize: 'pillow' },
  { dtype: 'q8', resize: 'pillow' },
  { dtype: 'fp32', resize: 'libvips' },
  { dtype: 'q8', resize: 'libvips' },
];
const label = (s: { dtype: string; resize: string }) => `${s.dtype} + ${s.resize}`;

const full = await realDataset();
const dataset = await loadDataset({ format: 'agiqa3k', root: full.root, checkImages: false });
const items = dataset.items.slice(0, imageCount);
const prompts = [...new Set(items.map((item) => item.prompt))].map((text) => ({ key: text, text }));
const split = makeSplit(items, { unit: 'prompt', train: 0.8, seed: 0 });
const cacheDir = await mkdtemp(join(tmpdir(), 'agiqa-bench-options-'));
const backend = await initTfjsBackend('wasm');
console.log(
  `machine: ${cpus()[0]?.model.trim()}, ${cpus().length} cores, load ${loadavg()[0].toFixed(2)}; ${items.length} images (512 px), ${prompts.length} prompts; ` +
    `${args.text} + clip-vit-b32 (random weights, real size), ${threads} threads; head ${fusion}, ${epochs} epochs, tfjs ${backend.name}, seeds ${seeds.join(',')}\n`,
);

interface Extracted {
  setting: (typeof SETTINGS)[number];
  imageUri: string;
  textUri: string;
  wallS: number;
  cpuS: number;
  load: string;
}
const extracted: Extracted[] = [];
try {
  for (const setting of SETTINGS) {
    const common = { modelsDir: MODELS_DIR, threads, dtype: setting.dtype };
    const image = resolveEncoder('clip-vit-b32', { ...common, imageResize: setting.resize });
    const text = resolveEncoder(args.text ?? 'bert-base', common);
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    const images = items.map((item) => ({ key: item.key, path: join(full.root, item.imagePath) }));
    const imageInfo = await extractImageFeatures({ encoder: image, images, cacheDir, datasetHash: `options-${imageCount}`, batchSize: 32, release: true });
    const textInfo = await extractTextFeatures({ encoder: text, prompts, cacheDir, datasetHash: `options-${imageCount}`, release: true });
    const cpu = process.cpuUsage(cpu0);
    extracted.push({
      setting,
      imageUri: imageInfo.uri,
      textUri: textInfo.uri,
      wallS: (performance.now() - started) / 1000,
      cpuS: (cpu.user + cpu.system) / 1e6,
      load: loadavg()[0].toFixed(2),
    });
    console.log(`  extracted ${label(setting)} in ${extracted.at(-1)?.wallS.toFixed(1)} s`);
  }

  const cosine = (a: Float32Array, b: Float32Array) => {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  };
  const [base] = extracted;
  const baseImage = await openImageFeatures(base.imageUri);
  const baseText = await openTextFeatures(base.textUri);
  const dim = baseText.dim;
  // Reference vectors: every image's pooled F_I, every prompt token's F_T, and their means.
  const imageVectors = (reader: typeof baseImage) => items.map((item) => reader.vector(item.key, 'pooled'));
  const tokenVectors = (reader: typeof baseText) =>
    prompts.flatMap(({ key }) => {
      const feature = reader.get(key);
      return Array.from({ length: feature.tokens }, (_, t) => feature.data.subarray(t * dim, (t + 1) * dim));
    });
  const meanOf = (vectors: Float32Array[]) => {
    const mu = new Float64Array(vectors[0].length);
    for (const v of vectors) v.forEach((x, i) => (mu[i] += x / vectors.length));
    return mu;
  };
  const refImages = imageVectors(baseImage);
  const refTokens = tokenVectors(baseText);
  const agreement = (refs: Float32Array[], others: Float32Array[]) => {
    const mu = meanOf(refs);
    const centred = (v: Float32Array) => Float32Array.from(v, (x, i) => x - mu[i]);
    const sims: number[] = [];
    let err = 0;
    let norm = 0;
    refs.forEach((ref, i) => {
      const a = centred(ref);
      const b = centred(others[i]);
      sims.push(cosine(a, b));
      a.forEach((x, j) => {
        err += (x - b[j]) ** 2;
        norm += x * x;
      });
    });
    return `${(sims.reduce((s, x) => s + x, 0) / sims.length).toFixed(4)} [${Math.min(...sims).toFixed(4)}] | ${Math.sqrt(err / norm).toFixed(4)}`;
  };

  console.log('\n| setting | extraction wall (s) | CPU (s) | CPU vs fp32 + Pillow | F_I centred cosine mean [min] | F_I relative error | F_T centred cosine mean [min] | F_T relative error | load |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const e of extracted) {
    const image = await openImageFeatures(e.imageUri);
    const text = await openTextFeatures(e.textUri);
    console.log(
      `| ${label(e.setting)} | ${e.wallS.toFixed(1)} | ${e.cpuS.toFixed(1)} | ${(e.cpuS / base.cpuS).toFixed(2)}× | ` +
        `${agreement(refImages, imageVectors(image))} | ${agreement(refTokens, tokenVectors(text))} | ${e.load} |`,
    );
  }

  console.log(`\n| setting | test SRCC per seed | mean | Δ SRCC vs fp32 + Pillow (same seed), mean [min, max] | test PLCC mean |`);
  console.log('|---|---|---:|---:|---:|');
  const srccs = new Map<string, number[]>();
  for (const e of extracted) {
    const data = buildTrainingData({
      items,
      split,
      label: 'quality',
      image: await imageFeatureSource(MODEL_ENCODER_TOOLKIT, e.imageUri, 'pooled'),
      text: await textFeatureSource(MODEL_ENCODER_TOOLKIT, e.textUri),
    });
    const results = [];
    for (const seed of seeds) {
      results.push(
        await trainHead({
          fusion,
          head: {},
          epochs,
          batchSize: 32,
          learningRate: 1e-4,
          seed,
          reportRule: 'last',
          imageDim: data.imageDim,
          text: data.text,
          train: data.train,
          test: data.test,
        }),
      );
    }
    const srcc = results.map((r) => r.metrics.srcc);
    srccs.set(label(e.setting), srcc);
    const deltas = srcc.map((v, i) => v - (srccs.get(label(base.setting)) ?? [])[i]);
    console.log(
      `| ${label(e.setting)} | ${srcc.map((v) => v.toFixed(4)).join(', ')} | ${(srcc.reduce((s, v) => s + v, 0) / srcc.length).toFixed(4)} | ` +
        `${(deltas.reduce((s, d) => s + d, 0) / deltas.length).toFixed(4)} [${Math.min(...deltas).toFixed(4)}, ${Math.max(...deltas).toFixed(4)}] | ` +
        `${(results.reduce((s, r) => s + r.metrics.plcc, 0) / results.length).toFixed(4)} |`,
    );
  }
  console.log(`\nload ${loadavg()[0].toFixed(2)} at the end`);
} finally {
  await rm(cacheDir, { recursive: true, force: true });
}

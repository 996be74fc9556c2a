/**
 * Per-image inference latency by text encoder, stage by stage (tokenise, text encode, image decode +
 * preprocess, image encode, fusion head, total), at batch 1 and batched, on this machine.
 *
 *   npx tsx --conditions @agiqa/source bench/timing.ts              # tiny fixtures: pipeline overhead
 *   npx tsx --conditions @agiqa/source bench/timing.ts --real       # AGIQA conditions at real size
 *
 * Options: --batch 1,8 --warmup 3 --repeats 20 --fusion concat --backend wasm --threads N --spin
 *          --real only: --encoders bert-base,distilbert,roberta --rounds 1 --reference torch|none
 *
 * Encoders run on onnxruntime-node (CPU); the head is the real fusion head from @agiqa/model on the
 * chosen tfjs backend.
 *
 * Tiny (default): the tiny random fixtures on their six reference prompts (3 to 101 tokens) and six
 * small images, F_T padded to the encoder's 512-token limit: this measures the pipeline's overhead,
 * not BERT-base.
 *
 * --real: BERT-base / DistilBERT / RoBERTa + CLIP ViT-B/32 at real size from AGIQA_MODELS_DIR
 * (tools/make_real_encoders.py), in AGIQA conditions: prompts of bench/data/agiqa3k-prompts.json
 * (median 12, max 24 BERT tokens), 512 px JPEG images of the AGIQA-3K-size dataset
 * (bench/real/inputs.ts), the cross-attention head (the paper's timing model) with F_T padded to the
 * longest prompt of the set, as training pads it; batch 1, 8, 32; explicit threads (all cores), no
 * spinning. In the same run and on the same inputs, interleaved per encoder: the plain PyTorch
 * eager pipeline (bench/reference/pipeline.py latency) and the compute floor (encoder FLOPs counted
 * by torch at the median prompt length over this machine's fp32 matrix-product rate, measured now).
 * The paper reports 217 / 152 / 196 ms per image for BERT-base / DistilBERT / RoBERTa on a GPU
 * server; the first line printed says what this run measured on. Results go to BENCHMARKS.md.
 */
import { execFile } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { parseArgs, promisify } from 'node:util';
import { FUSION_NAMES, HeadOptionsSchema, PAPER_ENCODER_KEY, PAPER_RESULTS, TFJS_BACKENDS, type FusionName, type TextEncoderName, type TfjsBackendName } from '@agiqa/contracts';
import {
  buildHead,
  fixturePath,
  initTfjsBackend,
  machineInfo,
  measureLatency,
  median,
  releaseEncoders,
  resolveEncoder,
  textReference,
  type HeadBatch,
  type ResolvedEncoder,
  type TimingRow,
} from '@agiqa/model';
import * as tf from '@tensorflow/tfjs';
import { HF_DIR, longestPrompt, MODELS_DIR, PROMPTS_FILE, PYTHON, readPromptSet, realDataset, REFERENCE_SCRIPT, writeList } from './real/inputs.js';

const { values: args } = parseArgs({
  options: {
    real: { type: 'boolean', default: false },
    batch: { type: 'string' },
    warmup: { type: 'string', default: '3' },
    repeats: { type: 'string', default: '20' },
    fusion: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string' },
    spin: { type: 'boolean', default: false },
    encoders: { type: 'string', default: 'bert-base,distilbert,roberta' },
    rounds: { type: 'string', default: '1' },
    reference: { type: 'string', default: 'torch' },
  },
});
const real = args.real === true;
const batchSizes = (args.batch ?? (real ? '1,8,32' : '1,8')).split(',').map(Number);
const warmup = Number(args.warmup);
const repeats = Number(args.repeats);
const rounds = Number(args.rounds);
const threads = args.threads === undefined ? (real ? availableParallelism() : undefined) : Number(args.threads);
const fusion = (args.fusion ?? (real ? 'cross_attention' : 'concat')) as FusionName;
if (!(FUSION_NAMES as readonly string[]).includes(fusion)) throw new Error(`--fusion must be one of ${FUSION_NAMES.join(', ')}`);
if (!(TFJS_BACKENDS as readonly string[]).includes(args.backend ?? '')) throw new Error(`--backend must be one of ${TFJS_BACKENDS.join(', ')}`);
if (!['torch', 'none'].includes(args.reference ?? '')) throw new Error('--reference must be torch or none');
const withReference = real && args.reference === 'torch';

const textNames = (real ? (args.encoders ?? '').split(',') : ['tiny-bert', 'tiny-distilbert', 'tiny-roberta']) as TextEncoderName[];
const imageName = real ? 'clip-vit-b32' : 'tiny-clip';
const load = () => loadavg()[0].toFixed(2);

// Inputs: AGIQA conditions (--real) or the tiny fixtures' reference prompts and images.
const promptSet = real ? await readPromptSet() : null;
const prompts = promptSet ? promptSet.prompts.map((p) => p.text) : textReference('tiny-bert').prompts.map((p) => p.text);
const imagePaths = real
  ? (await realDataset()).imagePaths.slice(0, 64)
  : ['square-32.png', 'wide-80x48.png', 'small-20x24.png', 'tall-40x96.jpg', 'alpha-48x40.png', 'grey-36.png'].map((f) => fixturePath(`images/${f}`));
const scratch = await mkdtemp(join(tmpdir(), 'agiqa-bench-timing-'));
const imageList = await writeList(join(scratch, 'images.txt'), imagePaths);
const execFileAsync = promisify(execFile);

function tryResolve(name: string): ResolvedEncoder | null {
  try {
    return resolveEncoder(name, { modelsDir: real ? MODELS_DIR : process.env.AGIQA_MODELS_DIR, threads, spinning: args.spin });
  } catch (error) {
    console.log(`skipped ${name}: ${(error as Error).message}\n`);
    return null;
  }
}

const backend = await initTfjsBackend(args.backend as TfjsBackendName);
const machine = machineInfo(backend.name);
console.log(
  `machine: ${machine.cpuModel}, ${machine.cores} logical cores, ${machine.totalMemoryGiB} GiB, GPU ${machine.gpu?.join(', ') ?? 'none'}, ` +
    `load ${machine.loadAverage1m}; node ${machine.node}, transformers.js ${machine.transformers}, onnxruntime-node ${machine.onnxruntime} ` +
    `(encoders on CPU, fp32${threads === undefined ? '' : `, ${threads} thread(s)`}${args.spin ? ', spinning' : ', no spinning'}), tfjs ${tf.version.tfjs} ${backend.name} (head)`,
);
console.log(
  `warm-up ${warmup}, ${repeats} timed iterations per batch size; ms per image, median [p90]; head: ${fusion}` +
    (real ? `; ${prompts.length} AGIQA-length prompts, ${imagePaths.length} 512 px images; ${rounds} round(s)` : '') +
    '\n',
);

/** The head's forward pass on the batch, F_T padded to `maxTokens` positions as training pads it. */
function headStep(model: tf.LayersModel, maxTokens: number) {
  return async ({ image: img, text: txt }: HeadBatch) => {
    const pooled = img.pooled ?? img.projected;
    const tokens = new Float32Array(txt.batch * maxTokens * txt.dim);
    const mask = new Float32Array(txt.batch * maxTokens);
    for (let row = 0; row < txt.batch; row++) {
      const used = Math.min(txt.lengths[row], maxTokens);
      tokens.set(txt.data.subarray(row * txt.tokens * txt.dim, (row * txt.tokens + used) * txt.dim), row * maxTokens * txt.dim);
      mask.fill(1, row * maxTokens, row * maxTokens + used);
    }
    const out = tf.tidy(() =>
      model.predict([
        tf.tensor2d(pooled, [img.batch, pooled.length / img.batch]),
        tf.tensor3d(tokens, [txt.batch, maxTokens, txt.dim]),
        tf.tensor2d(mask, [txt.batch, maxTokens]),
      ]),
    ) as tf.Tensor;
    await out.data();
    out.dispose();
  };
}

interface ReferenceRow {
  stage: string;
  batchSize: number;
  samplesMs: number[];
}
interface Floor {
  gflops: number;
  visionFlops: number;
  textFlops: Record<string, number>;
}

async function python(mode: 'latency' | 'floor', name: string, maxTokens: number): Promise<unknown> {
  const common = ['--text', name, '--prompts', PROMPTS_FILE, '--threads', String(threads), '--hf-dir', HF_DIR, '--models-dir', MODELS_DIR];
  const extra =
    mode === 'latency'
      ? ['--engine', 'torch', '--images', imageList, '--batch', batchSizes.join(','), '--warmup', String(warmup), '--repeats', String(repeats),
          '--max-tokens', String(maxTokens), '--fusion', fusion]
      : [];
  const { stdout } = await execFileAsync(PYTHON, [REFERENCE_SCRIPT, mode, ...common, ...extra], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
}

const image = tryResolve(imageName);
const rows: (TimingRow & { round: number; load: string })[] = [];
const referenceRows: (ReferenceRow & { textEncoder: string; round: number; load: string })[] = [];
const floors = new Map<string, Floor & { medianTokens: number; load: string }>();
const maxTokensOf = new Map<string, number>();
for (let round = 1; round <= rounds; round++) {
  for (const name of textNames) {
    const text = tryResolve(name);
    if (text === null || image === null) continue;
    // Training pads F_T to the longest prompt it trains on; on the tiny prompts that is the encoder's limit.
    const maxTokens = promptSet ? longestPrompt(promptSet, name) : (text.maxTokens ?? 512);
    maxTokensOf.set(name, maxTokens);
    const model = buildHead(fusion, HeadOptionsSchema.parse({}), { image: image.dim, text: text.dim, maxTokens });
    const ours = async () => {
      const measured = await measureLatency({ text, image, head: headStep(model, maxTokens), fusion, tfjsBackend: backend.name, prompts, imagePaths, batchSizes, warmup, repeats });
      rows.push(...measured.map((row) => ({ ...row, round, load: load() })));
      // One model pair in memory at a time, as a worker holds them.
      await releaseEncoders();
    };
    const reference = async () => {
      const result = (await python('latency', name, maxTokens)) as { rows: ReferenceRow[] };
      referenceRows.push(...result.rows.map((row) => ({ ...row, textEncoder: name, round, load: load() })));
    };
    const steps = withReference ? [ours, reference] : [ours];
    // Alternate who goes first, so that a drift in the machine's load favours neither.
    for (const step of round % 2 === 0 ? steps.reverse() : steps) await step();
    if (withReference && !floors.has(name) && promptSet) {
      const floor = (await python('floor', name, maxTokens)) as Floor;
      const medianTokens = median(promptSet.prompts.map((p) => p.tokens[name]));
      floors.set(name, { ...floor, medianTokens, load: load() });
    }
    model.dispose();
  }
}
await rm(scratch, { recursive: true, force: true });

const pooledSamples = (name: string, batchSize: number, stage: string) =>
  rows.filter((r) => r.textEncoder === name && r.batchSize === batchSize && r.stage === stage).flatMap((r) => r.samplesMs);
const cell = (samples: number[], batchSize: number) => {
  if (samples.length === 0) return '–';
  const sorted = [...samples].sort((a, b) => a - b);
  const p90 = sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * (sorted.length - 1)))];
  return `${(median(samples) / batchSize).toFixed(2)} [${(p90 / batchSize).toFixed(2)}]`;
};
const STAGES = ['tokenize', 'text_encode', 'image_preprocess', 'image_encode', 'head', 'total'];

console.log(`agiqa${real ? ` (load ${[...new Set(rows.map((r) => r.load))].join(', ')} when each encoder finished)` : ''}:\n`);
console.log('| text encoder | batch | tokenize | text encode | image decode + preprocess | image encode | head | total |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const name of textNames) {
  for (const batchSize of batchSizes) {
    if (pooledSamples(name, batchSize, 'total').length === 0) continue;
    console.log(`| ${name} | ${batchSize} | ${STAGES.map((s) => cell(pooledSamples(name, batchSize, s), batchSize)).join(' | ')} |`);
  }
}

if (withReference) {
  const refSamples = (name: string, batchSize: number, stage: string) =>
    referenceRows.filter((r) => r.textEncoder === name && r.batchSize === batchSize && r.stage === stage).flatMap((r) => r.samplesMs);
  console.log(`\nPyTorch eager reference (bench/reference/pipeline.py, load ${[...new Set(referenceRows.map((r) => r.load))].join(', ')}):\n`);
  console.log('| text encoder | batch | tokenize | text encode | image decode + preprocess | image encode | head | total |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const name of textNames) {
    for (const batchSize of batchSizes) {
      if (refSamples(name, batchSize, 'total').length === 0) continue;
      console.log(`| ${name} | ${batchSize} | ${STAGES.map((s) => cell(refSamples(name, batchSize, s), batchSize)).join(' | ')} |`);
    }
  }
  console.log('\nTotal per image (median), ours against the PyTorch reference and the compute floor, same run:\n');
  console.log('| text encoder | batch | agiqa ms | PyTorch eager ms | agiqa / PyTorch | floor ms (GFLOP at median tokens, GFLOP/s) | agiqa / floor | paper (GPU server) |');
  console.log('|---|---:|---:|---:|---:|---|---:|---:|');
  for (const name of textNames) {
    const floor = floors.get(name);
    for (const batchSize of batchSizes) {
      const ours = pooledSamples(name, batchSize, 'total');
      const theirs = refSamples(name, batchSize, 'total');
      if (ours.length === 0 || theirs.length === 0) continue;
      const oursMs = median(ours) / batchSize;
      const theirsMs = median(theirs) / batchSize;
      const flops = floor ? floor.visionFlops + (floor.textFlops[String(floor.medianTokens)] ?? Number.NaN) : Number.NaN;
      const floorMs = floor ? (flops / (floor.gflops * 1e9)) * 1000 : Number.NaN;
      const paperKey = PAPER_ENCODER_KEY[name];
      const paper = batchSize === 1 && paperKey ? `${PAPER_RESULTS.timing_ms_per_image[paperKey]}` : '';
      console.log(
        `| ${name} | ${batchSize} | ${oursMs.toFixed(1)} | ${theirsMs.toFixed(1)} | ${(oursMs / theirsMs).toFixed(2)} | ` +
          `${floorMs.toFixed(1)} (${(flops / 1e9).toFixed(2)} at ${floor?.medianTokens} tokens, ${floor?.gflops.toFixed(1)}) | ${(oursMs / floorMs).toFixed(2)} | ${paper} |`,
      );
    }
  }
  console.log(`\nhead F_T padded to ${[...maxTokensOf].map(([n, t]) => `${t} (${n})`).join(', ')} tokens; load ${load()} at the end`);
}

console.log('\nThroughput (median batch time): prompts/s through the text encoder, images/s through decode + preprocess + image encoder\n');
console.log('| text encoder | batch | prompts/s | images/s |');
console.log('|---|---:|---:|---:|');
for (const name of textNames) {
  for (const batchSize of batchSizes) {
    if (pooledSamples(name, batchSize, 'total').length === 0) continue;
    const textMs = median(pooledSamples(name, batchSize, 'text_encode'));
    const imageMs = median(pooledSamples(name, batchSize, 'image_preprocess')) + median(pooledSamples(name, batchSize, 'image_encode'));
    console.log(`| ${name} | ${batchSize} | ${((1000 * batchSize) / textMs).toFixed(0)} | ${((1000 * batchSize) / imageMs).toFixed(0)} |`);
  }
}

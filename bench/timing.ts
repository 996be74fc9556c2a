/**
 * Per-image inference latency by text encoder, stage by stage (tokenise, text encode, image decode +
 * preprocess, image encode, fusion head, total), at batch 1 and batched, on this machine.
 *
 *   npx tsx --conditions @agiqa/source bench/timing.ts                      # tiny fixtures
 *   AGIQA_MODELS_DIR=/models npx tsx --conditions @agiqa/source bench/timing.ts --real
 *       # BERT-base / DistilBERT / RoBERTa + CLIP ViT-B/32 from AGIQA_MODELS_DIR/<model id>/
 *       # (see libs/model/README.md, Encoders); encoders it cannot find are listed and skipped.
 *
 * Options: --batch 1,8 --warmup 3 --repeats 20 --fusion concat --backend wasm --threads N
 *
 * Encoders run on onnxruntime-node (CPU, fp32); the head is the real fusion head from
 * @agiqa/model on the chosen tfjs backend, padded to the encoder's 512-token limit. The paper
 * reports 217 / 152 / 196 ms per image for BERT-base / DistilBERT / RoBERTa on a GPU server; the
 * first line printed says what this run measured on. Results go to BENCHMARKS.md.
 */
import { parseArgs } from 'node:util';
import { FUSION_NAMES, HeadOptionsSchema, TFJS_BACKENDS, type FusionName, type TfjsBackendName } from '@agiqa/contracts';
import {
  buildHead,
  fixturePath,
  initTfjsBackend,
  machineInfo,
  measureLatency,
  releaseEncoders,
  resolveEncoder,
  textReference,
  type HeadBatch,
  type ResolvedEncoder,
  type TimingRow,
} from '@agiqa/model';
import * as tf from '@tensorflow/tfjs';

const { values: args } = parseArgs({
  options: {
    real: { type: 'boolean', default: false },
    batch: { type: 'string', default: '1,8' },
    warmup: { type: 'string', default: '3' },
    repeats: { type: 'string', default: '20' },
    fusion: { type: 'string', default: 'concat' },
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string' },
  },
});
const batchSizes = (args.batch ?? '').split(',').map(Number);
const warmup = Number(args.warmup);
const repeats = Number(args.repeats);
const threads = args.threads === undefined ? undefined : Number(args.threads);
if (!(FUSION_NAMES as readonly string[]).includes(args.fusion ?? '')) throw new Error(`--fusion must be one of ${FUSION_NAMES.join(', ')}`);
if (!(TFJS_BACKENDS as readonly string[]).includes(args.backend ?? '')) throw new Error(`--backend must be one of ${TFJS_BACKENDS.join(', ')}`);
const fusion = args.fusion as FusionName;

const modelsDir = process.env.AGIQA_MODELS_DIR;
const textNames = args.real ? (['bert-base', 'distilbert', 'roberta'] as const) : (['tiny-bert', 'tiny-distilbert', 'tiny-roberta'] as const);
const imageName = args.real ? 'clip-vit-b32' : 'tiny-clip';

// Prompts of the tiny fixtures' references: short ones, a 100-token one and one with unicode.
const prompts = textReference('tiny-bert').prompts.map((p) => p.text);
const imagePaths = ['square-32.png', 'wide-80x48.png', 'small-20x24.png', 'tall-40x96.jpg', 'alpha-48x40.png', 'grey-36.png'].map((f) => fixturePath(`images/${f}`));

function tryResolve(name: string): ResolvedEncoder | null {
  try {
    return resolveEncoder(name, { modelsDir, threads });
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
    `(encoders on CPU, fp32${threads === undefined ? '' : `, ${threads} thread(s)`}), tfjs ${tf.version.tfjs} ${backend.name} (head)`,
);
console.log(`warm-up ${warmup}, ${repeats} timed iterations per batch size; ms per image, median [p90]; head: ${fusion}\n`);

const image = tryResolve(imageName);
const rows: TimingRow[] = [];
for (const name of textNames) {
  const text = tryResolve(name);
  if (text === null || image === null) continue;
  const maxTokens = text.maxTokens ?? 512;
  const model = buildHead(fusion, HeadOptionsSchema.parse({}), { image: image.dim, text: text.dim, maxTokens });
  // The head's forward pass on the batch, F_T padded to the encoder's token limit.
  const head = async ({ image: img, text: txt }: HeadBatch) => {
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
  rows.push(...(await measureLatency({ text, image, head, fusion, tfjsBackend: backend.name, prompts, imagePaths, batchSizes, warmup, repeats })));
  model.dispose();
}
await releaseEncoders();

const cell = (row: TimingRow | undefined) => (row === undefined ? '–' : `${row.medianMs.toFixed(2)} [${row.p90Ms.toFixed(2)}]`);
console.log('| text encoder | batch | tokenize | text encode | image decode + preprocess | image encode | head | total |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const name of textNames) {
  for (const batchSize of batchSizes) {
    const of = (stage: string) => rows.find((r) => r.textEncoder === name && r.batchSize === batchSize && r.stage === stage);
    if (of('total') === undefined) continue;
    const stages = ['tokenize', 'text_encode', 'image_preprocess', 'image_encode', 'head', 'total'].map((s) => cell(of(s)));
    console.log(`| ${name} | ${batchSize} | ${stages.join(' | ')} |`);
  }
}

console.log('\nThroughput (median batch time): prompts/s through the text encoder, images/s through decode + preprocess + image encoder\n');
console.log('| text encoder | batch | prompts/s | images/s |');
console.log('|---|---:|---:|---:|');
for (const name of textNames) {
  for (const batchSize of batchSizes) {
    const of = (stage: string) => rows.find((r) => r.textEncoder === name && r.batchSize === batchSize && r.stage === stage);
    const textMs = of('text_encode')?.batchMedianMs;
    const pre = of('image_preprocess')?.batchMedianMs;
    const enc = of('image_encode')?.batchMedianMs;
    if (textMs === undefined || pre === undefined || enc === undefined) continue;
    console.log(`| ${name} | ${batchSize} | ${((1000 * batchSize) / textMs).toFixed(0)} | ${((1000 * batchSize) / (pre + enc)).toFixed(0)} |`);
  }
}

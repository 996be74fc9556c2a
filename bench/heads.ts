/**
 * Per-batch forward + backward time of each fusion head at the paper's sizes, and the folded vs
 * naive single-query cross-attention at N = 512 (the O(N·d²) → O(d² + h·N·d) change).
 *
 *   npx tsx --conditions @agiqa/source bench/heads.ts [--reps 5] [--backend wasm]
 *
 * Prints Markdown tables (median of --reps timed repetitions after one warm-up). Results go to
 * BENCHMARKS.md with the machine line printed first.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { FUSION_NAMES, HeadOptionsSchema, TFJS_BACKENDS, type TfjsBackendName } from '@agiqa/contracts';
import {
  buildHead,
  crossAttentionFolded,
  crossAttentionNaive,
  initTfjsBackend,
  type CrossAttentionWeights,
} from '@agiqa/model';
import * as tf from '@tensorflow/tfjs';

const { values: args } = parseArgs({
  options: { reps: { type: 'string', default: '5' }, backend: { type: 'string', default: 'wasm' } },
});
const reps = Number(args.reps);
if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer, got ${args.reps}`);
if (!(TFJS_BACKENDS as readonly string[]).includes(args.backend ?? '')) {
  throw new Error(`--backend must be one of ${TFJS_BACKENDS.join(', ')}, got ${args.backend}`);
}

const D = 768; // CLIP ViT-B/32 pooled width = BERT-base hidden width
const BATCH = 32;
const HEADS = 8;
const TOKEN_COUNTS = [77, 512];

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median wall time of `fn` (which must leave its result on the device) over `reps` runs. */
async function time(fn: () => tf.Tensor[]): Promise<number> {
  const once = async () => {
    const started = performance.now();
    const out = fn();
    await Promise.all(out.map((t) => t.data())); // wait for the backend to finish
    const ms = performance.now() - started;
    tf.dispose(out);
    return ms;
  };
  await once(); // warm-up: kernel compilation, allocations
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) samples.push(await once());
  return median(samples);
}

/** Masks whose real lengths spread over [N/4, N] (prompts shorter than the padding). */
function mask(n: number): tf.Tensor2D {
  const lengths = Array.from({ length: BATCH }, (_, i) => Math.max(1, Math.round(n / 4 + ((3 * n) / 4) * (i / (BATCH - 1)))));
  return tf.tensor2d(lengths.map((len) => Array.from({ length: n }, (_, j) => (j < len ? 1 : 0))));
}

const backend = await initTfjsBackend(args.backend as TfjsBackendName);
console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown cpu'} (${cpus().length} logical cores), node ${process.version}, tfjs ${tf.version.tfjs}, backend ${backend.name}` +
    (backend.name === 'wasm' ? ` (SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}, threads ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')})` : ''),
);
console.log(`batch ${BATCH}, d = ${D}, hidden 512, ${HEADS} heads, median of ${reps} after 1 warm-up\n`);

console.log('| fusion | N | parameters | forward + backward ms / batch |');
console.log('|---|---:|---:|---:|');
for (const fusion of FUSION_NAMES) {
  for (const n of TOKEN_COUNTS) {
    const model = buildHead(fusion, HeadOptionsSchema.parse({}), { image: D, text: D, maxTokens: n });
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const xs = [tf.randomNormal([BATCH, D]), tf.randomNormal([BATCH, n, D]), mask(n)];
    const y = tf.randomNormal([BATCH, 1]);
    const ms = await time(() =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.mean(tf.squaredDifference(model.apply(xs, { training: true }) as tf.Tensor, y)) as tf.Scalar,
          variables,
        );
        return [value, ...Object.values(grads)];
      }),
    );
    console.log(`| ${fusion} | ${n} | ${model.countParams().toLocaleString('en-US')} | ${ms.toFixed(1)} |`);
    tf.dispose([...xs, y]);
    model.dispose();
  }
}

console.log('\nSingle-query cross-attention alone (no FC layers), forward + backward w.r.t. every weight:\n');
console.log('| N | form | ms / batch | multiply-adds per sample (fwd) |');
console.log('|---:|---|---:|---:|');
for (const n of [77, 512]) {
  const init = (shape: number[]) => tf.variable(tf.randomNormal(shape, 0, 1 / Math.sqrt(shape[0])));
  const w = {
    wq: init([D, D]),
    bq: init([D]),
    wk: init([D, D]),
    wv: init([D, D]),
    bv: init([D]),
    wo: init([D, D]),
    bo: init([D]),
  } as unknown as CrossAttentionWeights & Record<string, tf.Variable>;
  const query = tf.randomNormal([BATCH, D]) as tf.Tensor2D;
  const tokens = tf.randomNormal([BATCH, n, D]) as tf.Tensor3D;
  const m = mask(n);
  const vars = Object.values(w) as tf.Variable[];
  const results: Record<string, number> = {};
  for (const [form, fn] of [
    ['folded', crossAttentionFolded],
    ['naive', crossAttentionNaive],
  ] as const) {
    results[form] = await time(() =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(fn(w, query, tokens, m, HEADS)) as tf.Scalar, vars);
        return [value, ...Object.values(grads)];
      }),
    );
  }
  // Multiply-adds of the projections and attention products for one sample.
  const folded = 2 * D * D /* q, u */ + 2 * HEADS * n * D /* scores, weighted sum */ + 2 * D * D /* values, output */;
  const naive = D * D /* q */ + 2 * n * D * D /* K, V */ + 2 * n * D /* scores, weighted sum */ + D * D /* output */;
  console.log(`| ${n} | folded | ${results.folded.toFixed(1)} | ${(folded / 1e6).toFixed(1)} M |`);
  console.log(`| ${n} | naive | ${results.naive.toFixed(1)} | ${(naive / 1e6).toFixed(1)} M |`);
  console.log(`| ${n} | naive / folded | ${(results.naive / results.folded).toFixed(1)}× | ${(naive / folded).toFixed(1)}× |`);
  tf.dispose([query, tokens, m, ...vars]);
}

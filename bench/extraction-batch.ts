/**
 * Images per forward pass during extraction (the worker's AGIQA_EXTRACT_BATCH), chosen by
 * measurement: CLIP ViT-B/32 at real size over the first images of the AGIQA-3K-size dataset,
 * through libs/model's extraction (decode of the next batch overlapped, Pillow-exact resize,
 * onnxruntime with explicit threads, no spinning), at each batch size, the model loaded once.
 *
 *   npx tsx --conditions @agiqa/source bench/extraction-batch.ts [--images 96] [--batch 1,4,8,16,32,64] [--threads N]
 *
 * Each batch size runs twice, in ascending then descending order, so that a drift in the
 * machine's load spreads over all of them; the table gives the better of the two per size (wall
 * and CPU milliseconds per image) and the load beside each.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { extractImageFeatures, resolveEncoder } from '@agiqa/model';
import { MODELS_DIR, realDataset } from './real/inputs.js';

const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '96' },
    batch: { type: 'string', default: '1,4,8,16,32,64' },
    threads: { type: 'string', default: String(cpus().length) },
  },
});
const sizes = (args.batch ?? '').split(',').map(Number);
const threads = Number(args.threads);
const paths = (await realDataset()).imagePaths.slice(0, Number(args.images));
const encoder = resolveEncoder('clip-vit-b32', { modelsDir: MODELS_DIR, threads });
const cacheDir = await mkdtemp(join(tmpdir(), 'agiqa-bench-batch-'));
console.log(`machine: ${cpus()[0]?.model.trim()}, ${cpus().length} cores, load ${loadavg()[0].toFixed(2)}; ${paths.length} images (512 px), clip-vit-b32 (real size), ${threads} threads\n`);

const best = new Map<number, { wall: number; cpu: number; load: string }>();
let run = 0;
try {
  // Load the model once (a shared session), outside the timed runs.
  await extractImageFeatures({ encoder, images: [{ key: 'warm', path: paths[0] }], cacheDir, datasetHash: 'warm-up' });
  for (const batchSize of [...sizes, ...[...sizes].reverse()]) {
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    // A new dataset hash per run: nothing is served from the cache.
    await extractImageFeatures({ encoder, images: paths.map((path, i) => ({ key: `i${i}`, path })), cacheDir, datasetHash: `batch-${run++}`, batchSize });
    const wall = (performance.now() - started) / paths.length;
    const used = process.cpuUsage(cpu0);
    const cpu = (used.user + used.system) / 1000 / paths.length;
    const previous = best.get(batchSize);
    if (previous === undefined || wall < previous.wall) best.set(batchSize, { wall, cpu, load: loadavg()[0].toFixed(2) });
    console.log(`  batch ${batchSize}: ${wall.toFixed(1)} ms / image (load ${loadavg()[0].toFixed(2)})`);
  }
} finally {
  await rm(cacheDir, { recursive: true, force: true });
}
console.log('\n| batch | wall ms / image (best of 2) | CPU ms / image | images / s | load |');
console.log('|---:|---:|---:|---:|---:|');
for (const size of sizes) {
  const r = best.get(size);
  if (r) console.log(`| ${size} | ${r.wall.toFixed(1)} | ${r.cpu.toFixed(1)} | ${(1000 / r.wall).toFixed(2)} | ${r.load} |`);
}

/**
 * Generation time of the synthetic AGI dataset (`synthesizeDataset`) at the sizes the issue names,
 * against a reference measured in the same run: JPEG-encoding the same number of 224×224 images
 * with sharp alone (the floor any generator that writes these JPEGs pays).
 *
 *   npx tsx --conditions @agiqa/source bench/synth.ts [--images 50,1000,3000] [--reps 1]
 *
 * Prints the machine line and a Markdown table (median of --reps runs). Target: 3,000 images < 60 s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { synthesizeDataset } from '@agiqa/data';
import sharp from 'sharp';

const { values: args } = parseArgs({ options: { images: { type: 'string', default: '50,1000,3000' }, reps: { type: 'string', default: '1' } } });
const sizes = (args.images ?? '').split(',').map(Number);
const reps = Number(args.reps);
if (sizes.some((n) => !Number.isInteger(n) || n < 50 || n > 3000)) throw new Error(`--images must list integers from 50 to 3000, got ${args.images}`);
if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer, got ${args.reps}`);

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)];
const SIZE = 224;

/** Encodes `n` noisy 224×224 RGB buffers to JPEG files, 4 in flight, as synthesizeDataset does. */
async function jpegOnly(n: number, dir: string): Promise<number> {
  const pixels = Buffer.alloc(SIZE * SIZE * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
  const start = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < n; i++) {
    const p = sharp(pixels, { raw: { width: SIZE, height: SIZE, channels: 3 } }).jpeg({ quality: 60 }).toFile(path.join(dir, `${i}.jpg`));
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= 4) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return (performance.now() - start) / 1000;
}

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`);
console.log('');
console.log('| images | synthesizeDataset (s) | ms / image | images / s | JPEG-only reference (s) | share in JPEG encode |');
console.log('|---:|---:|---:|---:|---:|---:|');
for (const n of sizes) {
  const synthTimes: number[] = [];
  const jpegTimes: number[] = [];
  for (let r = 0; r < reps; r++) {
    const dir = mkdtempSync(path.join(tmpdir(), 'agiqa-bench-synth-'));
    try {
      const start = performance.now();
      await synthesizeDataset({ outDir: path.join(dir, 'synth'), images: n, seed: r });
      synthTimes.push((performance.now() - start) / 1000);
      jpegTimes.push(await jpegOnly(n, dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const s = median(synthTimes);
  const j = median(jpegTimes);
  console.log(`| ${n} | ${s.toFixed(2)} | ${((s * 1000) / n).toFixed(2)} | ${(n / s).toFixed(0)} | ${j.toFixed(2)} | ${((100 * j) / s).toFixed(0)}% |`);
}

import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { invalidInput, irwinHallNormal, rngFromKey, type Rng } from '@agiqa/contracts';
import sharp from 'sharp';
import { formatCsvRow } from '../io/csv.js';
import { AGIQA3K_HEADER } from '../loaders/agiqa3k.js';
import { NoiseTable, blur, shiftColour, toBytes } from './degrade.js';
import { CONTRADICTIONS, SYNTH_GROUPS, SYNTH_MAPPING, SYNTH_VERSION, clamp, latentAlign, latentQuality, type Contradiction } from './mapping.js';
import { contradict, pick, promptText, randomScene, type SceneSpec } from './prompts.js';
import { renderScene } from './raster.js';

export const SYNTH_LIMITS = { minImages: 50, maxImages: 3000, minSize: 64, maxSize: 512 } as const;

export interface SynthesizeOptions {
  /** Output folder; it receives data.csv, img/ and synthetic.json. */
  outDir: string;
  /** Number of images, 50–3,000. */
  images: number;
  /** Seed of everything random: same seed → same CSV and same pixels before JPEG encoding. */
  seed: number;
  /** Image side in px (default 224, CLIP's input size: no resampling before the encoder). */
  size?: number;
  /** Share of images contradicting their prompt (default 0.2). */
  contradictShare?: number;
  /** Replace a synthetic dataset already in `outDir` (its data.csv, img/ and synthetic.json). */
  overwrite?: boolean;
  /** JPEG encodes in flight (libvips threads); default 4. */
  concurrency?: number;
  /** Called after each image is rendered and queued for encoding (`done` of `total`), and once when all are written. */
  onProgress?: (done: number, total: number) => void;
}

/** What was drawn for one image and the scores it received. */
export interface SynthImage {
  name: string;
  promptIndex: number;
  prompt: string;
  /** `model/setting`, as the AGIQA-3K loader will report it. */
  generator: string;
  /** Hidden degradation strength s ∈ [0, 1]. */
  strength: number;
  contradiction: Contradiction | null;
  drawn: SceneSpec;
  distortions: { colourShift: [number, number, number]; blurSigma: number; noiseStd: number; jpegQuality: number };
  latentQuality: number;
  latentAlign: number;
  mosQuality: number;
  stdQuality: number;
  mosAlign: number;
  stdAlign: number;
}

export interface SynthesizeResult {
  csvPath: string;
  count: number;
  /** The documented mapping with the values this run used. */
  mapping: Omit<typeof SYNTH_MAPPING, 'contradictShare'> & { contradictShare: number; imageSize: number; groups: typeof SYNTH_GROUPS };
  images: SynthImage[];
  /** sha256 over every image's pixels before JPEG encoding, in name order: the determinism check. */
  pixelsHash: string;
}

function checkOptions(o: SynthesizeOptions): Required<Omit<SynthesizeOptions, 'outDir' | 'onProgress'>> & { outDir: string } {
  const problems: { path: string; message: string }[] = [];
  const size = o.size ?? 224;
  const share = o.contradictShare ?? SYNTH_MAPPING.contradictShare;
  if (!Number.isInteger(o.images) || o.images < SYNTH_LIMITS.minImages || o.images > SYNTH_LIMITS.maxImages) {
    problems.push({ path: '--images', message: `must be an integer from ${SYNTH_LIMITS.minImages} to 3,000 (got ${o.images})` });
  }
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 2 ** 31 - 1) problems.push({ path: '--seed', message: `must be an integer ≥ 0 (got ${o.seed})` });
  if (!Number.isInteger(size) || size < SYNTH_LIMITS.minSize || size > SYNTH_LIMITS.maxSize) problems.push({ path: '--size', message: `must be an integer from 64 to 512 px (got ${size})` });
  if (!(share >= 0 && share <= 0.9)) problems.push({ path: '--contradict-share', message: `must be from 0 to 0.9 (got ${share})` });
  if (typeof o.outDir !== 'string' || o.outDir.trim() === '') problems.push({ path: '--out', message: 'an output folder is required' });
  if (problems.length > 0) throw invalidInput(`invalid synth options: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, problems);
  return { outDir: path.resolve(o.outDir), images: o.images, seed: o.seed, size, contradictShare: share, overwrite: o.overwrite ?? false, concurrency: o.concurrency ?? 4 };
}

/** Mean and sample standard deviation of `count` simulated ratings around `latent` on 0–5. */
function rate(latent: number, rng: Rng): { mos: number; std: number } {
  const { count, ratingNoise } = SYNTH_MAPPING.raters;
  const ratings = Array.from({ length: count }, () => clamp(latent + ratingNoise * irwinHallNormal(rng), 0, 5));
  const mean = ratings.reduce((a, b) => a + b, 0) / count;
  const variance = ratings.reduce((a, r) => a + (r - mean) * (r - mean), 0) / (count - 1);
  return { mos: mean, std: Math.sqrt(variance) };
}

const round6 = (x: number) => Number(x.toFixed(6));

async function prepareOutDir(outDir: string, overwrite: boolean): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const present = new Set(await readdir(outDir));
  const ours = ['data.csv', 'img', 'synthetic.json'].filter((f) => present.has(f));
  if (ours.length > 0 && !overwrite) {
    throw invalidInput(`${outDir} already holds a dataset (${ours.join(', ')}); choose another folder or overwrite it`, [
      { path: '--out', message: `already holds ${ours.join(', ')}` },
    ]);
  }
  for (const f of ours) await rm(path.join(outDir, f), { recursive: true, force: true });
  await mkdir(path.join(outDir, 'img'));
}

/**
 * Writes a synthetic AGI dataset in the AGIQA-3K layout: `data.csv` (exact header) and
 * `img/{model}_{setting}_{prompt:03d}.jpg`, 10 generator/setting groups × ⌈N/10⌉ prompts (the first
 * N of prompt-major order). Each image is rendered from its prompt ("three large red circles on a
 * blue background"), degraded with a hidden strength s (colour shift, blur, noise, JPEG) whose
 * documented mapping sets mos_quality; a share of images contradicts the prompt (count, colour or
 * shape), which lowers mos_align. See SYNTH_MAPPING and libs/data/README.md. Also writes
 * `synthetic.json` (the mapping and every image's hidden variables).
 */
export async function synthesizeDataset(options: SynthesizeOptions): Promise<SynthesizeResult> {
  const o = checkOptions(options);
  await prepareOutDir(o.outDir, o.overwrite);
  const key = (...parts: (string | number)[]) => [SYNTH_VERSION, o.seed, ...parts].join(':');
  const promptCount = Math.ceil(o.images / SYNTH_GROUPS.length);
  const scenes = Array.from({ length: promptCount }, (_, p) => randomScene(rngFromKey(key('prompt', p))));
  const noise = new NoiseTable(rngFromKey(key('noise')));
  const { distortions: d } = SYNTH_MAPPING;
  const pixels = createHash('sha256');
  const images: SynthImage[] = [];
  const inFlight = new Set<Promise<unknown>>();

  for (let i = 0; i < o.images; i++) {
    const promptIndex = Math.floor(i / SYNTH_GROUPS.length);
    const group = SYNTH_GROUPS[i % SYNTH_GROUPS.length];
    const rng = rngFromKey(key('image', i));
    const strength = clamp(group.baseStrength + SYNTH_MAPPING.strengthSpread * irwinHallNormal(rng), 0, 1);
    const asked = scenes[promptIndex];
    const contradiction = rng.nextFloat() < o.contradictShare ? pick(rng, CONTRADICTIONS) : null;
    const drawn = contradiction ? contradict(asked, contradiction, rng) : asked;

    const image = renderScene(drawn, o.size, rng);
    const u = () => 0.5 + 0.5 * rng.nextFloat();
    const direction = [irwinHallNormal(rng), irwinHallNormal(rng), irwinHallNormal(rng)];
    const norm = Math.sqrt(direction[0] ** 2 + direction[1] ** 2 + direction[2] ** 2) || 1;
    const shift = d.colourShiftMax * strength * u();
    const colourShift = direction.map((c) => round6((c / norm) * shift)) as [number, number, number];
    const blurSigma = round6(d.blurSigmaMax * strength * u());
    const noiseStd = round6(d.noiseStdMax * strength * u());
    const jpegQuality = Math.round(d.jpegQualityMax - d.jpegQualityDrop * strength * u());
    shiftColour(image, colourShift);
    blur(image, blurSigma);
    noise.addNoise(image, noiseStd, rng);
    const bytes = toBytes(image);
    pixels.update(bytes);

    const name = `${group.model}_${group.setting}_${String(promptIndex).padStart(3, '0')}.jpg`;
    const encode = sharp(bytes, { raw: { width: o.size, height: o.size, channels: 3 } })
      .jpeg({ quality: jpegQuality })
      .toFile(path.join(o.outDir, 'img', name));
    inFlight.add(encode);
    void encode.finally(() => inFlight.delete(encode)).catch(() => undefined);
    if (inFlight.size >= o.concurrency) await Promise.race(inFlight);

    const lq = latentQuality(strength);
    const la = latentAlign(strength, contradiction);
    const quality = rate(lq, rng);
    const align = rate(la, rng);
    images.push({
      name,
      promptIndex,
      prompt: promptText(asked),
      generator: `${group.model}/${group.setting}`,
      strength: round6(strength),
      contradiction,
      drawn,
      distortions: { colourShift, blurSigma, noiseStd, jpegQuality },
      latentQuality: round6(lq),
      latentAlign: round6(la),
      mosQuality: round6(quality.mos),
      stdQuality: round6(quality.std),
      mosAlign: round6(align.mos),
      stdAlign: round6(align.std),
    });
    options.onProgress?.(i + 1 - inFlight.size, o.images);
  }
  await Promise.all(inFlight);
  options.onProgress?.(o.images, o.images);

  const rows = images.map((im) =>
    formatCsvRow([im.name, im.prompt, scenes[im.promptIndex].size, '', '', String(im.mosQuality), String(im.stdQuality), String(im.mosAlign), String(im.stdAlign)]),
  );
  const csvPath = path.join(o.outDir, 'data.csv');
  await writeFile(csvPath, [formatCsvRow(AGIQA3K_HEADER), ...rows].join('\n') + '\n');
  const mapping = { ...SYNTH_MAPPING, contradictShare: o.contradictShare, imageSize: o.size, groups: SYNTH_GROUPS };
  const pixelsHash = pixels.digest('hex');
  await writeFile(
    path.join(o.outDir, 'synthetic.json'),
    JSON.stringify({ version: SYNTH_VERSION, seed: o.seed, images: o.images, pixelsHash, mapping, items: images }, null, 1) + '\n',
  );
  return { csvPath, count: images.length, mapping, images, pixelsHash };
}

/**
 * Inputs of the real-size benchmarks, shared by bench/extraction.ts and bench/timing.ts --real.
 *
 * - Models: `AGIQA_MODELS_DIR` (default .agiqa/bench/models/onnx in the repository) and the Hugging Face folders beside
 *   it (`../hf`), both written by tools/make_real_encoders.py.
 * - Prompts: bench/data/agiqa3k-prompts.json, 300 prompts with AGIQA-3K's token lengths (median 12,
 *   maximum 24 with BERT's tokenizer).
 * - Images: an AGIQA-3K-size synthetic dataset, 2,982 JPEG images of 512 × 512 px (the synthetic
 *   generator at its largest size; AGIQA-3K's images are 512 px and larger) in the AGIQA-3K layout,
 *   whose 300 prompts are replaced by the prompt set. Generated once under `AGIQA_BENCH_DATA`
 *   (default .agiqa/bench/data in the repository) and reused.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatCsvRow, synthesizeDataset, AGIQA3K_HEADER } from '@agiqa/data';

/** The repository's git-ignored `.agiqa/bench/` folder: real-size models and data are hundreds of MB. */
const BENCH_CACHE = fileURLToPath(new URL('../../.agiqa/bench/', import.meta.url));
export const MODELS_DIR = resolve(process.env.AGIQA_MODELS_DIR ?? join(BENCH_CACHE, 'models', 'onnx'));
export const HF_DIR = resolve(process.env.AGIQA_HF_DIR ?? join(MODELS_DIR, '..', 'hf'));
export const BENCH_DATA = resolve(process.env.AGIQA_BENCH_DATA ?? join(BENCH_CACHE, 'data'));
export const PROMPTS_FILE = fileURLToPath(new URL('../data/agiqa3k-prompts.json', import.meta.url));
export const REFERENCE_SCRIPT = fileURLToPath(new URL('../reference/pipeline.py', import.meta.url));
export const PYTHON = process.env.AGIQA_BENCH_PYTHON ?? fileURLToPath(new URL('../../tools/.venv/bin/python', import.meta.url));

/** AGIQA-3K: 2,982 images of 300 prompts. */
export const AGIQA3K_IMAGES = 2982;
const SYNTH_IMAGES = 3000;
const IMAGE_SIZE = 512;
const SEED = 13;

export interface PromptSet {
  prompts: { text: string; tokens: Record<string, number> }[];
}

export async function readPromptSet(): Promise<PromptSet> {
  return JSON.parse(await readFile(PROMPTS_FILE, 'utf8')) as PromptSet;
}

/** The longest prompt of the set in `encoder`'s tokens: what training pads F_T to on this data. */
export function longestPrompt(set: PromptSet, encoder: string): number {
  return Math.max(...set.prompts.map((p) => p.tokens[encoder] ?? 0));
}

export interface RealDataset {
  /** Folder in the AGIQA-3K layout (data.csv + img/). */
  root: string;
  /** Absolute image paths in data.csv order. */
  imagePaths: string[];
}

/**
 * The AGIQA-3K-size dataset, generated on first use (about a minute): 3,000 synthetic images of
 * 300 prompts, of which every 166th is left out (18 images, as AGIQA-3K has 2,982), with prompt i
 * replaced by prompt i of the prompt set.
 */
export async function realDataset(): Promise<RealDataset> {
  const synth = join(BENCH_DATA, `synth-${SYNTH_IMAGES}-${IMAGE_SIZE}px-seed${SEED}`);
  const root = join(BENCH_DATA, 'agiqa3k-real');
  if (!existsSync(join(synth, 'synthetic.json'))) {
    console.log(`generating ${SYNTH_IMAGES} synthetic ${IMAGE_SIZE} px images in ${synth} (once)`);
    await synthesizeDataset({ outDir: synth, images: SYNTH_IMAGES, seed: SEED, size: IMAGE_SIZE, overwrite: true });
  }
  const { items } = JSON.parse(await readFile(join(synth, 'synthetic.json'), 'utf8')) as {
    items: { name: string; promptIndex: number; mosQuality: number; stdQuality: number; mosAlign: number; stdAlign: number }[];
  };
  const set = await readPromptSet();
  const kept = items.filter((_, i) => i % 166 !== 165);
  if (kept.length !== AGIQA3K_IMAGES) throw new Error(`expected ${AGIQA3K_IMAGES} images, kept ${kept.length}`);
  const rows = kept.map((item) =>
    formatCsvRow([item.name, set.prompts[item.promptIndex].text, '', '', '', String(item.mosQuality), String(item.stdQuality), String(item.mosAlign), String(item.stdAlign)]),
  );
  const csv = [formatCsvRow(AGIQA3K_HEADER), ...rows].join('\n') + '\n';
  await mkdir(root, { recursive: true });
  const csvPath = join(root, 'data.csv');
  if (!existsSync(csvPath) || (await readFile(csvPath, 'utf8')) !== csv) await writeFile(csvPath, csv);
  if (!existsSync(join(root, 'img'))) await symlink(join(synth, 'img'), join(root, 'img'));
  return { root, imagePaths: kept.map((item) => join(synth, 'img', item.name)) };
}

/**
 * The AGIQA-3K-size dataset, or, for fewer `images` (a trial of a bench, not the benchmark), a
 * folder beside it with its first `images` rows and the same images.
 */
export async function trialDataset(images: number): Promise<RealDataset> {
  const full = await realDataset();
  if (images === AGIQA3K_IMAGES) return full;
  if (!Number.isInteger(images) || images < 1 || images > AGIQA3K_IMAGES) throw new Error(`images must be 1 … ${AGIQA3K_IMAGES}, got ${images}`);
  const root = join(full.root, '..', `agiqa3k-real-${images}`);
  const lines = (await readFile(join(full.root, 'data.csv'), 'utf8')).trim().split('\n');
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'data.csv'), [lines[0], ...lines.slice(1, images + 1)].join('\n') + '\n');
  if (!existsSync(join(root, 'img'))) await symlink(join(full.root, 'img'), join(root, 'img'));
  return { root, imagePaths: full.imagePaths.slice(0, images) };
}

/** Writes one path per line (the reference reads image lists this way); returns the file. */
export async function writeList(file: string, lines: readonly string[]): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, lines.join('\n') + '\n');
  return file;
}

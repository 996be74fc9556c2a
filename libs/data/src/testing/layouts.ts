import { createHash } from 'node:crypto';
/**
 * Test helpers: build dataset folders laid out exactly as their authors ship them, in temp dirs.
 * Not part of the package (excluded from the build).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatCsvRow } from '../io/csv.js';
import { writeMat } from '../io/mat.js';
import { AGIQA3K_HEADER } from '../loaders/agiqa3k.js';
import { AIGCIQA2023_GENERATORS } from '../loaders/aigciqa2023.js';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures');

/** A fresh temp folder; call the returned cleanup in afterEach. */
export function makeTempDir(prefix = 'agiqa-data-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeFile(file: string, content: string | Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

/** A placeholder image file: loaders check presence, not pixels. */
/** The bytes `touchImages` writes (a JPEG's start and end markers) and their sha256. */
const TOUCHED_IMAGE = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
export const TOUCHED_IMAGE_SHA256 = createHash('sha256').update(TOUCHED_IMAGE).digest('hex');

export function touchImages(dir: string, relPaths: readonly string[]): void {
  for (const rel of relPaths) writeFile(path.join(dir, rel), TOUCHED_IMAGE);
}

export type Agiqa3kRow = Record<(typeof AGIQA3K_HEADER)[number], string>;

/** `count` well-formed AGIQA-3K rows: 2 generator groups × ceil(count/2) prompts, MOS in 0–5. */
export function agiqa3kRows(count: number): Agiqa3kRow[] {
  const groups = [
    ['AttnGAN', 'normal'],
    ['midjourney', 'lowstep'],
  ];
  return Array.from({ length: count }, (_, i) => {
    const [model, setting] = groups[i % 2];
    const index = String(Math.floor(i / 2)).padStart(3, '0');
    return {
      name: `${model}_${setting}_${index}.jpg`,
      prompt: i % 3 === 0 ? `statue of a man, number ${index}` : `a cat ${index}`,
      adj1: '',
      adj2: i % 4 === 0 ? 'bright' : '',
      style: '',
      mos_quality: (0.5 + (i % 9) * 0.5).toFixed(9),
      std_quality: '0.223270101',
      mos_align: (4.9 - (i % 7) * 0.6).toFixed(8),
      std_align: '0.615607722',
    };
  });
}

/** data.csv (exact header, CRLF like the release) + images under `imageDir`. */
export function writeAgiqa3k(dir: string, rows: readonly Agiqa3kRow[], options: { imageDir?: string; images?: boolean; header?: readonly string[] } = {}): void {
  const header = options.header ?? AGIQA3K_HEADER;
  const lines = [formatCsvRow(header), ...rows.map((r) => formatCsvRow(AGIQA3K_HEADER.map((c) => r[c])))];
  writeFile(path.join(dir, 'data.csv'), lines.join('\r\n') + '\r\n');
  if (options.images ?? true) touchImages(dir, rows.map((r) => `${options.imageDir ?? 'img'}/${r.name}`));
}

/** MOSz-like value of image n on 0–100 (deterministic). */
export const aigcMos = (n: number, label: number) => 10 + ((n * 7 + label * 13) % 80) + 0.123456789;

/** The authors' AIGCIQA2023 release shape with `prompts` prompts (2,400 images at 100). */
export function writeAigciqa2023Mat(
  dir: string,
  options: { prompts?: number; compress?: boolean; promptSheet?: 'csv' | 'xlsx-header' | 'xlsx-noheader'; images?: boolean; std?: boolean } = {},
): { count: number; promptTexts: string[] } {
  const prompts = options.prompts ?? 2;
  const count = AIGCIQA2023_GENERATORS.length * prompts * 4;
  for (let label = 1; label <= 3; label++) {
    const mos = Array.from({ length: count }, (_, n) => aigcMos(n, label));
    writeFile(path.join(dir, `DATA/MOS/mosz${label}.mat`), writeMat([{ name: 'MOSz', rows: count, cols: 1, data: mos }], { compress: options.compress }));
    if (options.std ?? true) {
      const sd = Array.from({ length: count }, (_, n) => 5 + (n % 10) / 10);
      writeFile(path.join(dir, `DATA/STD/SD${label}.mat`), writeMat([{ name: 'SD', rows: count, cols: 1, data: sd }], { compress: options.compress }));
    }
  }
  let promptTexts = Array.from({ length: prompts }, (_, p) => `prompt number ${p}, with a comma`);
  const sheet = options.promptSheet ?? 'csv';
  if (sheet === 'csv') {
    const lines = ['prompt,style,class', ...promptTexts.map((t, p) => formatCsvRow([t, p % 2 ? 'realistic' : 'anime', 'object']))];
    writeFile(path.join(dir, 'AIGCIQA2023_Prompts.csv'), lines.join('\n') + '\n');
  } else {
    if (prompts !== 2) throw new Error('the committed xlsx prompt fixtures hold 2 prompts');
    copyFileSync(path.join(FIXTURES, 'xlsx', sheet === 'xlsx-header' ? 'prompts_header.xlsx' : 'prompts_noheader.xlsx'), path.join(dir, 'AIGCIQA2023_Prompts.xlsx'));
    promptTexts = ['A cat, sitting on a "red" chair & smiling', 'Ein Haus am See — 夕焼け'];
  }
  if (options.images ?? true) touchImages(dir, Array.from({ length: count }, (_, n) => `DATA/allimg/${n}.png`));
  return { count, promptTexts };
}

/**
 * The CSV repackaging (`,name,prompt,style,class,quality_mos,…`), flat `{n}.png` names, or the
 * per-generator layout (`Controlnet/000-1.png`, MOS and std divided by 20).
 */
export function writeAigciqa2023Csv(dir: string, options: { prompts?: number; perGenerator?: boolean; images?: boolean } = {}): { count: number; file: string } {
  const prompts = options.prompts ?? 2;
  const count = AIGCIQA2023_GENERATORS.length * prompts * 4;
  const factor = options.perGenerator ? 20 : 1;
  const header = ['', 'name', 'prompt', 'style', 'class', 'quality_mos', 'authenticity_mos', 'correspondence_mos', 'quality_std', 'authenticity_std', 'correspondence_std'];
  const names: string[] = [];
  const rows = Array.from({ length: count }, (_, n) => {
    const g = Math.floor(n / (prompts * 4));
    const p = Math.floor((n % (prompts * 4)) / 4);
    const j = n % 4;
    const name = options.perGenerator ? `${AIGCIQA2023_GENERATORS[g]}/${String(p).padStart(3, '0')}-${j + 1}.png` : `${n}.png`;
    names.push(name);
    const mos = [1, 2, 3].map((l) => String(aigcMos(n, l) / factor));
    const std = [1, 2, 3].map(() => String((5 + (n % 10) / 10) / factor));
    return formatCsvRow([String(n), name, `prompt number ${p}, with a comma`, 'anime', 'object', ...mos, ...std]);
  });
  const file = options.perGenerator ? 'AIGCIQA2023_per_generator.csv' : 'AIGCIQA2023.csv';
  writeFile(path.join(dir, file), [formatCsvRow(header), ...rows].join('\n') + '\n');
  if (options.images ?? true) touchImages(dir, names.map((n) => (options.perGenerator ? n : `Image/allimg/${n}`)));
  return { count, file };
}

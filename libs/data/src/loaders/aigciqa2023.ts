import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { CsvTable } from '../io/csv.js';
import { isDirectory, isFile, readBytes } from '../io/files.js';
import { readMatVariable } from '../io/mat.js';
import { compareCodeUnits } from '../hash.js';
import { parseNumberCell, type Location, type ProblemCollector } from '../validate/problems.js';
import { chooseImageDir, joinRel } from './images.js';
import { PUBLISHED_MOS_SCALES, checkRange } from './scales.js';
import { readTable, reportFileError } from './tables.js';
import type { DatasetLoader, LoadedItem, LoaderContext, LoaderOutput } from './types.js';

/** Generator order of the authors' numbering n = 400·generator + 4·prompt + j. */
export const AIGCIQA2023_GENERATORS = ['Controlnet', 'DALLE', 'Glide', 'Lafite', 'stable-diffusion', 'Unidiffuser'] as const;
const LABELS = ['quality', 'authenticity', 'correspondence'] as const;
type Label = (typeof LABELS)[number];
const IMAGES_PER_PROMPT = 4;
const GROUP = AIGCIQA2023_GENERATORS.length * IMAGES_PER_PROMPT;
/** The per-generator repackaging stores MOS / 20 (0–5); multiplying back restores the 0–100 MOSz. */
const PER_GENERATOR_FACTOR = 20;

/** Folders peers keep `{n}.png` in, tried in this order. */
const FLAT_IMAGE_DIRS = ['DATA/allimg', 'Image/allimg', 'allimg', 'Image', 'images', 'img'];
/** Parents peers keep the per-generator folders in. */
const PER_GENERATOR_PARENTS = ['', 'Image', 'images', 'allimg'];
/** Where the prompt list is looked for. */
const PROMPT_DIRS = ['', 'DATA', 'DATA/MOS'];
/** Where a CSV repackaging is looked for. */
const CSV_DIRS = ['', 'DATA', 'DATA/MOS'];

/** Splits the authors' image number into generator, prompt and image-within-prompt. */
export function decomposeImageNumber(n: number, promptCount: number): { generator: number; prompt: number; image: number } {
  const perGenerator = promptCount * IMAGES_PER_PROMPT;
  return {
    generator: Math.floor(n / perGenerator),
    prompt: Math.floor((n % perGenerator) / IMAGES_PER_PROMPT),
    image: n % IMAGES_PER_PROMPT,
  };
}

const pad3 = (p: number) => String(p).padStart(3, '0');

function itemFor(n: number, promptCount: number, prompt: string, imagePath: string, origin: Location) {
  const { generator, prompt: p } = decomposeImageNumber(n, promptCount);
  return {
    position: n,
    key: `${n}.png`,
    imagePath,
    prompt,
    promptKey: pad3(p),
    generator: AIGCIQA2023_GENERATORS[generator],
    origin,
  };
}

/** Files directly in `dir` (relative), sorted; [] when the folder is absent. */
async function listFiles(baseDir: string, dir: string): Promise<string[]> {
  try {
    const entries = await readdir(path.join(baseDir, dir), { withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => joinRel(dir, e.name)).sort(compareCodeUnits);
  } catch {
    return [];
  }
}

/** The prompt list: a `.csv` (preferred: what a user exported) or `.xlsx` whose name contains "prompt". */
async function findPromptFile(baseDir: string): Promise<string | undefined> {
  const found: string[] = [];
  for (const dir of PROMPT_DIRS) {
    for (const file of await listFiles(baseDir, dir)) {
      if (/prompt/i.test(path.basename(file)) && /\.(csv|xlsx|xls)$/i.test(file)) found.push(file);
    }
  }
  return found.find((f) => /\.csv$/i.test(f)) ?? found[0];
}

/**
 * Prompt texts in order. A header row naming a `prompt` column (any case) selects it; without
 * one, the third column is the prompt, as peers read the authors' sheet (`iloc[:, 2]`).
 */
function readPrompts(table: CsvTable, problems: ProblemCollector): string[] | undefined {
  const all = [{ line: 1, cells: table.header }, ...table.records];
  const headerColumn = table.header.findIndex((h) => h.trim().toLowerCase() === 'prompt');
  const rows = headerColumn >= 0 ? table.records : all.filter((r) => r.cells.length > 0);
  const column = headerColumn >= 0 ? headerColumn : table.header.length >= 3 ? 2 : table.header.length === 1 ? 0 : -1;
  if (column < 0) {
    problems.add({ file: table.file, line: 1 }, 'cannot tell which column holds the prompt: add a header row with a "prompt" column');
    return undefined;
  }
  const prompts: string[] = [];
  for (const row of rows) {
    const text = (row.cells[column] ?? '').trim();
    if (text === '') problems.add({ file: table.file, line: row.line, field: 'prompt' }, 'empty prompt');
    prompts.push(text);
  }
  return prompts;
}

/** Reads a numeric N×1 (or 1×N) variable; problems name the file. */
async function readColumn(baseDir: string, file: string, variable: string, problems: ProblemCollector): Promise<Float64Array | undefined> {
  const bytes = await readBytes(baseDir, file, problems);
  if (bytes === undefined) return undefined;
  try {
    const matrix = readMatVariable(bytes, file, variable);
    if (matrix.dims.length !== 2 || Math.min(matrix.dims[0], matrix.dims[1]) !== 1) {
      problems.add({ file, field: variable }, `is ${matrix.dims.join('×')}; expected an N×1 column`);
      return undefined;
    }
    return matrix.data;
  } catch (error) {
    reportFileError(error, file, problems);
    return undefined;
  }
}

function promptCountFor(n: number, at: Location, problems: ProblemCollector): number | undefined {
  if (n === 0 || n % GROUP !== 0) {
    problems.add(at, `${n} images is not ${AIGCIQA2023_GENERATORS.length} generators × P prompts × ${IMAGES_PER_PROMPT} images (the release has 2,400)`);
    return undefined;
  }
  return n / GROUP;
}

/** The authors' release: DATA/MOS/mosz{1,2,3}.mat (MOSz), DATA/STD/SD{1,2,3}.mat (SD), prompt sheet, DATA/allimg/{n}.png. */
async function loadMat(ctx: LoaderContext): Promise<LoaderOutput> {
  const { problems, baseDir } = ctx;
  const labels = [...LABELS];
  const mos: Partial<Record<Label, Float64Array>> = {};
  const std: Partial<Record<Label, Float64Array>> = {};
  const hasStd = await isDirectory(path.join(baseDir, 'DATA/STD'));
  for (const [i, label] of LABELS.entries()) {
    mos[label] = await readColumn(baseDir, `DATA/MOS/mosz${i + 1}.mat`, 'MOSz', problems);
    if (hasStd) std[label] = await readColumn(baseDir, `DATA/STD/SD${i + 1}.mat`, 'SD', problems);
  }
  const first = mos.quality;
  if (!first) return { items: [], labels };
  const n = first.length;
  for (const [i, label] of LABELS.entries()) {
    for (const [kind, data, file] of [
      ['MOSz', mos[label], `DATA/MOS/mosz${i + 1}.mat`],
      ['SD', std[label], `DATA/STD/SD${i + 1}.mat`],
    ] as const) {
      if (data && data.length !== n) {
        problems.add({ file, field: kind }, `has ${data.length} values; DATA/MOS/mosz1.mat has ${n}`);
      }
    }
  }
  const promptCount = promptCountFor(n, { file: 'DATA/MOS/mosz1.mat', field: 'MOSz' }, problems);

  const promptFile = await findPromptFile(baseDir);
  let prompts: string[] | undefined;
  if (!promptFile) {
    problems.add({ file: 'AIGCIQA2023_Prompts.xlsx' }, `no prompt list found: expected a .xlsx or .csv with "prompt" in its name in ${PROMPT_DIRS.map((d) => d || '.').join(', ')}`);
  } else {
    const table = await readTable(baseDir, promptFile, problems);
    prompts = table && readPrompts(table, problems);
    if (prompts && promptCount !== undefined && prompts.length !== promptCount) {
      problems.add({ file: promptFile }, `lists ${prompts.length} prompts; the MOS files hold ${n} = 6 generators × ${promptCount} prompts × 4 images, so ${promptCount} are needed`);
      prompts = undefined;
    }
  }
  if (promptCount === undefined || !prompts) return { items: [], labels };

  const names = Array.from({ length: n }, (_, k) => `${k}.png`);
  const imageDir = await chooseImageDir(baseDir, FLAT_IMAGE_DIRS, names);
  const items: LoadedItem[] = [];
  for (let k = 0; k < n; k++) {
    const values: Record<string, number> = {};
    const stds: Record<string, number> = {};
    let ok = true;
    for (const [i, label] of LABELS.entries()) {
      const at = { file: `DATA/MOS/mosz${i + 1}.mat`, line: k + 1, field: 'MOSz' };
      const value = mos[label]?.[k];
      // A missing or short file was reported above.
      if (value === undefined) ok = false;
      else if (checkRange(value, PUBLISHED_MOS_SCALES.aigciqa2023[label], at, problems)) values[label] = value;
      else ok = false;
      const s = std[label]?.[k];
      if (s !== undefined) {
        if (!Number.isFinite(s) || s < 0) {
          problems.add({ file: `DATA/STD/SD${i + 1}.mat`, line: k + 1, field: 'SD' }, `not a standard deviation: ${s}`);
          ok = false;
        } else stds[label] = s;
      }
    }
    if (!ok) continue;
    const prompt = prompts[decomposeImageNumber(k, promptCount).prompt];
    const origin = { file: 'DATA/MOS/mosz1.mat', line: k + 1, field: 'MOSz' };
    items.push({ ...itemFor(k, promptCount, prompt, joinRel(imageDir, names[k]), origin), mos: values, ...(hasStd ? { mosStd: stds } : {}) });
  }
  return { items, labels };
}

const CSV_REQUIRED = ['name', 'prompt', 'quality_mos', 'authenticity_mos', 'correspondence_mos'];
const FLAT_NAME = /^(\d+)\.png$/i;
const PER_GENERATOR_NAME = /^([^/\\]+)[/\\](\d{3})-(\d)\.png$/i;

/**
 * The CSV repackaging (`,name,prompt,style,class,quality_mos,…,correspondence_std`), with names
 * either `{n}.png` (values as in MOSz, 0–100) or `{Generator}/{ppp}-{j}.png` with j = 1–4 (the
 * per-generator layout, values / 20, multiplied back here).
 */
async function loadCsv(ctx: LoaderContext, file: string): Promise<LoaderOutput> {
  const { problems, baseDir } = ctx;
  const labels = [...LABELS];
  const table = await readTable(baseDir, file, problems);
  if (!table) return { items: [], labels };
  const missing = CSV_REQUIRED.filter((c) => !table.has(c));
  if (missing.length > 0) {
    problems.add({ file, line: 1 }, `wrong header: missing ${missing.join(', ')}; expected ,name,prompt,style,class,quality_mos,authenticity_mos,correspondence_mos,quality_std,authenticity_std,correspondence_std`);
    return { items: [], labels };
  }
  const n = table.records.length;
  const promptCount = promptCountFor(n, { file }, problems);
  if (promptCount === undefined) return { items: [], labels };

  const firstName = table.records.map((r) => table.get(r, 'name').trim()).find((name) => FLAT_NAME.test(name) || PER_GENERATOR_NAME.test(name));
  const perGenerator = firstName !== undefined && PER_GENERATOR_NAME.test(firstName);
  const factor = perGenerator ? PER_GENERATOR_FACTOR : 1;
  const names = table.records.map((r) => table.get(r, 'name').trim().replace(/\\/g, '/'));
  const imageDir = perGenerator ? await choosePerGeneratorParent(baseDir) : await chooseImageDir(baseDir, FLAT_IMAGE_DIRS, names);

  const items: LoadedItem[] = [];
  table.records.forEach((record, row) => {
    const at = (field: string): Location => ({ file, line: record.line, field });
    const name = names[row];
    let number: number | undefined;
    if (perGenerator) {
      const m = PER_GENERATOR_NAME.exec(name);
      const g = m ? AIGCIQA2023_GENERATORS.findIndex((gen) => gen.toLowerCase() === m[1].toLowerCase()) : -1;
      const p = m ? Number(m[2]) : NaN;
      const j = m ? Number(m[3]) : NaN;
      if (!m) problems.add(at('name'), `${JSON.stringify(name)} is not {Generator}/{prompt:03d}-{1..4}.png like the other rows`);
      else if (g < 0) problems.add(at('name'), `unknown generator folder "${m[1]}"; expected one of ${AIGCIQA2023_GENERATORS.join(', ')}`);
      else if (p >= promptCount) problems.add(at('name'), `prompt ${m[2]} is beyond the ${promptCount} prompts that ${n} rows imply`);
      else if (j < 1 || j > IMAGES_PER_PROMPT) problems.add(at('name'), `image number ${j} must be 1–4`);
      else number = g * promptCount * IMAGES_PER_PROMPT + p * IMAGES_PER_PROMPT + (j - 1);
    } else {
      const m = FLAT_NAME.exec(name);
      if (!m) problems.add(at('name'), `${JSON.stringify(name)} is not {n}.png like the other rows`);
      else if (Number(m[1]) >= n) problems.add(at('name'), `image number ${m[1]} is beyond the ${n} rows (0–${n - 1})`);
      else number = Number(m[1]);
    }
    const prompt = table.get(record, 'prompt').trim();
    if (prompt === '') problems.add(at('prompt'), 'empty prompt');

    const values: Record<string, number> = {};
    const stds: Record<string, number> = {};
    let ok = number !== undefined && prompt !== '';
    for (const label of LABELS) {
      const column = `${label}_mos`;
      const raw = parseNumberCell(table.get(record, column), at(column), problems);
      const scale = PUBLISHED_MOS_SCALES.aigciqa2023[label];
      const shownScale = { min: scale.min / factor, max: scale.max / factor };
      if (raw === undefined || !checkRange(raw, shownScale, at(column), problems)) ok = false;
      else values[label] = raw * factor;
      const stdColumn = `${label}_std`;
      if (table.has(stdColumn) && table.get(record, stdColumn).trim() !== '') {
        const s = parseNumberCell(table.get(record, stdColumn), at(stdColumn), problems);
        if (s === undefined || s < 0) {
          if (s !== undefined) problems.add(at(stdColumn), `negative standard deviation ${s}`);
          ok = false;
        } else stds[label] = s * factor;
      }
    }
    if (!ok || number === undefined) return;
    items.push({
      ...itemFor(number, promptCount, prompt, joinRel(imageDir, name), at('name')),
      position: row,
      mos: values,
      ...(Object.keys(stds).length > 0 ? { mosStd: stds } : {}),
    });
  });
  return { items, labels };
}

/** The folder that holds `Controlnet/`, `DALLE/`, … (the first candidate holding any of them). */
async function choosePerGeneratorParent(baseDir: string): Promise<string> {
  for (const parent of PER_GENERATOR_PARENTS) {
    for (const generator of AIGCIQA2023_GENERATORS) {
      if (await isDirectory(path.join(baseDir, parent, generator))) return parent;
    }
  }
  return '';
}

/** CSV files whose header has `quality_mos`: the repackagings. */
async function findRepackagedCsv(baseDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const dir of CSV_DIRS) {
    for (const file of await listFiles(baseDir, dir)) {
      if (!/\.csv$/i.test(file)) continue;
      const handle = await open(path.join(baseDir, file));
      try {
        const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
        const firstLine = buffer.toString('utf8', 0, bytesRead).split(/\r?\n/)[0];
        if (/(^|,)"?quality_mos"?(,|$)/.test(firstLine)) found.push(file);
      } finally {
        await handle.close();
      }
    }
  }
  return found;
}

async function load(ctx: LoaderContext): Promise<LoaderOutput> {
  if (ctx.input !== ctx.baseDir && /\.csv$/i.test(ctx.input)) return loadCsv(ctx, path.basename(ctx.input));
  if (await isFile(path.join(ctx.baseDir, 'DATA/MOS/mosz1.mat'))) return loadMat(ctx);
  const csvs = await findRepackagedCsv(ctx.baseDir);
  const preferred = csvs.find((f) => /aigciqa2023\.csv$/i.test(f)) ?? csvs[0];
  if (preferred) return loadCsv(ctx, preferred);
  ctx.problems.add(
    { file: 'DATA/MOS/mosz1.mat' },
    'no AIGCIQA2023 layout found: expected the authors\' DATA/MOS/mosz{1,2,3}.mat (+ prompt sheet, DATA/allimg/), or a CSV whose header has name,prompt,quality_mos,authenticity_mos,correspondence_mos',
  );
  return { items: [], labels: [...LABELS] };
}

/** AIGCIQA2023 in any of its three circulating layouts, normalised to the MOSz 0–100 scale. */
export const aigciqa2023Loader: DatasetLoader = {
  format: 'aigciqa2023',
  description: 'AIGCIQA2023: DATA/MOS/mosz{1,2,3}.mat + prompt sheet + DATA/allimg/{n}.png, or its CSV repackagings',
  load,
};

import path from 'node:path';
import { problemsFromZod } from '@agiqa/contracts';
import { z } from 'zod';
import type { CsvRecord, CsvTable } from '../io/csv.js';
import { isDirectory, isFile, readUtf8 } from '../io/files.js';
import { parseNumberCell, type Location, type ProblemCollector } from '../validate/problems.js';
import { joinRel } from './images.js';
import { checkRange, type MosScale } from './scales.js';
import { readTable } from './tables.js';
import type { DatasetLoader, LoadedItem, LoaderContext, LoaderOutput } from './types.js';

/** File names looked for when the manifest root is a folder, in this order. */
export const MANIFEST_FILE_NAMES = ['manifest.json', 'manifest.csv'] as const;

const LABEL = z.string().regex(/^[a-z][a-z0-9_]*$/, 'a MOS label is lower-case letters, digits and "_" (e.g. "quality")');
const RELATIVE_PATH = z.string().trim().min(1);

/** Column names of a table manifest; omitted ones take the CSV manifest's default names. */
const ColumnsSchema = z
  .object({
    image: z.string().min(1).default('image'),
    key: z.string().min(1).optional(),
    source: z.string().min(1).optional(),
    prompt: z.string().min(1).default('prompt'),
    promptKey: z.string().min(1).optional(),
    generator: z.string().min(1).optional(),
    setting: z.string().min(1).optional(),
    /** label → column. Default: every `mos_<label>` column. */
    mos: z.record(LABEL, z.string().min(1)).optional(),
    /** label → column. Default: every `std_<label>` column. */
    std: z.record(LABEL, z.string().min(1)).optional(),
  })
  .strict();

/** One inline item of a JSON manifest. */
const ItemSchema = z
  .object({
    image: RELATIVE_PATH,
    key: z.string().trim().min(1).optional(),
    source: RELATIVE_PATH.optional(),
    prompt: z.string().trim().min(1, 'empty prompt'),
    promptKey: z.string().trim().min(1).optional(),
    generator: z.string().trim().min(1).optional(),
    setting: z.string().trim().min(1).optional(),
    mos: z.record(LABEL, z.number()).refine((m) => Object.keys(m).length > 0, 'needs at least one MOS label'),
    std: z.record(LABEL, z.number().min(0, 'a standard deviation cannot be negative')).optional(),
  })
  .strict();

/**
 * A JSON manifest: the dataset's items inline (`items`) or in a table file (`table`, .csv or
 * .xlsx, with optional `columns` naming its columns), plus optional scales and split lists.
 */
export const ManifestJsonSchema = z
  .object({
    version: z.literal(1).optional(),
    name: z.string().optional(),
    description: z.string().optional(),
    table: RELATIVE_PATH.optional(),
    columns: ColumnsSchema.optional(),
    items: z.array(z.unknown()).optional(),
    /** Prefix for every `image` path (e.g. `Generated_image/All`). */
    imageDir: z.string().trim().optional(),
    /** Prefix for every `source` path. */
    sourceDir: z.string().trim().optional(),
    /** label → [min, max]: the published scale; values outside it are errors. */
    scales: z
      .record(LABEL, z.tuple([z.number(), z.number()]))
      .refine((s) => Object.values(s).every(([lo, hi]) => lo < hi), 'each scale is [min, max] with min < max')
      .optional(),
    /** Folder with split lists `{k}/train.txt`, `{k}/test.txt` (and optionally `{k}/val.txt`). */
    splits: RELATIVE_PATH.optional(),
  })
  .strict()
  .refine((m) => (m.table === undefined) !== (m.items === undefined), { message: 'give exactly one of "table" or "items"', path: ['items'] })
  .refine((m) => m.columns === undefined || m.table !== undefined, { message: '"columns" applies to a "table" only', path: ['columns'] });
export type ManifestJson = z.infer<typeof ManifestJsonSchema>;

/** Fields of one item before MOS parsing, wherever they came from. */
interface RawItem {
  image: string;
  key?: string;
  source?: string;
  prompt: string;
  promptKey?: string;
  generator?: string;
  setting?: string;
  mos: Record<string, { value: number | undefined; at: Location; text?: string }>;
  std: Record<string, { value: number | undefined; at: Location }>;
  origin: Location;
  at: (field: string) => Location;
}

const isAbsolutePath = (p: string) => path.isAbsolute(p) || /^[A-Za-z]:[\\/]/.test(p);

function toItem(raw: RawItem, position: number, scales: Record<string, MosScale>, labels: string[], spec: { imageDir?: string; sourceDir?: string }, problems: ProblemCollector): LoadedItem | undefined {
  let ok = true;
  for (const [field, value] of [['image', raw.image], ['source', raw.source]] as const) {
    if (value !== undefined && isAbsolutePath(value)) {
      problems.add(raw.at(field), `${JSON.stringify(value)} is absolute; paths are relative to the manifest's folder`);
      ok = false;
    }
  }
  if (raw.prompt.trim() === '') {
    problems.add(raw.at('prompt'), 'empty prompt');
    ok = false;
  }
  const mos: Record<string, number> = {};
  const mosStd: Record<string, number> = {};
  for (const label of labels) {
    const entry = raw.mos[label];
    if (!entry) {
      problems.add(raw.at(`mos.${label}`), `missing MOS "${label}" (other items have it)`);
      ok = false;
      continue;
    }
    if (entry.value === undefined) {
      ok = false;
      continue;
    }
    const scale = scales[label];
    if (scale ? !checkRange(entry.value, scale, entry.at, problems) : !Number.isFinite(entry.value)) ok = false;
    else mos[label] = entry.value;
    const s = raw.std[label];
    if (s?.value !== undefined) {
      if (s.value < 0) {
        problems.add(s.at, `negative standard deviation ${s.value}`);
        ok = false;
      } else mosStd[label] = s.value;
    } else if (s) ok = false;
  }
  if (!ok) return undefined;
  const norm = (p: string) => p.replace(/\\/g, '/').replace(/^\.\//, '');
  const generator = raw.generator?.trim() || 'unknown';
  return {
    position,
    key: raw.key?.trim() || norm(raw.image),
    imagePath: joinRel(norm(spec.imageDir ?? ''), norm(raw.image)),
    ...(raw.source ? { sourcePath: joinRel(norm(spec.sourceDir ?? ''), norm(raw.source)) } : {}),
    prompt: raw.prompt,
    promptKey: raw.promptKey?.trim() || raw.prompt,
    generator: raw.setting?.trim() ? `${generator}/${raw.setting.trim()}` : generator,
    mos,
    ...(Object.keys(mosStd).length > 0 ? { mosStd } : {}),
    origin: raw.origin,
  };
}

const DEFAULT_COLUMNS = new Set(['image', 'key', 'source', 'prompt', 'prompt_key', 'generator', 'setting']);

/** Items of a table manifest (bare CSV, or a JSON manifest's `table`). */
function itemsFromTable(table: CsvTable, columns: z.infer<typeof ColumnsSchema> | undefined, problems: ProblemCollector): { raws: RawItem[]; labels: string[] } {
  const file = table.file;
  const mapped = columns !== undefined;
  const spec = ColumnsSchema.parse(columns ?? {});
  const names = {
    image: spec.image,
    prompt: spec.prompt,
    key: spec.key ?? (mapped ? undefined : 'key'),
    source: spec.source ?? (mapped ? undefined : 'source'),
    promptKey: spec.promptKey ?? (mapped ? undefined : 'prompt_key'),
    generator: spec.generator ?? (mapped ? undefined : 'generator'),
    setting: spec.setting ?? (mapped ? undefined : 'setting'),
  };
  const mosColumns = spec.mos ?? Object.fromEntries(table.header.filter((h) => /^mos_/.test(h)).map((h) => [h.slice(4), h]));
  const stdColumns = spec.std ?? Object.fromEntries(table.header.filter((h) => /^std_/.test(h)).map((h) => [h.slice(4), h]));

  const headerProblems: string[] = [];
  for (const required of [names.image, names.prompt]) if (!table.has(required)) headerProblems.push(`missing column "${required}"`);
  if (mapped) {
    for (const column of [names.key, names.source, names.promptKey, names.generator, names.setting, ...Object.values(mosColumns), ...Object.values(stdColumns)]) {
      if (column !== undefined && !table.has(column)) headerProblems.push(`missing column "${column}" (named in "columns")`);
    }
  } else {
    for (const h of table.header) {
      const label = h.replace(/^(mos|std)_/, '');
      if (DEFAULT_COLUMNS.has(h)) continue;
      if (/^(mos|std)_/.test(h) && LABEL.safeParse(label).success) continue;
      headerProblems.push(`unknown column "${h}"`);
    }
    for (const label of Object.keys(stdColumns)) if (!mosColumns[label]) headerProblems.push(`std_${label} has no mos_${label} column`);
  }
  if (Object.keys(mosColumns).length === 0) headerProblems.push('no MOS column (name them mos_<label>, e.g. mos_quality)');
  if (headerProblems.length > 0) {
    problems.add({ file, line: 1 }, `wrong header: ${headerProblems.join('; ')}; columns are image, prompt, mos_<label>… and optionally key, source, prompt_key, generator, setting, std_<label>`);
    return { raws: [], labels: [] };
  }
  if (table.records.length === 0) problems.add({ file, line: 2 }, 'no images listed');

  const labels = orderLabels(Object.keys(mosColumns));
  // Item checks name logical fields (`image`, `source`, `prompt`, `mos.<label>`); report the column.
  const columnOf = (field: string): string => {
    if (field === 'image') return names.image;
    if (field === 'prompt') return names.prompt;
    if (field === 'source') return names.source ?? 'source';
    if (field.startsWith('mos.')) return mosColumns[field.slice(4)] ?? `mos_${field.slice(4)}`;
    return field;
  };
  const cell = (record: CsvRecord, column: string | undefined) => (column === undefined ? undefined : table.get(record, column));
  const raws = table.records.map((record): RawItem => {
    const at = (field: string): Location => ({ file, line: record.line, field });
    const mos: RawItem['mos'] = {};
    for (const [label, column] of Object.entries(mosColumns)) {
      mos[label] = { value: parseNumberCell(table.get(record, column), at(column), problems), at: at(column) };
    }
    const std: RawItem['std'] = {};
    for (const [label, column] of Object.entries(stdColumns)) {
      if (table.get(record, column).trim() === '') continue;
      std[label] = { value: parseNumberCell(table.get(record, column), at(column), problems), at: at(column) };
    }
    return {
      image: table.get(record, names.image).trim(),
      key: cell(record, names.key),
      source: cell(record, names.source)?.trim() || undefined,
      prompt: table.get(record, names.prompt),
      promptKey: cell(record, names.promptKey),
      generator: cell(record, names.generator),
      setting: cell(record, names.setting),
      mos,
      std,
      origin: at(names.image),
      at: (field) => at(columnOf(field)),
    };
  });
  for (const raw of raws) {
    if (raw.image === '') problems.add(raw.origin, 'empty image path');
  }
  return { raws: raws.filter((r) => r.image !== ''), labels };
}

/** `quality` first (the default regression target), then the rest alphabetically. */
function orderLabels(labels: string[]): string[] {
  return [...new Set(labels)].sort((a, b) => (a === 'quality' ? -1 : b === 'quality' ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

function itemsFromJson(file: string, items: unknown[], problems: ProblemCollector): { raws: RawItem[]; labels: string[] } {
  const raws: RawItem[] = [];
  const labels = new Set<string>();
  items.forEach((value, i) => {
    const line = `items[${i}]`;
    const at = (field: string): Location => ({ file, line, field });
    const parsed = ItemSchema.safeParse(value);
    if (!parsed.success) {
      for (const p of problemsFromZod(parsed.error)) problems.add({ file, line, field: p.path === '(root)' ? undefined : p.path }, p.message);
      return;
    }
    const item = parsed.data;
    Object.keys(item.mos).forEach((l) => labels.add(l));
    raws.push({
      ...item,
      mos: Object.fromEntries(Object.entries(item.mos).map(([l, v]) => [l, { value: v, at: at(`mos.${l}`) }])),
      std: Object.fromEntries(Object.entries(item.std ?? {}).map(([l, v]) => [l, { value: v, at: at(`std.${l}`) }])),
      origin: at('image'),
      at,
    });
  });
  if (items.length === 0) problems.add({ file, field: 'items' }, 'no images listed');
  return { raws, labels: orderLabels([...labels]) };
}

async function load(ctx: LoaderContext): Promise<LoaderOutput> {
  const { problems, baseDir } = ctx;
  let file = ctx.input === baseDir ? undefined : path.basename(ctx.input);
  if (file === undefined) {
    for (const name of MANIFEST_FILE_NAMES) {
      if (await isFile(path.join(baseDir, name))) {
        file = name;
        break;
      }
    }
  }
  if (file === undefined) {
    problems.add({ file: MANIFEST_FILE_NAMES[0] }, `no manifest found: expected ${MANIFEST_FILE_NAMES.join(' or ')} in the folder, or the manifest file itself as the root`);
    return { items: [], labels: [] };
  }

  let spec: ManifestJson = {};
  let found: { raws: RawItem[]; labels: string[] };
  if (/\.json$/i.test(file)) {
    const text = await readUtf8(baseDir, file, problems);
    if (text === undefined) return { items: [], labels: [] };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      problems.add({ file }, `is not valid JSON: ${(error as Error).message}`);
      return { items: [], labels: [] };
    }
    const parsed = ManifestJsonSchema.safeParse(json);
    if (!parsed.success) {
      for (const p of problemsFromZod(parsed.error)) problems.add({ file, field: p.path === '(root)' ? undefined : p.path }, p.message);
      return { items: [], labels: [] };
    }
    spec = parsed.data;
    if (spec.table !== undefined) {
      const table = await readTable(baseDir, spec.table, problems);
      found = table ? itemsFromTable(table, spec.columns, problems) : { raws: [], labels: [] };
    } else {
      found = itemsFromJson(file, spec.items ?? [], problems);
    }
    if (spec.splits !== undefined && !(await isDirectory(path.join(baseDir, spec.splits)))) {
      problems.add({ file, field: 'splits' }, `split folder "${spec.splits}" not found`);
    }
  } else {
    const table = await readTable(baseDir, file, problems);
    found = table ? itemsFromTable(table, undefined, problems) : { raws: [], labels: [] };
  }

  const scales: Record<string, MosScale> = Object.fromEntries(Object.entries(spec.scales ?? {}).map(([l, [min, max]]) => [l, { min, max }]));
  for (const label of Object.keys(scales)) {
    if (!found.labels.includes(label) && found.raws.length > 0) problems.add({ file, field: `scales.${label}` }, `no item has MOS "${label}"; labels present: ${found.labels.join(', ')}`);
  }
  const items: LoadedItem[] = [];
  found.raws.forEach((raw, position) => {
    const item = toItem(raw, position, scales, found.labels, spec, problems);
    if (item) items.push(item);
  });
  return { items, labels: found.labels, ...(spec.splits !== undefined ? { splitDir: spec.splits.replace(/\\/g, '/') } : {}) };
}

/** The documented generic manifest (CSV or JSON): PKU-I2IQA and any user dataset. */
export const manifestLoader: DatasetLoader = {
  format: 'manifest',
  description: 'manifest: manifest.csv (image,prompt,mos_<label>…) or manifest.json (items or a .csv/.xlsx table + columns)',
  load,
};

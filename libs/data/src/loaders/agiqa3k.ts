import { CsvTable, parseCsv } from '../io/csv.js';
import { readUtf8 } from '../io/files.js';
import { parseNumberCell, type Location } from '../validate/problems.js';
import { chooseImageDir, joinRel } from './images.js';
import { PUBLISHED_MOS_SCALES, checkRange } from './scales.js';
import type { DatasetLoader, LoadedItem, LoaderContext, LoaderOutput } from './types.js';

/** data.csv's header exactly as the AGIQA-3K authors publish it. */
export const AGIQA3K_HEADER = [
  'name', 'prompt', 'adj1', 'adj2', 'style', 'mos_quality', 'std_quality', 'mos_align', 'std_align',
] as const;

/** Image folders peers keep beside data.csv, tried in this order; `''` = beside the CSV itself. */
const IMAGE_DIRS = ['img', 'image', 'images', 'all', 'file', ''];

/**
 * `{model}_{setting}_{index:03d}.{ext}`, e.g. `sd1.5_lowstep_042.jpg`. The model may contain dots
 * and underscores (everything before the last two `_` parts); the 3-digit index is the prompt.
 */
const NAME_PATTERN = /^(?<model>.+)_(?<setting>[^_]+)_(?<index>\d{3})\.(?:jpe?g|png|bmp|webp)$/i;

/**
 * `generator` of an item: `model/setting`, e.g. `midjourney/lowstep` for
 * `midjourney_lowstep_007.jpg`. The slash keeps both parts recoverable: summaries count the 10
 * model/setting groups, while generator-unit splits leave out whole models (the part before the
 * slash, see `generatorModel`), which is what the paper's unseen-generator test is about.
 */
export function agiqa3kGenerator(model: string, setting: string): string {
  return `${model}/${setting}`;
}

async function load(ctx: LoaderContext): Promise<LoaderOutput> {
  const { problems } = ctx;
  const file = 'data.csv';
  const text = await readUtf8(ctx.baseDir, file, problems);
  if (text === undefined) return { items: [], labels: ['quality', 'align'] };
  const table = new CsvTable(file, parseCsv(text, file, problems), problems);

  const expected = AGIQA3K_HEADER.join(',');
  if (table.header.join(',') !== expected) {
    const found = table.header.join(',');
    const firstDiff = AGIQA3K_HEADER.findIndex((name, i) => table.header[i] !== name);
    const column = firstDiff >= 0 ? ` (column ${firstDiff + 1}: expected "${AGIQA3K_HEADER[firstDiff]}", found "${table.header[firstDiff] ?? ''}")` : '';
    problems.add({ file, line: 1 }, `wrong header${column}: expected ${expected}, found ${found || '(empty file)'}`);
    return { items: [], labels: ['quality', 'align'] };
  }
  if (table.records.length === 0) problems.add({ file, line: 2 }, 'no images listed');

  const names = table.records.map((r) => table.get(r, 'name').trim());
  const imageDir = await chooseImageDir(ctx.baseDir, IMAGE_DIRS, names);
  const scales = PUBLISHED_MOS_SCALES.agiqa3k;
  const items: LoadedItem[] = [];

  table.records.forEach((record, position) => {
    const at = (field: string): Location => ({ file, line: record.line, field });
    const name = table.get(record, 'name').trim();
    const match = NAME_PATTERN.exec(name);
    let ok = true;
    if (!match?.groups) {
      problems.add(at('name'), `${JSON.stringify(name)} is not an AGIQA-3K image name ({generator}_{setting}_{index:03d}.jpg)`);
      ok = false;
    }
    const prompt = table.get(record, 'prompt');
    if (prompt.trim() === '') {
      problems.add(at('prompt'), 'empty prompt');
      ok = false;
    }
    const mos: Record<string, number> = {};
    const mosStd: Record<string, number> = {};
    for (const label of ['quality', 'align'] as const) {
      const value = parseNumberCell(table.get(record, `mos_${label}`), at(`mos_${label}`), problems);
      if (value === undefined || !checkRange(value, scales[label], at(`mos_${label}`), problems)) ok = false;
      else mos[label] = value;
      // std is published for every image, but an empty cell only loses the std, not the image.
      const stdText = table.get(record, `std_${label}`);
      if (stdText.trim() !== '') {
        const std = parseNumberCell(stdText, at(`std_${label}`), problems);
        if (std === undefined) ok = false;
        else if (std < 0) {
          problems.add(at(`std_${label}`), `negative standard deviation ${std}`);
          ok = false;
        } else mosStd[label] = std;
      }
    }
    if (!ok || !match?.groups) return;
    const { model, setting, index } = match.groups;
    items.push({
      position,
      key: name,
      imagePath: joinRel(imageDir, name),
      prompt,
      promptKey: index,
      generator: agiqa3kGenerator(model, setting),
      mos,
      ...(Object.keys(mosStd).length > 0 ? { mosStd } : {}),
      origin: at('name'),
    });
  });
  return { items, labels: ['quality', 'align'] };
}

/** AGIQA-3K as its authors publish it: `data.csv` plus an image folder beside it. */
export const agiqa3kLoader: DatasetLoader = {
  format: 'agiqa3k',
  description: 'AGIQA-3K: data.csv (name,prompt,adj1,adj2,style,mos_quality,std_quality,mos_align,std_align) + img/',
  load,
};

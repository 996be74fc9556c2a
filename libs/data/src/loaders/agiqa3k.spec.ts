import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AgiqaError } from '@agiqa/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agiqa3kRows, makeTempDir, touchImages, TOUCHED_IMAGE_SHA256, writeAgiqa3k, writeFile } from '../testing/layouts.js';
import { inspectDataset, loadDataset, validateDataset } from '../validate/dataset.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = makeTempDir()));
afterEach(() => cleanup());

const source = (checkImages = true) => ({ format: 'agiqa3k', root: dir, checkImages });

async function problemsOf(checkImages = true) {
  const report = await validateDataset(source(checkImages));
  return report.problems;
}

describe('agiqa3kLoader', () => {
  it('reads data.csv and img/ as the authors publish them, the issue example row included', async () => {
    writeFile(
      path.join(dir, 'data.csv'),
      'name,prompt,adj1,adj2,style,mos_quality,std_quality,mos_align,std_align\r\n' +
        'AttnGAN_normal_000.jpg,statue of a man,,,,0.965602553,0.223270101,0.40889324,0.615607722\r\n' +
        'sd1.5_lowstep_000.jpg,statue of a man,,,,3.1,0.5,4.2,0.4\r\n' +
        'midjourney_lowstep_001.jpg,"a cat, sitting on a ""red"" chair",bright,,baroque,4.5,0.3,4.9,0.2\r\n',
    );
    touchImages(dir, ['img/AttnGAN_normal_000.jpg', 'img/sd1.5_lowstep_000.jpg', 'img/midjourney_lowstep_001.jpg']);
    const dataset = await loadDataset(source());
    expect(dataset.labels).toEqual(['quality', 'align']);
    expect(dataset.items[0]).toEqual({
      position: 0,
      key: 'AttnGAN_normal_000.jpg',
      imagePath: 'img/AttnGAN_normal_000.jpg',
      prompt: 'statue of a man',
      promptKey: '000',
      generator: 'AttnGAN/normal',
      mos: { quality: 0.965602553, align: 0.40889324 },
      mosStd: { quality: 0.223270101, align: 0.615607722 },
      // The digest image feature keys are built from, taken while the images are checked.
      image: { sha256: TOUCHED_IMAGE_SHA256, size: 4, mtimeMs: expect.any(Number) },
    });
    expect(dataset.items[1]).toMatchObject({ generator: 'sd1.5/lowstep', promptKey: '000' });
    expect(dataset.items[2]).toMatchObject({ prompt: 'a cat, sitting on a "red" chair', promptKey: '001', generator: 'midjourney/lowstep' });
    expect(dataset.summary).toEqual({
      rows: 3,
      prompts: 2,
      generators: { 'AttnGAN/normal': 1, 'midjourney/lowstep': 1, 'sd1.5/lowstep': 1 },
      mos: {
        quality: { min: 0.965602553, max: 4.5, mean: 2.855200851 },
        align: { min: 0.40889324, max: 4.9, mean: 3.16963108 },
      },
      missingImages: 0,
    });
    expect(dataset.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('finds images where peers keep them (image/, beside the CSV) and accepts data.csv as the root', async () => {
    const rows = agiqa3kRows(6);
    writeAgiqa3k(dir, rows, { imageDir: 'image' });
    const viaFolder = await loadDataset(source());
    expect(viaFolder.items[0].imagePath).toBe(`image/${rows[0].name}`);
    const viaFile = await loadDataset({ format: 'agiqa3k', root: path.join(dir, 'data.csv') });
    expect(viaFile.contentHash).toBe(viaFolder.contentHash);

    const beside = makeTempDir();
    try {
      writeAgiqa3k(beside.dir, rows, { imageDir: '.' });
      expect((await loadDataset({ format: 'agiqa3k', root: beside.dir })).items[0].imagePath).toBe(rows[0].name);
    } finally {
      beside.cleanup();
    }
  });

  it('inspects a dataset without its image folder, counting missing images only when asked to check', async () => {
    writeAgiqa3k(dir, agiqa3kRows(8), { images: false });
    expect(await inspectDataset(source(false))).toMatchObject({ rows: 8, prompts: 4, missingImages: 0 });
    expect(await inspectDataset(source(true))).toMatchObject({ rows: 8, missingImages: 8 });
    await expect(loadDataset(source(false))).resolves.toMatchObject({ summary: { rows: 8 } });
    await expect(loadDataset(source(true))).rejects.toThrow(/8 problems: data\.csv:2:name: image img\/AttnGAN_normal_000\.jpg not found/);
  });

  it('names the file, line and field of a missing image', async () => {
    const rows = agiqa3kRows(4);
    writeAgiqa3k(dir, rows, { images: false });
    touchImages(dir, rows.filter((_, i) => i !== 2).map((r) => `img/${r.name}`));
    expect(await problemsOf()).toEqual([{ path: 'data.csv:4:name', message: `image img/${rows[2].name} not found` }]);
  });

  it('names a duplicate name and where it first appeared', async () => {
    const rows = agiqa3kRows(4);
    rows[3] = { ...rows[3], name: rows[1].name };
    writeAgiqa3k(dir, rows);
    expect(await problemsOf()).toEqual([{ path: 'data.csv:5:name', message: `duplicate name "${rows[1].name}" (first at data.csv:3:name)` }]);
  });

  it('names a non-numeric and an out-of-range MOS, and a negative std', async () => {
    const rows = agiqa3kRows(4);
    rows[0] = { ...rows[0], mos_quality: 'n/a' };
    rows[1] = { ...rows[1], mos_align: '5.2' };
    rows[2] = { ...rows[2], std_quality: '-0.1' };
    rows[3] = { ...rows[3], mos_quality: '' };
    writeAgiqa3k(dir, rows);
    expect(await problemsOf()).toEqual([
      { path: 'data.csv:2:mos_quality', message: 'not a number: "n/a"' },
      { path: 'data.csv:3:mos_align', message: '5.2 is outside the published scale 0–5' },
      { path: 'data.csv:4:std_quality', message: 'negative standard deviation -0.1' },
      { path: 'data.csv:5:mos_quality', message: 'empty; expected a number' },
    ]);
  });

  it('rejects a wrong header, naming the first differing column', async () => {
    writeAgiqa3k(dir, agiqa3kRows(2), {
      header: ['name', 'prompt', 'adj1', 'adj2', 'style', 'mos_quality', 'std_quality', 'mos_alignment', 'std_align'],
    });
    const [problem] = await problemsOf();
    expect(problem.path).toBe('data.csv:1');
    expect(problem.message).toMatch(/^wrong header \(column 8: expected "mos_align", found "mos_alignment"\)/);
  });

  it('reports an unreadable data.csv: missing, a folder, or not UTF-8', async () => {
    expect(await problemsOf()).toEqual([{ path: 'data.csv', message: 'file not found' }]);
    mkdirSync(path.join(dir, 'data.csv'));
    expect(await problemsOf()).toEqual([{ path: 'data.csv', message: 'is a folder, expected a file' }]);
    const latin1 = makeTempDir();
    try {
      writeFileSync(path.join(latin1.dir, 'data.csv'), Buffer.concat([Buffer.from('name,prompt\nx,caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
      expect((await validateDataset({ format: 'agiqa3k', root: latin1.dir })).problems).toEqual([
        { path: 'data.csv:2', message: 'is not UTF-8 text; re-save it as "CSV UTF-8"' },
      ]);
    } finally {
      latin1.cleanup();
    }
  });

  it('rejects names that do not follow {generator}_{setting}_{index}.jpg and rows with a stray comma', async () => {
    const rows = agiqa3kRows(3);
    rows[0] = { ...rows[0], name: 'photo1.jpg' };
    writeAgiqa3k(dir, rows);
    writeFile(path.join(dir, 'data.csv'), `${readFileSync(path.join(dir, 'data.csv'), 'utf8')}extra_normal_009.jpg,a, cat,,,,1,0.1,1,0.1\r\n`);
    expect(await problemsOf()).toEqual([
      { path: 'data.csv:5', message: 'has 10 fields, the header has 9 (a prompt with a comma must be quoted)' },
      { path: 'data.csv:2:name', message: '"photo1.jpg" is not an AGIQA-3K image name ({generator}_{setting}_{index:03d}.jpg)' },
    ]);
  });

  it('reports every problem at once, and loadDataset refuses the dataset whole', async () => {
    const rows = agiqa3kRows(6);
    rows[1] = { ...rows[1], mos_quality: 'x' };
    rows[2] = { ...rows[2], mos_align: '-1' };
    rows[4] = { ...rows[4], name: rows[3].name };
    writeAgiqa3k(dir, rows, { images: false });
    touchImages(dir, rows.slice(1).map((r) => `img/${r.name}`));
    const report = await validateDataset(source());
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.path)).toEqual(['data.csv:3:mos_quality', 'data.csv:4:mos_align', 'data.csv:6:name', 'data.csv:2:name']);
    const error = await loadDataset(source()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgiqaError);
    expect((error as AgiqaError).code).toBe('invalid_input');
    expect((error as AgiqaError).details).toEqual(report.problems);
  });
});

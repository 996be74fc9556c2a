import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeMat } from '../io/mat.js';
import { FIXTURES, aigcMos, makeTempDir, TOUCHED_IMAGE_SHA256, writeAigciqa2023Csv, writeAigciqa2023Mat, writeFile } from '../testing/layouts.js';
import { loadDataset, validateDataset } from '../validate/dataset.js';
import { decomposeImageNumber } from './aigciqa2023.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = makeTempDir()));
afterEach(() => cleanup());

const load = (root = dir) => loadDataset({ format: 'aigciqa2023', root });
const problemsOf = async (root = dir) => (await validateDataset({ format: 'aigciqa2023', root })).problems;

describe(decomposeImageNumber.name, () => {
  it('follows n = 400·generator + 4·prompt + j for the full release', () => {
    expect(decomposeImageNumber(0, 100)).toEqual({ generator: 0, prompt: 0, image: 0 });
    expect(decomposeImageNumber(2399, 100)).toEqual({ generator: 5, prompt: 99, image: 3 });
    expect(decomposeImageNumber(400 * 2 + 4 * 37 + 1, 100)).toEqual({ generator: 2, prompt: 37, image: 1 });
  });
});

describe('aigciqa2023Loader', () => {
  for (const compress of [false, true]) {
    it(`reads the authors' .mat release (${compress ? 'compressed' : 'uncompressed'} elements)`, async () => {
      const { count, promptTexts } = writeAigciqa2023Mat(dir, { compress });
      const dataset = await load();
      expect(dataset.labels).toEqual(['quality', 'authenticity', 'correspondence']);
      expect(dataset.items).toHaveLength(count);
      // n = 13 with 2 prompts: generator 13 / 8 = 1 (DALLE), prompt (13 % 8) / 4 = 1, image 1.
      expect(dataset.items[13]).toEqual({
        position: 13,
        key: '13.png',
        imagePath: 'DATA/allimg/13.png',
        prompt: promptTexts[1],
        promptKey: '001',
        generator: 'DALLE',
        mos: { quality: aigcMos(13, 1), authenticity: aigcMos(13, 2), correspondence: aigcMos(13, 3) },
        mosStd: { quality: 5.3, authenticity: 5.3, correspondence: 5.3 },
        image: { sha256: TOUCHED_IMAGE_SHA256, size: 4, mtimeMs: expect.any(Number) },
      });
      expect(dataset.summary.generators).toEqual({ Controlnet: 8, DALLE: 8, Glide: 8, Lafite: 8, 'stable-diffusion': 8, Unidiffuser: 8 });
      expect(dataset.summary.prompts).toBe(2);
    });
  }

  it('reads .mat files written by SciPy', async () => {
    const plain = path.join(FIXTURES, 'mat', 'scipy_plain.mat');
    const compressed = path.join(FIXTURES, 'mat', 'scipy_compressed.mat');
    writeAigciqa2023Mat(dir, { prompts: 2 });
    // Each SciPy file holds MOSz and SD (48×1): serve it as every MOS and STD file.
    for (const label of [1, 2, 3]) {
      copyFileSync(label === 2 ? compressed : plain, path.join(dir, `DATA/MOS/mosz${label}.mat`));
      copyFileSync(label === 3 ? compressed : plain, path.join(dir, `DATA/STD/SD${label}.mat`));
    }
    const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'mat', 'scipy_values.json'), 'utf8')) as { MOSz: number[]; SD: number[] };
    const dataset = await load();
    expect(dataset.items.map((i) => i.mos.authenticity)).toEqual(expected.MOSz);
    expect(dataset.items.map((i) => i.mosStd?.correspondence)).toEqual(expected.SD);
  });

  it('reads the prompt list from the .xlsx sheet, with or without a header row', async () => {
    writeAigciqa2023Mat(dir, { promptSheet: 'xlsx-header' });
    const withHeader = await load();
    expect(withHeader.items[4].prompt).toBe('Ein Haus am See — 夕焼け');
    rmSync(path.join(dir, 'AIGCIQA2023_Prompts.xlsx'));
    writeAigciqa2023Mat(dir, { promptSheet: 'xlsx-noheader' });
    expect((await load()).contentHash).toBe(withHeader.contentHash);
  });

  it('reads the CSV repackaging and the per-generator layout to the same content as the .mat release', async () => {
    writeAigciqa2023Mat(dir, { prompts: 2 });
    const fromMat = await load();
    const flat = makeTempDir();
    const perGenerator = makeTempDir();
    try {
      writeAigciqa2023Csv(flat.dir, { prompts: 2 });
      writeAigciqa2023Csv(perGenerator.dir, { prompts: 2, perGenerator: true });
      const fromCsv = await load(flat.dir);
      const fromFolders = await load(perGenerator.dir);
      expect(fromCsv.items[13].imagePath).toBe('Image/allimg/13.png');
      expect(fromFolders.items[13]).toMatchObject({ key: '13.png', imagePath: 'DALLE/001-2.png', generator: 'DALLE', promptKey: '001' });
      // The per-generator layout stores MOS / 20; it loads back on the 0–100 MOSz scale.
      expect(fromFolders.items[13].mos.quality).toBeCloseTo(aigcMos(13, 1), 10);
      expect(fromCsv.contentHash).toBe(fromMat.contentHash);
      expect(fromFolders.contentHash).toBe(fromMat.contentHash);
    } finally {
      flat.cleanup();
      perGenerator.cleanup();
    }
  });

  it('refuses a -v7.3 MOS file and a file without MOSz, naming each file', async () => {
    writeAigciqa2023Mat(dir);
    const v73 = Buffer.alloc(1024);
    v73.write('MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 .', 0, 'latin1');
    v73.writeUInt16LE(0x0200, 124);
    v73.write('IM', 126, 'latin1');
    writeFile(path.join(dir, 'DATA/MOS/mosz2.mat'), v73);
    writeFile(path.join(dir, 'DATA/MOS/mosz3.mat'), writeMat([{ name: 'MOS', rows: 48, cols: 1, data: new Array(48).fill(50) }]));
    expect(await problemsOf()).toEqual([
      { path: 'DATA/MOS/mosz2.mat', message: 'saved with -v7.3 (an HDF5 container); re-save with -v7 (`save(f, "MOSz", "-v7")`) or convert to CSV' },
      { path: 'DATA/MOS/mosz3.mat', message: 'has no variable "MOSz"; variables present: MOS (48×1 double)' },
    ]);
  });

  it('names the .mat row of an out-of-range MOS and a missing image', async () => {
    writeAigciqa2023Mat(dir);
    const mos = Array.from({ length: 48 }, (_, n) => aigcMos(n, 1));
    mos[5] = 140;
    writeFile(path.join(dir, 'DATA/MOS/mosz1.mat'), writeMat([{ name: 'MOSz', rows: 48, cols: 1, data: mos }], { compress: true }));
    rmSync(path.join(dir, 'DATA/allimg/47.png'));
    expect(await problemsOf()).toEqual([
      { path: 'DATA/MOS/mosz1.mat:6:MOSz', message: '140 is outside the published scale 0–100' },
      { path: 'DATA/MOS/mosz1.mat:48:MOSz', message: 'image DATA/allimg/47.png not found' },
    ]);
  });

  it('checks the MOS files against each other and against the prompt list', async () => {
    writeAigciqa2023Mat(dir, { prompts: 3 });
    writeFile(path.join(dir, 'DATA/MOS/mosz2.mat'), writeMat([{ name: 'MOSz', rows: 70, cols: 1, data: new Array(70).fill(50) }]));
    writeFile(path.join(dir, 'AIGCIQA2023_Prompts.csv'), 'prompt,style,class\na,b,c\nd,e,f\n');
    expect(await problemsOf()).toEqual([
      { path: 'DATA/MOS/mosz2.mat:MOSz', message: 'has 70 values; DATA/MOS/mosz1.mat has 72' },
      { path: 'AIGCIQA2023_Prompts.csv', message: 'lists 2 prompts; the MOS files hold 72 = 6 generators × 3 prompts × 4 images, so 3 are needed' },
    ]);
  });

  it('names the line and field of bad CSV rows, on the scale the file uses', async () => {
    writeAigciqa2023Csv(dir, { perGenerator: true });
    const file = path.join(dir, 'AIGCIQA2023_per_generator.csv');
    const lines = readFileSync(file, 'utf8').split('\n');
    const cells = (i: number) => lines[i].split(',');
    const replace = (i: number, column: number, value: string) => {
      const c = cells(i);
      // Column indexes count the quoted prompt's comma as two cells; rebuild around it.
      c[column] = value;
      lines[i] = c.join(',');
    };
    replace(2, 6, '6'); // quality_mos (0–5 in this layout)
    replace(3, 7, 'abc'); // authenticity_mos
    replace(4, 1, 'Imagen/000-1.png'); // name
    lines[5] = lines[5].replace(/^(\d+),[^,]+/, '$1,Controlnet/000-1.png'); // duplicate of line 2's image
    writeFile(file, lines.join('\n'));
    expect(await problemsOf()).toEqual([
      { path: 'AIGCIQA2023_per_generator.csv:3:quality_mos', message: '6 is outside the published scale 0–5' },
      { path: 'AIGCIQA2023_per_generator.csv:4:authenticity_mos', message: 'not a number: "abc"' },
      { path: 'AIGCIQA2023_per_generator.csv:5:name', message: 'unknown generator folder "Imagen"; expected one of Controlnet, DALLE, Glide, Lafite, stable-diffusion, Unidiffuser' },
      { path: 'AIGCIQA2023_per_generator.csv:6:name', message: 'duplicate name "0.png" (first at AIGCIQA2023_per_generator.csv:2:name)' },
    ]);
  });

  it('rejects a CSV whose header lacks the MOS columns, and a folder with no known layout', async () => {
    expect(await problemsOf()).toEqual([
      {
        path: 'DATA/MOS/mosz1.mat',
        message: expect.stringMatching(/^no AIGCIQA2023 layout found/),
      },
    ]);
    writeFile(path.join(dir, 'scores.csv'), 'name,prompt,quality_mos\n0.png,a,50\n');
    expect(await validateDataset({ format: 'aigciqa2023', root: path.join(dir, 'scores.csv') })).toMatchObject({
      ok: false,
      problems: [{ path: 'scores.csv:1', message: expect.stringMatching(/^wrong header: missing authenticity_mos, correspondence_mos/) }],
    });
  });
});

import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES, makeTempDir, touchImages, TOUCHED_IMAGE_SHA256, writeFile } from '../testing/layouts.js';
import { loadDataset, validateDataset } from '../validate/dataset.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = makeTempDir()));
afterEach(() => cleanup());

const problemsOf = async (root = dir) => (await validateDataset({ format: 'manifest', root })).problems;

/** A PKU-I2IQA-like table as the authors' annotation sheet names its columns. */
function writePkuLike(options: { badSplit?: boolean } = {}) {
  const rows = ['image_prompt,text_prompt,generated_image,model,mos_q,mos_a,mos_c,unused'];
  const images: string[] = [];
  for (let i = 0; i < 8; i++) {
    const model = i % 2 === 0 ? 'MJ' : 'SD';
    const name = `${model}_${i}.png`;
    images.push(`Generated_image/All/${name}`, `Image_prompt/src_${i >> 1}.png`);
    rows.push(`src_${i >> 1}.png,"a house, at dusk ${i >> 1}",${name},${model},${50 + i},${60 - i},${40 + i * 2},x`);
  }
  writeFile(path.join(dir, 'I2IQA_annotation.csv'), rows.join('\n') + '\n');
  touchImages(dir, images);
  writeFile(
    path.join(dir, 'manifest.json'),
    JSON.stringify({
      version: 1,
      name: 'PKU-I2IQA (sample)',
      table: 'I2IQA_annotation.csv',
      columns: {
        image: 'generated_image',
        source: 'image_prompt',
        prompt: 'text_prompt',
        generator: 'model',
        mos: { quality: 'mos_q', authenticity: 'mos_a', consistency: 'mos_c' },
      },
      imageDir: 'Generated_image/All',
      sourceDir: 'Image_prompt',
      scales: { quality: [0, 100], authenticity: [0, 100], consistency: [0, 100] },
      splits: 'splits',
    }),
  );
  // Peers' split files: path, MOS and prompt separated by tabs.
  const line = (i: number) => `Generated_image/All/${i % 2 === 0 ? 'MJ' : 'SD'}_${i}.png\t${50 + i}\ta house`;
  writeFile(path.join(dir, 'splits/1/train.txt'), [0, 1, 2, 3, 4, 5].map(line).join('\n') + '\n');
  writeFile(path.join(dir, 'splits/1/test.txt'), [6, 7].map(line).join('\n') + (options.badSplit ? '\nGenerated_image/All/XX_9.png\t1\tx\n' : '\n'));
  writeFile(path.join(dir, 'splits/2/train.txt'), [2, 3, 4, 5, 6, 7].map(line).join('\n'));
  writeFile(path.join(dir, 'splits/2/test.txt'), [0, 1].map(line).join('\n'));
}

describe('manifestLoader', () => {
  it('reads a CSV manifest with source images, settings, several MOS labels and stds', async () => {
    writeFile(
      path.join(dir, 'manifest.csv'),
      'image,source,prompt,prompt_key,generator,setting,mos_quality,std_quality,mos_consistency\n' +
        'out/a.png,src/1.png,"a red car, parked",p1,sd15,img2img,3.5,0.4,4\n' +
        'out/b.png,src/1.png,"a red car, parked",p1,mj,,2.5,,3\n',
    );
    touchImages(dir, ['out/a.png', 'out/b.png', 'src/1.png']);
    const dataset = await loadDataset({ format: 'manifest', root: dir });
    const image = { sha256: TOUCHED_IMAGE_SHA256, size: 4, mtimeMs: expect.any(Number) };
    expect(dataset.labels).toEqual(['quality', 'consistency']);
    expect(dataset.items).toEqual([
      { position: 0, key: 'out/a.png', imagePath: 'out/a.png', sourcePath: 'src/1.png', prompt: 'a red car, parked', promptKey: 'p1', generator: 'sd15/img2img', mos: { quality: 3.5, consistency: 4 }, mosStd: { quality: 0.4 }, image },
      { position: 1, key: 'out/b.png', imagePath: 'out/b.png', sourcePath: 'src/1.png', prompt: 'a red car, parked', promptKey: 'p1', generator: 'mj', mos: { quality: 2.5, consistency: 3 }, image },
    ]);
    const viaFile = await loadDataset({ format: 'manifest', root: path.join(dir, 'manifest.csv') });
    expect(viaFile.contentHash).toBe(dataset.contentHash);
  });

  it('reads a JSON manifest over the authors\' table with a column mapping, and its split lists', async () => {
    writePkuLike();
    const dataset = await loadDataset({ format: 'manifest', root: dir });
    expect(dataset.labels).toEqual(['quality', 'authenticity', 'consistency']);
    expect(dataset.items[3]).toEqual({
      position: 3,
      key: 'SD_3.png',
      imagePath: 'Generated_image/All/SD_3.png',
      sourcePath: 'Image_prompt/src_1.png',
      prompt: 'a house, at dusk 1',
      promptKey: 'a house, at dusk 1',
      generator: 'SD',
      mos: { quality: 53, authenticity: 57, consistency: 46 },
      image: { sha256: TOUCHED_IMAGE_SHA256, size: 4, mtimeMs: expect.any(Number) },
    });
    expect(dataset.summary.generators).toEqual({ MJ: 4, SD: 4 });
    expect(dataset.splitFiles).toEqual({ dir: 'splits', folds: [1, 2] });
  });

  it('reads inline JSON items and checks them against the declared scales', async () => {
    writeFile(
      path.join(dir, 'data.json'),
      JSON.stringify({
        scales: { quality: [1, 5] },
        items: [
          { image: 'a.png', prompt: 'one', mos: { quality: 4.5 }, generator: 'g1' },
          { image: 'b.png', prompt: 'two', mos: { quality: 5.5 } },
          { image: '/abs/c.png', prompt: 'three', mos: { quality: 2 } },
          { image: 'd.png', prompt: '', mos: { quality: 2 } },
          { image: 'e.png', prompt: 'five', mos: { align: 2 } },
        ],
      }),
    );
    touchImages(dir, ['a.png', 'b.png', 'd.png', 'e.png']);
    expect(await problemsOf(path.join(dir, 'data.json'))).toEqual([
      { path: 'data.json:items[3]:prompt', message: 'empty prompt' },
      { path: 'data.json:items[0]:mos.align', message: 'missing MOS "align" (other items have it)' },
      { path: 'data.json:items[1]:mos.quality', message: '5.5 is outside the published scale 1–5' },
      { path: 'data.json:items[1]:mos.align', message: 'missing MOS "align" (other items have it)' },
      { path: 'data.json:items[2]:image', message: '"/abs/c.png" is absolute; paths are relative to the manifest\'s folder' },
      { path: 'data.json:items[2]:mos.align', message: 'missing MOS "align" (other items have it)' },
      { path: 'data.json:items[4]:mos.quality', message: 'missing MOS "quality" (other items have it)' },
    ]);
  });

  it('rejects unknown columns, a malformed JSON manifest and invalid JSON', async () => {
    writeFile(path.join(dir, 'manifest.csv'), 'image,prompt,mos quality\na.png,x,3\n');
    expect(await problemsOf()).toEqual([
      { path: 'manifest.csv:1', message: expect.stringMatching(/^wrong header: unknown column "mos quality"; no MOS column/) },
    ]);
    writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ table: 'manifest.csv', items: [], colums: {} }));
    expect(await problemsOf()).toEqual([
      { path: 'manifest.json', message: 'Unrecognized key: "colums"' },
      { path: 'manifest.json:items', message: 'give exactly one of "table" or "items"' },
    ]);
    writeFile(path.join(dir, 'manifest.json'), '{ "items": [ }');
    expect(await problemsOf()).toEqual([{ path: 'manifest.json', message: expect.stringMatching(/^is not valid JSON/) }]);
  });

  it('names the split-list line that points at no image', async () => {
    writePkuLike({ badSplit: true });
    expect(await problemsOf()).toEqual([{ path: 'splits/1/test.txt:3', message: 'no image "Generated_image/All/XX_9.png" in the dataset' }]);
  });

  it('names a missing source image and a non-numeric MOS cell', async () => {
    writePkuLike();
    const file = path.join(dir, 'I2IQA_annotation.csv');
    writeFile(file, readFileSync(file, 'utf8').replace('SD_3.png,SD,53', 'SD_3.png,SD,fifty'));
    rmSync(path.join(dir, 'Image_prompt/src_0.png'));
    expect(await problemsOf()).toEqual([
      { path: 'I2IQA_annotation.csv:5:mos_q', message: 'not a number: "fifty"' },
      { path: 'I2IQA_annotation.csv:2:source', message: 'source image Image_prompt/src_0.png not found' },
      { path: 'I2IQA_annotation.csv:3:source', message: 'source image Image_prompt/src_0.png not found' },
    ]);
  });
});

describe('manifestLoader over an .xlsx table', () => {
  it('reads the first sheet through a column mapping, naming sheet rows in problems', async () => {
    copyFileSync(path.join(FIXTURES, 'xlsx', 'cells_shared.xlsx'), path.join(dir, 'scores.xlsx'));
    writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ table: 'scores.xlsx', columns: { image: 'name', prompt: 'note', mos: { quality: 'mos' } } }));
    touchImages(dir, ['1.png', '2.png', 'after a blank row']);
    expect(await problemsOf()).toEqual([{ path: 'scores.xlsx:5:note', message: 'empty prompt' }]);
    writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ table: 'scores.xlsx', columns: { image: 'name', prompt: 'name', mos: { quality: 'mos' } } }));
    const dataset = await loadDataset({ format: 'manifest', root: dir });
    expect(dataset.items.map((i) => [i.key, i.mos.quality])).toEqual([
      ['1.png', 3.25],
      ['2.png', 42],
      ['after a blank row', -0.001],
    ]);
  });
});

import path from 'node:path';
import type { DatasetItemRecord } from '@agiqa/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, writeFile } from '../testing/layouts.js';
import { listSplitFolds, splitFromFiles } from './files.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = makeTempDir()));
afterEach(() => cleanup());

const items: DatasetItemRecord[] = Array.from({ length: 8 }, (_, i) => ({
  position: i,
  key: `img_${i}.png`,
  imagePath: `Generated_image/All/img_${i}.png`,
  prompt: `prompt ${i >> 1}`,
  promptKey: `p${i >> 1}`,
  generator: i % 2 ? 'SD' : 'MJ',
  mos: { quality: i },
}));

describe(splitFromFiles.name, () => {
  it('reads PKU-I2IQA style lists: tab-separated lines, references by path, key or file name', async () => {
    writeFile(path.join(dir, '3/train.txt'), 'Generated_image/All/img_0.png\t3.2\ta prompt\nimg_1.png\n/data/I2IQA/Generated_image/All/img_2.png\t1\tx\nimg_3.png\nimg_4.png\r\nimg_5.png\n\n');
    writeFile(path.join(dir, '3/val.txt'), 'img_6.png\n');
    writeFile(path.join(dir, '3/test.txt'), 'img_7.png\n');
    const split = await splitFromFiles({ items, dir, fold: 3 });
    expect(split).toMatchObject({
      unit: 'image',
      trainRatio: 0.75,
      valRatio: 0.125,
      seed: 0,
      repeat: 3,
      trainKeys: ['img_0.png', 'img_1.png', 'img_2.png', 'img_3.png', 'img_4.png', 'img_5.png'],
      valKeys: ['img_6.png'],
      testKeys: ['img_7.png'],
      overlapPrompts: 0,
    });
    expect(split.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await listSplitFolds(dir)).toEqual([3]);
  });

  it('lists every problem with its file and line', async () => {
    writeFile(path.join(dir, '1/train.txt'), 'img_0.png\nimg_1.png\nnope.png\nimg_2.png\n');
    writeFile(path.join(dir, '1/test.txt'), 'img_3.png\nimg_1.png\n');
    const error: unknown = await splitFromFiles({ items, dir, fold: 1 }).catch((e: unknown) => e);
    expect((error as { details: unknown }).details).toEqual([
      { path: '1/train.txt:3', message: 'no image "nope.png" in the dataset' },
      { path: '1/test.txt:2', message: '"img_1.png" is already listed at 1/train.txt:2' },
    ]);
  });

  it('requires every image on some side', async () => {
    writeFile(path.join(dir, '1/train.txt'), 'img_0.png\nimg_1.png\n');
    writeFile(path.join(dir, '1/test.txt'), 'img_2.png\n');
    await expect(splitFromFiles({ items, dir, fold: 1 })).rejects.toThrow(/1\/: 5 image\(s\) are on no side, e\.g\. img_3\.png, img_4\.png, img_5\.png/);
  });

  it('reports a missing fold', async () => {
    await expect(splitFromFiles({ items, dir, fold: 9 })).rejects.toThrow(/9\/train\.txt: file not found/);
  });
});

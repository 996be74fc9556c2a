import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, writeFile } from '../testing/layouts.js';
import { validateDataset } from './dataset.js';
import { checkStorable } from './storable.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = makeTempDir()));
afterEach(() => cleanup());

/** A JSON manifest with inline items (JSON can carry NUL and lone surrogates as escapes). */
function writeManifest(items: Record<string, unknown>[]): void {
  writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ version: 1, items }));
}

const item = (i: number, extra: Record<string, unknown> = {}) => ({ image: `img_${i}.png`, prompt: `a prompt ${i}`, generator: 'gen', mos: { quality: 3 }, ...extra });

describe(checkStorable.name, () => {
  it('reports text the database cannot store at the item and field, so that validation refuses what registration would', async () => {
    writeManifest([
      item(0, { prompt: 'a cat\u0000 on a mat' }),
      item(1, { generator: 'gen\ud800' }),
      item(2, { key: 'k'.repeat(2_100) }),
      item(3),
    ]);
    const report = await validateDataset({ format: 'manifest', root: dir, checkImages: false });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      { path: 'manifest.json:items[0]:prompt', message: 'prompt has a NUL character; the database cannot store it' },
      { path: 'manifest.json:items[1]:generator', message: 'generator has a lone surrogate (not valid Unicode); the database cannot store it' },
      { path: 'manifest.json:items[2]:key', message: 'key has 2100 bytes, more than the 2000 an indexed value may have; the database cannot store it' },
    ]);
  });

  it('accepts any well-formed Unicode, astral characters included', async () => {
    writeManifest([item(0, { prompt: 'un chat 🐈 sur le tapis, 猫' }), item(1, { key: 'ключ' })]);
    expect((await validateDataset({ format: 'manifest', root: dir, checkImages: false })).problems).toEqual([]);
  });
});

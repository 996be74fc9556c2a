import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AgiqaError } from '@agiqa/contracts';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGIQA3K_HEADER } from '../loaders/agiqa3k.js';
import { makeTempDir } from '../testing/layouts.js';
import { loadDataset } from '../validate/dataset.js';
import { promptText } from './prompts.js';
import { synthesizeDataset, type SynthesizeResult } from './synthesize.js';

/** Spearman rank correlation (no ties in these continuous values). */
function spearman(a: readonly number[], b: readonly number[]): number {
  const ranks = (v: readonly number[]) => {
    const order = v.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(v.length);
    order.forEach(([, i], k) => (r[i] = k));
    return r;
  };
  const ra = ranks(a);
  const rb = ranks(b);
  const n = a.length;
  const d2 = ra.reduce((acc, r, i) => acc + (r - rb[i]) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

const temp = makeTempDir('agiqa-synth-');
let first: SynthesizeResult;
beforeAll(async () => {
  first = await synthesizeDataset({ outDir: path.join(temp.dir, 'a'), images: 60, seed: 7 });
});
afterAll(() => temp.cleanup());

describe(synthesizeDataset.name, () => {
  it('writes an AGIQA-3K-layout folder that the AGIQA-3K loader reads', async () => {
    const csv = readFileSync(first.csvPath, 'utf8');
    expect(csv.split('\n')[0]).toBe(AGIQA3K_HEADER.join(','));
    const dataset = await loadDataset({ format: 'agiqa3k', root: path.join(temp.dir, 'a') });
    expect(dataset.summary.rows).toBe(60);
    expect(dataset.summary.prompts).toBe(6);
    expect(Object.keys(dataset.summary.generators)).toHaveLength(10);
    expect(dataset.items[0]).toMatchObject({ key: 'sketchgan_normal_000.jpg', imagePath: 'img/sketchgan_normal_000.jpg', promptKey: '000', generator: 'sketchgan/normal' });
    expect(dataset.items[0].prompt).toMatch(/^(one|two|three|four|five) (small |large )?(red|green|blue|yellow|purple|orange) (circle|square|triangle|star)s? on a \w+ background$/);
    const meta = await sharp(path.join(temp.dir, 'a', dataset.items[17].imagePath)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 224, 224]);
  });

  it('is deterministic: same seed, same CSV and same pixels; another seed differs', async () => {
    const progress: number[] = [];
    const again = await synthesizeDataset({ outDir: path.join(temp.dir, 'b'), images: 60, seed: 7, onProgress: (done, total) => progress.push(done / total) });
    expect(readFileSync(again.csvPath, 'utf8')).toBe(readFileSync(first.csvPath, 'utf8'));
    // Progress is reported along the way, never goes back, and ends at all images written.
    expect(progress.length).toBeGreaterThan(10);
    expect(progress.every((p, i) => i === 0 || p >= progress[i - 1])).toBe(true);
    expect(progress.at(-1)).toBe(1);
    expect(again.pixelsHash).toBe(first.pixelsHash);
    const other = await synthesizeDataset({ outDir: path.join(temp.dir, 'c'), images: 60, seed: 8 });
    expect(other.pixelsHash).not.toBe(first.pixelsHash);
    expect(readFileSync(other.csvPath, 'utf8')).not.toBe(readFileSync(first.csvPath, 'utf8'));
  });

  it('sets mos_quality from the hidden strength and lowers mos_align for contradicting images', () => {
    const { images } = first;
    expect(spearman(images.map((i) => i.strength), images.map((i) => i.mosQuality))).toBeLessThan(-0.9);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const contradicting = images.filter((i) => i.contradiction !== null);
    const matching = images.filter((i) => i.contradiction === null);
    expect(contradicting.length).toBeGreaterThan(3);
    expect(mean(matching.map((i) => i.mosAlign)) - mean(contradicting.map((i) => i.mosAlign))).toBeGreaterThan(1.5);
    // A matching image draws exactly what its prompt says; a contradicting one does not.
    for (const image of images) expect(promptText(image.drawn) === image.prompt).toBe(image.contradiction === null);
  });

  it('rejects sizes outside 50–3,000 naming --images, and a bad seed naming --seed', async () => {
    for (const images of [49, 3001, 75.5]) {
      const error = await synthesizeDataset({ outDir: path.join(temp.dir, 'bad'), images, seed: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AgiqaError);
      expect((error as AgiqaError).details).toEqual([{ path: '--images', message: `must be an integer from 50 to 3,000 (got ${images})` }]);
    }
    await expect(synthesizeDataset({ outDir: path.join(temp.dir, 'bad'), images: 50, seed: -2 })).rejects.toThrow(/--seed must be an integer ≥ 0/);
  });

  it('refuses to overwrite a dataset unless asked to', async () => {
    const out = path.join(temp.dir, 'existing');
    await synthesizeDataset({ outDir: out, images: 50, seed: 1 });
    await expect(synthesizeDataset({ outDir: out, images: 50, seed: 2 })).rejects.toThrow(/already holds a dataset \(data\.csv, img, synthetic\.json\)/);
    writeFileSync(path.join(out, 'img', 'stale.jpg'), 'x');
    const replaced = await synthesizeDataset({ outDir: out, images: 50, seed: 2, overwrite: true });
    expect(replaced.count).toBe(50);
    await expect(loadDataset({ format: 'agiqa3k', root: out })).resolves.toMatchObject({ summary: { rows: 50 } });
  });
});

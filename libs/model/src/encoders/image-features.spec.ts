import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { clipReference, fixturePath, maxAbsDiff } from './fixtures.js';
import { imageDatasetHash } from './cache.js';
import { extractImageFeatures, openImageFeatures } from './image-features.js';
import { FIXTURES_DIR, resolveEncoder } from './registry.js';
import { releaseEncoders } from './runtime.js';

const encoder = resolveEncoder('tiny-clip', { threads: 1 });
const reference = clipReference();
const roots: string[] = [];
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'agiqa-image-features-'));
  roots.push(dir);
});
afterAll(async () => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
  await releaseEncoders();
});

const square = fixturePath('images/square-32.png');
const wide = fixturePath('images/wide-80x48.png');

describe(extractImageFeatures.name, () => {
  it('encodes a file listed under several keys once and stores a row per key', async () => {
    const images = [
      { key: 'x', path: square },
      { key: 'y', path: wide },
      { key: 'z', path: square },
    ];
    const info = await extractImageFeatures({ encoder, images, cacheDir: dir, datasetHash: 'i1' });
    expect(info).toMatchObject({ cached: false, encoded: 2, count: 3, unique: 2, pooled: true });
    const reader = await openImageFeatures(info.uri);
    expect(reader.vector('x', 'pooled')).toEqual(reader.vector('z', 'pooled'));
    const matrix = reader.matrix(['y', 'x'], 'projected');
    expect(matrix.length).toBe(2 * reader.dimOf('projected'));
    expect(matrix.subarray(16)).toEqual(reader.vector('x', 'projected'));
    const again = await extractImageFeatures({ encoder, images, cacheDir: dir, datasetHash: 'i1' });
    expect(again).toMatchObject({ cached: true, encoded: 0, key: info.key });
  });

  it('names the file that cannot be decoded', async () => {
    const broken = join(dir, 'broken.png');
    writeFileSync(broken, 'not a png at all');
    const images = [
      { key: 'ok', path: square },
      { key: 'bad', path: broken },
    ];
    await expect(extractImageFeatures({ encoder, images, cacheDir: dir, datasetHash: 'i2' })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining(broken),
      details: [{ path: broken }],
    });
  });

  it('keys images by their bytes: a dataset moved to another folder hits the cache, other bytes make another key', async () => {
    const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
    const moved = join(dir, 'moved.png');
    copyFileSync(square, moved);
    const at = (path: string) => [{ key: 'x', path, sha256: sha(square) }];
    const datasetHash = imageDatasetHash('content', at(square));
    const info = await extractImageFeatures({ encoder, images: at(square), cacheDir: dir, datasetHash });
    expect(await extractImageFeatures({ encoder, images: at(moved), cacheDir: dir, datasetHash })).toMatchObject({ cached: true, key: info.key });
    expect(imageDatasetHash('content', [{ key: 'x', sha256: sha(wide) }])).not.toBe(datasetHash);
    expect(imageDatasetHash('content', [{ key: 'x', sha256: sha(square) }])).toBe(datasetHash);
  });

  it('names the file that does not exist', async () => {
    const missing = join(dir, 'missing.jpg');
    await expect(extractImageFeatures({ encoder, images: [{ key: 'm', path: missing }], cacheDir: dir, datasetHash: 'i3' })).rejects.toThrow(
      `image ${missing}: cannot be read (ENOENT)`,
    );
  });

  it('stores projected features only for a vision graph without pooler_output, and says so when pooled ones are asked for', async () => {
    const xenovaLayout = resolveEncoder('tiny-clip', { overrides: { 'tiny-clip': join(FIXTURES_DIR, 'tiny-clip-no-pooler') }, threads: 1 });
    const images = reference.images.slice(0, 2).map((image) => ({ key: image.file, path: fixturePath(image.file) }));
    const info = await extractImageFeatures({ encoder: xenovaLayout, images, cacheDir: dir, datasetHash: 'i4' });
    expect(info.pooled).toBe(false);
    const reader = await openImageFeatures(info.uri);
    expect(maxAbsDiff(reader.vector(images[0].key, 'projected'), reference.images[0].image_embeds.data)).toBeLessThan(1e-4);
    expect(() => reader.vector(images[0].key, 'pooled')).toThrow(/no pooled vectors.*head\.imageFeature "projected".*tools\/export_encoder_onnx\.py/);
  });

  it('rejects a text encoder', async () => {
    await expect(
      extractImageFeatures({ encoder: resolveEncoder('tiny-bert'), images: [{ key: 'a', path: square }], cacheDir: dir, datasetHash: 'i5' }),
    ).rejects.toThrow('tiny-bert is not an image encoder');
  });
});

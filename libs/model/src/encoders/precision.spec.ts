import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgiqaError } from '@agiqa/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { featureKey, preprocessingFor } from './cache.js';
import { fixturePath, maxAbsDiff } from './fixtures.js';
import { extractImageFeatures, openImageFeatures } from './image-features.js';
import { decodeImage, decodeResized, parseImagePreprocessing, preprocessInto } from './image-preprocess.js';
import { FIXTURES_DIR, resolveEncoder } from './registry.js';
import { loadedEncoders, releaseEncoders, sessionOptions } from './runtime.js';
import { extractTextFeatures, openTextFeatures } from './text-features.js';

// Feature settings a grid chooses (`features.dtype`, `features.resize`) and the worker's runtime
// settings (threads, spinning): the first change features and so their keys; the second do not.

const scratch = mkdtempSync(join(tmpdir(), 'agiqa-precision-'));
afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await releaseEncoders();
});

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

describe('encoder dtype q8', () => {
  it('resolves the quantised graphs, with a fingerprint of its own', () => {
    const fp32 = resolveEncoder('tiny-bert');
    const q8 = resolveEncoder('tiny-bert', { dtype: 'q8' });
    expect(q8).toMatchObject({ dtype: 'q8', location: fp32.location });
    expect(q8.fingerprint).not.toBe(fp32.fingerprint);
    expect(resolveEncoder('tiny-clip', { dtype: 'q8' }).fingerprint).not.toBe(resolveEncoder('tiny-clip').fingerprint);
  });

  it('names the quantised file a folder lacks, and how to write it', () => {
    const folder = join(scratch, 'no-q8');
    cpSync(join(FIXTURES_DIR, 'tiny-bert'), folder, { recursive: true });
    unlinkSync(join(folder, 'onnx', 'model_quantized.onnx'));
    expect(resolveEncoder('tiny-bert', { overrides: { 'tiny-bert': folder } }).dtype).toBe('fp32');
    let error: unknown;
    try {
      resolveEncoder('tiny-bert', { overrides: { 'tiny-bert': folder }, dtype: 'q8' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AgiqaError);
    expect((error as AgiqaError).message).toMatch(/lacks onnx\/model_quantized\.onnx .*--q8/);
  });

  it('rejects a dtype or resize it does not know, listing the valid ones', () => {
    expect(() => resolveEncoder('tiny-bert', { dtype: 'fp16' as never })).toThrow('unknown encoder dtype "fp16": valid values are fp32, q8');
    expect(() => resolveEncoder('tiny-clip', { imageResize: 'nearest' as never })).toThrow('valid values are pillow, libvips');
  });

  it('extracts text features close to fp32 but not equal, recorded as q8', async () => {
    const prompts = [
      { key: 'a', text: 'a red circle on a white background' },
      { key: 'b', text: 'Three blue triangles and two yellow squares, oil painting, highly detailed' },
    ];
    const common = { prompts, cacheDir: join(scratch, 'text'), datasetHash: 'q8-text' };
    const fp32 = await extractTextFeatures({ ...common, encoder: resolveEncoder('tiny-bert', { threads: 1 }) });
    const q8 = await extractTextFeatures({ ...common, encoder: resolveEncoder('tiny-bert', { threads: 1, dtype: 'q8' }) });
    expect(q8.key).not.toBe(fp32.key);
    expect(q8.dtype).toBe('q8');
    const [a, b] = await Promise.all([openTextFeatures(fp32.uri), openTextFeatures(q8.uri)]);
    expect(b.meta.dtype).toBe('q8');
    for (const { key } of prompts) {
      expect(cosine(a.get(key).data, b.get(key).data)).toBeGreaterThan(0.95);
      // The quantised graph ran: the same fp32 graph gives the same floats; q8 moves them (~1e-3 here).
      expect(maxAbsDiff(a.get(key).data, b.get(key).data)).toBeGreaterThan(1e-5);
    }
  });

  it('extracts image features close to fp32 but not equal', async () => {
    const images = ['square-32.png', 'wide-80x48.png'].map((f, i) => ({ key: `i${i}`, path: fixturePath(`images/${f}`) }));
    const common = { images, cacheDir: join(scratch, 'image'), datasetHash: 'q8-image' };
    const fp32 = await openImageFeatures((await extractImageFeatures({ ...common, encoder: resolveEncoder('tiny-clip', { threads: 1 }) })).uri);
    const q8 = await openImageFeatures((await extractImageFeatures({ ...common, encoder: resolveEncoder('tiny-clip', { threads: 1, dtype: 'q8' }) })).uri);
    for (const { key } of images) {
      expect(cosine(fp32.vector(key, 'pooled'), q8.vector(key, 'pooled'))).toBeGreaterThan(0.95);
      expect(maxAbsDiff(fp32.vector(key, 'pooled'), q8.vector(key, 'pooled'))).toBeGreaterThan(1e-5);
    }
  });
});

describe('image resize libvips', () => {
  it('changes the feature key and records the resize; threads and spinning change neither', () => {
    const pillow = resolveEncoder('tiny-clip');
    const libvips = resolveEncoder('tiny-clip', { imageResize: 'libvips' });
    const key = (e: typeof pillow) => featureKey(e, 'image', preprocessingFor(e, 'image'), 'h');
    expect(preprocessingFor(libvips, 'image').resize).toBe('libvips');
    expect(key(libvips)).not.toBe(key(pillow));
    expect(key(resolveEncoder('tiny-clip', { threads: 3, spinning: true }))).toBe(key(pillow));
    expect(resolveEncoder('tiny-bert', { imageResize: 'libvips' }).imageResize).toBeNull();
  });

  it('decodes, resizes and crops to the model input in sharp, close to the Pillow-exact path', async () => {
    const p = parseImagePreprocessing(
      JSON.parse(readFileSync(join(FIXTURES_DIR, 'tiny-clip', 'preprocessor_config.json'), 'utf8')) as Record<string, unknown>,
    );
    const path = fixturePath('images/wide-80x48.png');
    const resized = await decodeResized(path, p);
    expect([resized.width, resized.height]).toEqual([224, 224]);
    const size = 3 * 224 * 224;
    const exact = new Float32Array(size);
    const fast = new Float32Array(size);
    preprocessInto(await decodeImage(path), p, exact);
    preprocessInto(resized, { ...p, resize: null }, fast);
    let diff = 0;
    for (let i = 0; i < size; i++) diff += Math.abs(exact[i] - fast[i]);
    // Mean |Δ| in normalised units (1/255 / std ≈ 0.014 per grey level): a few grey levels at most.
    expect(diff / size).toBeGreaterThan(0);
    expect(diff / size).toBeLessThan(0.1);
  });
});

describe(sessionOptions.name, () => {
  it('sets the thread count when given and keeps idle threads from spinning unless asked', () => {
    expect(sessionOptions({ threads: 2, spinning: false })).toEqual({
      intraOpNumThreads: 2,
      interOpNumThreads: 1,
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
    expect(sessionOptions({ threads: null, spinning: true })).toEqual({
      extra: { session: { intra_op: { allow_spinning: '1' }, inter_op: { allow_spinning: '1' } } },
    });
  });
});

describe('random-weights marker', () => {
  it('is read from config.json and recorded with the features', async () => {
    const folder = join(scratch, 'random');
    cpSync(join(FIXTURES_DIR, 'tiny-bert'), folder, { recursive: true });
    const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(folder, 'config.json'), JSON.stringify({ ...config, agiqa_random_weights: true }));
    const encoder = resolveEncoder('tiny-bert', { overrides: { 'tiny-bert': folder }, threads: 1 });
    expect(encoder.randomWeights).toBe(true);
    expect(resolveEncoder('tiny-bert').randomWeights).toBe(false);
    const info = await extractTextFeatures({ encoder, prompts: [{ key: 'a', text: 'a cat' }], cacheDir: join(scratch, 'random-cache'), datasetHash: 'r' });
    expect((await openTextFeatures(info.uri)).meta.encoder.randomWeights).toBe(true);
  });
});

describe('extraction with release', () => {
  it('encodes with a session of its own and leaves none loaded, with the features a shared session gives', async () => {
    // threads: 2 is used by no other test here, so the shared session below is this test's own.
    const encoder = resolveEncoder('tiny-distilbert', { threads: 2 });
    const prompts = [{ key: 'a', text: 'two green stars on a gray background' }];
    const before = loadedEncoders();
    const released = await extractTextFeatures({ encoder, prompts, cacheDir: join(scratch, 'released'), datasetHash: 'rel', release: true });
    expect(loadedEncoders()).toBe(before);
    const shared = await extractTextFeatures({ encoder, prompts, cacheDir: join(scratch, 'shared'), datasetHash: 'rel' });
    expect(loadedEncoders()).toBe(before + 1);
    const [a, b] = await Promise.all([openTextFeatures(released.uri), openTextFeatures(shared.uri)]);
    expect(a.get('a').data).toEqual(b.get('a').data);

    const image = resolveEncoder('tiny-clip', { threads: 2 });
    await extractImageFeatures({ encoder: image, images: [{ key: 'x', path: fixturePath('images/square-32.png') }], cacheDir: join(scratch, 'released'), datasetHash: 'rel', release: true });
    expect(loadedEncoders()).toBe(before + 1);
  });
});

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgiqaError } from '@agiqa/contracts';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { featureKey, preprocessingFor } from './cache.js';
import { maxAbsDiff, textReference } from './fixtures.js';
import { resolveEncoder } from './registry.js';
import { loadTextEncoder, releaseEncoders, type TextEncoderRuntime } from './runtime.js';
import { extractTextFeatures, openTextFeatures } from './text-features.js';
import type { TokenizedText } from './tokenize.js';

const encoder = resolveEncoder('tiny-bert', { threads: 1 });
const reference = textReference('tiny-bert');
const roots: string[] = [];
let cacheDir: string;

beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'agiqa-text-features-'));
  roots.push(cacheDir);
});
afterAll(async () => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
  await releaseEncoders();
});

/** The real runtime, with every prompt it encodes counted. */
async function countingRuntime(): Promise<{ runtime: TextEncoderRuntime; encoded: string[][]; calls: () => number }> {
  const real = await loadTextEncoder(encoder);
  const encoded: string[][] = [];
  const runtime: TextEncoderRuntime = {
    ...real,
    tokenize: (text) => real.tokenize(text),
    encode(batch: readonly TokenizedText[]) {
      encoded.push(batch.map((t) => t.ids.join(' ')));
      return real.encode(batch);
    },
  };
  return { runtime, encoded, calls: () => encoded.length };
}

const prompts = [
  { key: 'a', text: 'a red circle on a white background' },
  { key: 'b', text: 'Good photo.' },
  { key: 'c', text: 'a red circle on a white background' },
  { key: 'd', text: reference.prompts.find((p) => p.key === 'long')?.text ?? '' },
];

describe(extractTextFeatures.name, () => {
  it('encodes identical prompts once and extracts a dataset once: the second call is a cache hit', async () => {
    const counter = await countingRuntime();
    const first = await extractTextFeatures({ encoder, prompts, cacheDir, datasetHash: 'd1', runtime: counter.runtime });
    expect(first).toMatchObject({ cached: false, encoded: 3, count: 4, unique: 3, dim: 32, dtype: 'fp32' });
    expect(counter.encoded.flat()).toHaveLength(3);
    const calls = counter.calls();

    const second = await extractTextFeatures({ encoder, prompts, cacheDir, datasetHash: 'd1', runtime: counter.runtime });
    expect(second).toMatchObject({ cached: true, encoded: 0, key: first.key, uri: first.uri });
    expect(counter.calls()).toBe(calls);

    const reader = await openTextFeatures(first.uri);
    expect(reader.get('a').data).toEqual(reader.get('c').data);
    expect(reader.keys).toEqual(['a', 'b', 'c', 'd']);
  });

  it('stores each prompt without padding, identical to encoding it alone', async () => {
    const runtime = await loadTextEncoder(encoder);
    const short = runtime.tokenize('Good photo.');
    const alone = await runtime.encode([short]);
    const batched = await runtime.encode([short, runtime.tokenize(prompts[3].text), runtime.tokenize(prompts[0].text)]);
    expect(batched.tokens).toBeGreaterThan(short.ids.length);
    const rowLength = short.ids.length * alone.dim;
    expect(maxAbsDiff(batched.data.subarray(0, rowLength), alone.data)).toBeLessThan(1e-5);

    const info = await extractTextFeatures({ encoder, prompts, cacheDir, datasetHash: 'd2', batchSize: 4 });
    const reader = await openTextFeatures(info.uri);
    expect(reader.get('b').tokens).toBe(short.ids.length);
    expect(maxAbsDiff(reader.get('b').data, alone.data)).toBeLessThan(1e-5);
  });

  it('reports progress per forward pass up to the number of distinct prompts', async () => {
    const progress: [number, number][] = [];
    await extractTextFeatures({ encoder, prompts, cacheDir, datasetHash: 'd3', batchSize: 1, onProgress: (done, total) => progress.push([done, total]) });
    expect(progress).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it('refuses a cached set whose dataset hash was reused for other prompts', async () => {
    await extractTextFeatures({ encoder, prompts, cacheDir, datasetHash: 'd4' });
    const changed = prompts.map((p) => (p.key === 'b' ? { ...p, text: 'Bad photo.' } : p));
    await expect(extractTextFeatures({ encoder, prompts: changed, cacheDir, datasetHash: 'd4' })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('leaves only the finished feature folder behind (no temporary folders)', async () => {
    const info = await extractTextFeatures({ encoder, prompts, cacheDir, datasetHash: 'd5' });
    expect(readdirSync(cacheDir)).toEqual([info.key]);
    expect(readdirSync(join(cacheDir, info.key)).sort()).toEqual(['features.f32', 'index.json', 'meta.json']);
  });

  it('rejects duplicate keys and bad batch sizes, naming the field', async () => {
    const duplicate = [prompts[0], { key: 'a', text: 'x' }];
    await expect(extractTextFeatures({ encoder, prompts: duplicate, cacheDir, datasetHash: 'd6' })).rejects.toMatchObject({
      code: 'invalid_input',
      details: [{ path: 'prompts.1.key' }],
    });
    await expect(extractTextFeatures({ encoder, prompts, cacheDir, datasetHash: 'd6', batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer/);
  });
});

describe(openTextFeatures.name, () => {
  it('pads a batch for a fusion head with a mask that marks real tokens', async () => {
    const info = await extractTextFeatures({ encoder, prompts, cacheDir, datasetHash: 'd7' });
    const reader = await openTextFeatures(info.uri);
    const batch = reader.padded(['b', 'a']);
    const [b, a] = [reader.get('b'), reader.get('a')];
    expect(batch.tokens).toBe(Math.max(a.tokens, b.tokens));
    expect(batch.data.length).toBe(2 * batch.tokens * 32);
    expect(Array.from(batch.mask.subarray(0, batch.tokens))).toEqual(Array.from({ length: batch.tokens }, (_, t) => (t < b.tokens ? 1 : 0)));
    expect(batch.data.subarray(0, b.tokens * 32)).toEqual(b.data);
    expect(batch.data.subarray(b.tokens * 32, batch.tokens * 32).every((v) => v === 0)).toBe(true);
  });

  it('fails with not_found for an unknown key', async () => {
    const info = await extractTextFeatures({ encoder, prompts, cacheDir, datasetHash: 'd8' });
    const reader = await openTextFeatures(info.uri);
    expect(() => reader.get('zzz')).toThrow(AgiqaError);
    expect(() => reader.get('zzz')).toThrow(/no prompt with key "zzz"/);
  });
});

describe(featureKey.name, () => {
  it('changes with the encoder, the preprocessing and the dataset, and not otherwise', () => {
    const text = preprocessingFor(encoder, 'text');
    const key = featureKey(encoder, 'text', text, 'h');
    expect(featureKey(resolveEncoder('tiny-bert'), 'text', preprocessingFor(encoder, 'text'), 'h')).toBe(key);
    expect(featureKey(encoder, 'text', text, 'other')).not.toBe(key);
    expect(featureKey(encoder, 'text', { ...text, maxTokens: 128 }, 'h')).not.toBe(key);
    const distil = resolveEncoder('tiny-distilbert');
    expect(featureKey(distil, 'text', preprocessingFor(distil, 'text'), 'h')).not.toBe(key);
  });
});

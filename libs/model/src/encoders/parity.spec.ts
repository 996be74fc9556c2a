import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clipIqaScores, CLIP_LOGIT_SCALE } from './clip-iqa.js';
import { clipReference, fixturePath, maxAbsDiff, textReference } from './fixtures.js';
import { openImageFeatures, extractImageFeatures } from './image-features.js';
import { decodeImage, preprocessInto } from './image-preprocess.js';
import { resolveEncoder } from './registry.js';
import { loadClipTextEncoder, loadImageEncoder, loadTextEncoder, releaseEncoders } from './runtime.js';
import { extractTextFeatures, openTextFeatures } from './text-features.js';

// Parity with the reference implementation (Hugging Face transformers on PyTorch): the committed
// fixtures hold its outputs, and our extraction path (transformers.js + onnxruntime-node, our
// tokenisation wrapper, our Pillow-exact preprocessing) must reproduce them to 1e-4.
const TOLERANCE = 1e-4;

let cacheDir: string;
beforeAll(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'agiqa-parity-'));
});
afterAll(async () => {
  rmSync(cacheDir, { recursive: true, force: true });
  await releaseEncoders();
});

describe.each(['tiny-bert', 'tiny-distilbert', 'tiny-roberta'] as const)('text encoder %s', (name) => {
  const reference = textReference(name);
  const encoder = resolveEncoder(name, { threads: 1 });

  it('tokenises every reference prompt exactly as the Python tokenizer', async () => {
    const runtime = await loadTextEncoder(encoder);
    for (const prompt of reference.prompts) {
      expect(runtime.tokenize(prompt.text).ids, prompt.key).toEqual(prompt.input_ids);
      expect(prompt.attention_mask.every((m) => m === 1)).toBe(true);
    }
  });

  it('keeps a prompt of more than 77 tokens whole', async () => {
    const runtime = await loadTextEncoder(encoder);
    const long = reference.prompts.find((p) => p.key === 'long');
    expect(long?.input_ids.length).toBeGreaterThan(77);
    const tokens = runtime.tokenize(long?.text ?? '');
    expect(tokens.truncated).toBe(false);
    expect(tokens.ids).toHaveLength(long?.input_ids.length ?? 0);
  });

  it('cuts a prompt beyond 512 tokens like Python, keeping the closing special token', async () => {
    const runtime = await loadTextEncoder(encoder);
    const tokens = runtime.tokenize(reference.truncation.text);
    expect(tokens.truncated).toBe(true);
    expect(tokens.ids).toHaveLength(512);
    expect(tokens.ids).toEqual(reference.truncation.input_ids);
  });

  it('extracts last_hidden_state matching PyTorch to 1e-4 in fp32, padded batches included', async () => {
    const prompts = reference.prompts.map((p) => ({ key: p.key, text: p.text }));
    const info = await extractTextFeatures({ encoder, prompts, cacheDir, datasetHash: `parity-${name}`, batchSize: 4 });
    expect(info.dtype).toBe('fp32');
    expect(info.dim).toBe(reference.prompts[0].last_hidden_state.shape[1]);
    const reader = await openTextFeatures(info.uri);
    expect(reader.meta.dtype).toBe('fp32');
    for (const prompt of reference.prompts) {
      const feature = reader.get(prompt.key);
      expect(feature.tokens, prompt.key).toBe(prompt.last_hidden_state.shape[0]);
      expect(maxAbsDiff(feature.data, prompt.last_hidden_state.data), prompt.key).toBeLessThan(TOLERANCE);
    }
  });
});

describe('image encoder tiny-clip', () => {
  const reference = clipReference();
  const encoder = resolveEncoder('tiny-clip', { threads: 1 });

  it("preprocesses each image to the Hugging Face Pillow processor's pixel_values", async () => {
    const runtime = await loadImageEncoder(encoder);
    for (const image of reference.images) {
      const { shape, stride, data } = image.pixel_values;
      const pixels = new Float32Array(shape.reduce((a, b) => a * b, 1));
      preprocessInto(await decodeImage(fixturePath(image.file)), runtime.preprocessing, pixels);
      // The reference keeps every `stride`-th value (see PIXEL_STRIDE in the tools script).
      const sampled = pixels.filter((_, i) => i % stride === 0);
      expect(sampled.length, image.file).toBe(data.length);
      // float32 arithmetic reproduced step by step: equal up to the last bit of the rounding in JSON.
      expect(maxAbsDiff(sampled, data), image.file).toBeLessThan(1e-6);
    }
  });

  it('extracts pooler_output and image_embeds matching PyTorch to 1e-4', async () => {
    const images = reference.images.map((image) => ({ key: image.file, path: fixturePath(image.file) }));
    const info = await extractImageFeatures({ encoder, images, cacheDir, datasetHash: 'parity-clip', batchSize: 4 });
    expect(info).toMatchObject({ dtype: 'fp32', pooled: true, dim: 32, projectedDim: 16 });
    const reader = await openImageFeatures(info.uri);
    for (const image of reference.images) {
      expect(maxAbsDiff(reader.vector(image.file, 'pooled'), image.pooler_output.data), image.file).toBeLessThan(TOLERANCE);
      expect(maxAbsDiff(reader.vector(image.file, 'projected'), image.image_embeds.data), image.file).toBeLessThan(TOLERANCE);
    }
  });

  it('embeds the antonym prompts like PyTorch', async () => {
    const text = await loadClipTextEncoder(encoder);
    const [good, bad] = await text.embed(reference.antonyms.prompts);
    const width = reference.antonyms.text_embeds.shape[1];
    expect(maxAbsDiff(good, reference.antonyms.text_embeds.data.slice(0, width))).toBeLessThan(TOLERANCE);
    expect(maxAbsDiff(bad, reference.antonyms.text_embeds.data.slice(width))).toBeLessThan(TOLERANCE);
  });

  it('scores CLIP-IQA like PyTorch at logit scale 100 and at the model scale', async () => {
    const images = reference.clipIqa.files.map(fixturePath);
    const at100 = await clipIqaScores({ encoder, images, logitScale: CLIP_LOGIT_SCALE });
    expect(maxAbsDiff(at100, reference.clipIqa.scores)).toBeLessThan(TOLERANCE);
    const atModel = await clipIqaScores({ encoder, images, logitScale: reference.clipIqa.modelLogitScale });
    expect(maxAbsDiff(atModel, reference.clipIqa.scoresAtModelScale)).toBeLessThan(TOLERANCE);
  });
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgiqaError, invalidInput } from '@agiqa/contracts';
import {
  featureKey,
  findCached,
  float32Bytes,
  infoFromMeta,
  inputsHash,
  pathFromUri,
  preprocessingFor,
  readFloat32,
  readMeta,
  writeFeatureSet,
  type FeatureMeta,
  type FeatureSetInfo,
  type TextPreprocessing,
} from './cache.js';
import type { ResolvedEncoder } from './registry.js';
import { loadTextEncoder, runtimeVersions, type TextEncoderRuntime } from './runtime.js';
import type { TokenizedText } from './tokenize.js';

export interface ExtractTextFeaturesOptions {
  encoder: ResolvedEncoder;
  /** One entry per dataset item; identical texts are encoded once. */
  prompts: readonly { key: string; text: string }[];
  /** Root of the feature cache (`AGIQA_HOME/features`). */
  cacheDir: string;
  /** Content hash of the dataset the prompts come from. */
  datasetHash: string;
  /** Prompts per forward pass (default 16). */
  batchSize?: number;
  /** Upper bound on batch × padded length per forward pass (default 4096 tokens). */
  maxBatchTokens?: number;
  /** Called after each forward pass with distinct prompts done / total. */
  onProgress?: (done: number, total: number) => void;
  /** The loaded encoder to use (default: `loadTextEncoder(encoder)`). */
  runtime?: TextEncoderRuntime;
  /**
   * Load a session of this extraction's own and dispose it at the end, rather than the process's
   * shared one (workers: one model in memory at a time). Ignored when `runtime` is given.
   */
  release?: boolean;
}

/**
 * Computes F_T for every prompt once and caches it content-addressed under
 * `<cacheDir>/<featureKey>/`; a second call with the same encoder, preprocessing and dataset hash
 * returns the cached set without loading the model.
 *
 * Batching: distinct prompts are sorted by token count and grouped (≤ batchSize prompts,
 * ≤ maxBatchTokens padded tokens), padded on the right within their group, and the padding rows
 * are dropped before storing. The attention mask keeps padding out of every real token's
 * features, so a prompt's features do not depend on its batch mates (to float rounding).
 *
 * Files: `features.f32` (float32 blocks `[tokens, dim]`, one per distinct prompt, back to back),
 * `index.json` (`entries[i] = [offset in floats, tokens]`, `keys[key] = i`), `meta.json`.
 */
export async function extractTextFeatures(options: ExtractTextFeaturesOptions): Promise<FeatureSetInfo> {
  const { encoder, prompts, cacheDir, datasetHash } = options;
  const batchSize = positiveInt(options.batchSize ?? 16, 'batchSize');
  const maxBatchTokens = positiveInt(options.maxBatchTokens ?? 4096, 'maxBatchTokens');
  if (encoder.kind !== 'text') throw invalidInput(`${encoder.name} is not a text encoder`, [{ path: 'encoder', message: 'not a text encoder' }]);
  if (prompts.length === 0) throw invalidInput('no prompts to encode', [{ path: 'prompts', message: 'empty list' }]);
  const distinct = distinctTexts(prompts);
  const preprocessing = preprocessingFor(encoder, 'text');
  const key = featureKey(encoder, 'text', preprocessing, datasetHash);
  const inputs = inputsHash(prompts.map((p) => [p.key, p.text] as const));

  const hit = await findCached(cacheDir, key, inputs);
  if (hit !== null) return infoFromMeta(hit, join(cacheDir, key), true, 0);

  const started = performance.now();
  const runtime = options.runtime ?? (await loadTextEncoder(encoder, { shared: options.release !== true }));
  const own = options.runtime === undefined && options.release === true;
  try {
    return await encodeAndStore(options, runtime, distinct, { key, preprocessing, inputs, started, batchSize, maxBatchTokens });
  } finally {
    if (own) await runtime.dispose();
  }
}

async function encodeAndStore(
  options: ExtractTextFeaturesOptions,
  runtime: TextEncoderRuntime,
  distinct: { texts: string[]; keyToText: Record<string, number> },
  at: { key: string; preprocessing: TextPreprocessing; inputs: string; started: number; batchSize: number; maxBatchTokens: number },
): Promise<FeatureSetInfo> {
  const { encoder, prompts, cacheDir, datasetHash } = options;
  const { key, preprocessing, inputs, started, batchSize, maxBatchTokens } = at;
  const tokenized = distinct.texts.map((text) => runtime.tokenize(text));
  const order = tokenized.map((_, i) => i).sort((a, b) => tokenized[a].ids.length - tokenized[b].ids.length || a - b);

  const blocks: Float32Array[] = new Array(distinct.texts.length);
  let dim = 0;
  let done = 0;
  for (const group of groups(order, tokenized, batchSize, maxBatchTokens)) {
    const out = await runtime.encode(group.map((i) => tokenized[i]));
    dim = out.dim;
    group.forEach((textIndex, row) => {
      const tokens = out.lengths[row];
      // Row `row` of [batch, tokens, dim], its first `tokens` positions (padding stripped).
      const start = row * out.tokens * dim;
      blocks[textIndex] = out.data.slice(start, start + tokens * dim);
    });
    done += group.length;
    options.onProgress?.(done, distinct.texts.length);
  }
  if (dim !== encoder.dim) {
    throw new AgiqaError('invalid_input', `encoder ${encoder.name}: last_hidden_state has width ${dim}, config.json says ${encoder.dim}`);
  }

  const total = blocks.reduce((sum, b) => sum + b.length, 0);
  const features = new Float32Array(total);
  const entries: [number, number][] = [];
  let offset = 0;
  for (const block of blocks) {
    features.set(block, offset);
    entries.push([offset, block.length / dim]);
    offset += block.length;
  }
  const meta: FeatureMeta = {
    format: 'agiqa-features/1',
    kind: 'text',
    key,
    encoder: encoderRecord(encoder),
    dtype: encoder.dtype,
    device: encoder.device,
    dim,
    projectedDim: null,
    pooled: false,
    count: prompts.length,
    unique: distinct.texts.length,
    truncated: tokenized.filter((t) => t.truncated).length,
    preprocessing,
    datasetHash,
    inputsHash: inputs,
    runtime: runtimeVersions(),
    extractMs: Math.round(performance.now() - started),
    createdAt: new Date().toISOString(),
  };
  const dir = await writeFeatureSet(cacheDir, key, {
    'features.f32': float32Bytes(features),
    'index.json': JSON.stringify({ entries, keys: distinct.keyToText }),
    'meta.json': JSON.stringify(meta, null, 2),
  });
  return infoFromMeta(meta, dir, false, distinct.texts.length);
}

export function encoderRecord(encoder: ResolvedEncoder): FeatureMeta['encoder'] {
  return {
    name: encoder.name,
    modelId: encoder.modelId,
    revision: encoder.revision,
    source: encoder.source,
    fixture: encoder.fixture,
    fingerprint: encoder.fingerprint,
    randomWeights: encoder.randomWeights,
  };
}

export function positiveInt(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1) throw invalidInput(`${field} must be a positive integer, got ${value}`, [{ path: field, message: 'must be a positive integer' }]);
  return value;
}

function distinctTexts(prompts: readonly { key: string; text: string }[]): { texts: string[]; keyToText: Record<string, number> } {
  const texts: string[] = [];
  const byText = new Map<string, number>();
  const keyToText: Record<string, number> = Object.create(null) as Record<string, number>;
  prompts.forEach((prompt, i) => {
    if (typeof prompt.key !== 'string' || prompt.key.length === 0) throw invalidInput(`prompts.${i}.key must be a non-empty string`, [{ path: `prompts.${i}.key`, message: 'empty key' }]);
    if (typeof prompt.text !== 'string') throw invalidInput(`prompts.${i}.text must be a string`, [{ path: `prompts.${i}.text`, message: 'not a string' }]);
    if (prompt.key in keyToText) throw invalidInput(`prompts.${i}.key "${prompt.key}" appears twice`, [{ path: `prompts.${i}.key`, message: 'duplicate key' }]);
    let index = byText.get(prompt.text);
    if (index === undefined) {
      index = texts.length;
      texts.push(prompt.text);
      byText.set(prompt.text, index);
    }
    keyToText[prompt.key] = index;
  });
  return { texts, keyToText };
}

/** Consecutive runs of the length-sorted order within the batch and token budgets. */
function* groups(order: number[], tokenized: TokenizedText[], batchSize: number, maxBatchTokens: number): Generator<number[]> {
  let group: number[] = [];
  for (const i of order) {
    // Sorted ascending, so the newest member is the longest: padded size = members × its length.
    const padded = (group.length + 1) * tokenized[i].ids.length;
    if (group.length > 0 && (group.length >= batchSize || padded > maxBatchTokens)) {
      yield group;
      group = [];
    }
    group.push(i);
  }
  if (group.length > 0) yield group;
}

/** One prompt's stored features. */
export interface TextFeature {
  /** Number of tokens (all real: padding is not stored). */
  tokens: number;
  /** `[tokens, dim]` row-major. */
  data: Float32Array;
}

/** A batch padded for a fusion head: `data` `[n, maxTokens, dim]`, `mask` `[n, maxTokens]` (1 real, 0 padding). */
export interface PaddedTextBatch {
  data: Float32Array;
  mask: Float32Array;
  batch: number;
  tokens: number;
  dim: number;
}

/** Read access to a text feature set. */
export interface TextFeatureReader {
  readonly uri: string;
  readonly meta: FeatureMeta;
  readonly dim: number;
  readonly keys: readonly string[];
  has(key: string): boolean;
  /** Fails with `not_found` naming the key when it is not in the set. */
  get(key: string): TextFeature;
  /** Pads the keys' features to the longest of them (or `maxTokens`, cutting longer ones). */
  padded(keys: readonly string[], maxTokens?: number): PaddedTextBatch;
}

/** Opens a text feature set by `file://` URI or path, checking its files against its meta. */
export async function openTextFeatures(uri: string): Promise<TextFeatureReader> {
  const dir = pathFromUri(uri);
  const meta = await readMeta(dir, 'text');
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { entries: [number, number][]; keys: Record<string, number> };
  const total = index.entries.reduce((sum, [, tokens]) => sum + tokens * meta.dim, 0);
  const features = await readFloat32(join(dir, 'features.f32'), total);
  const keys = Object.keys(index.keys);
  const get = (key: string): TextFeature => {
    const entry = Object.hasOwn(index.keys, key) ? index.entries[index.keys[key]] : undefined;
    if (entry === undefined) throw new AgiqaError('not_found', `text features ${meta.key}: no prompt with key "${key}"`);
    const [offset, tokens] = entry;
    return { tokens, data: features.subarray(offset, offset + tokens * meta.dim) };
  };
  return {
    uri: infoFromMeta(meta, dir, true, 0).uri,
    meta,
    dim: meta.dim,
    keys,
    has: (key) => Object.hasOwn(index.keys, key),
    get,
    padded(batchKeys, maxTokens) {
      const items = batchKeys.map(get);
      const tokens = maxTokens ?? Math.max(1, ...items.map((item) => item.tokens));
      const data = new Float32Array(items.length * tokens * meta.dim);
      const mask = new Float32Array(items.length * tokens);
      items.forEach((item, row) => {
        const used = Math.min(item.tokens, tokens);
        data.set(item.data.subarray(0, used * meta.dim), row * tokens * meta.dim);
        mask.fill(1, row * tokens, row * tokens + used);
      });
      return { data, mask, batch: items.length, tokens, dim: meta.dim };
    },
  };
}

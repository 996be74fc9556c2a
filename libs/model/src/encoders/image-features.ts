import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
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
  type ImageFeaturePreprocessing,
} from './cache.js';
import { decodeBatch, pixelValues } from './image-preprocess.js';
import type { ResolvedEncoder } from './registry.js';
import { loadImageEncoder, runtimeVersions, type ImageEncoderRuntime } from './runtime.js';
import { encoderRecord, positiveInt } from './text-features.js';

export interface ExtractImageFeaturesOptions {
  encoder: ResolvedEncoder;
  /**
   * One entry per dataset item; a file listed under several keys is encoded once. With `sha256`
   * (the digest the feature key was built from, see `imageDatasetHash`) the cache's inputs are the
   * digests rather than the paths (a moved dataset keeps its features).
   */
  images: readonly { key: string; path: string; sha256?: string }[];
  cacheDir: string;
  datasetHash: string;
  /** Images per forward pass (default 16). */
  batchSize?: number;
  /** Called after each forward pass with distinct images done / total. */
  onProgress?: (done: number, total: number) => void;
  /** The loaded encoder to use (default: `loadImageEncoder(encoder)`). */
  runtime?: ImageEncoderRuntime;
  /**
   * Load a session of this extraction's own and dispose it at the end, rather than the process's
   * shared one (workers: one model in memory at a time). Ignored when `runtime` is given.
   */
  release?: boolean;
}

/**
 * Decodes, preprocesses and encodes every image once, caching under `<cacheDir>/<featureKey>/`:
 * `projected.f32` `[count, projectedDim]` (CLIP image_embeds), `pooled.f32` `[count, dim]` (the
 * pre-projection pooler output, when the vision graph has one), `index.json` (`keys[i]` is row i),
 * `meta.json`. A file that cannot be read or decoded fails naming the file.
 */
export async function extractImageFeatures(options: ExtractImageFeaturesOptions): Promise<FeatureSetInfo> {
  const { encoder, images, cacheDir, datasetHash } = options;
  const batchSize = positiveInt(options.batchSize ?? 16, 'batchSize');
  if (encoder.kind !== 'image') throw invalidInput(`${encoder.name} is not an image encoder`, [{ path: 'encoder', message: 'not an image encoder' }]);
  if (images.length === 0) throw invalidInput('no images to encode', [{ path: 'images', message: 'empty list' }]);
  const files = distinctFiles(images);
  const preprocessing = preprocessingFor(encoder, 'image');
  const key = featureKey(encoder, 'image', preprocessing, datasetHash);
  const inputs = inputsHash(images.map((image) => [image.key, image.sha256 ?? resolve(image.path)] as const));

  const hit = await findCached(cacheDir, key, inputs);
  if (hit !== null) return infoFromMeta(hit, join(cacheDir, key), true, 0);

  const started = performance.now();
  const runtime = options.runtime ?? (await loadImageEncoder(encoder, { shared: options.release !== true }));
  const own = options.runtime === undefined && options.release === true;
  try {
    return await encodeAndStore(options, runtime, files, { key, preprocessing, inputs, started, batchSize });
  } finally {
    if (own) await runtime.dispose();
  }
}

async function encodeAndStore(
  options: ExtractImageFeaturesOptions,
  runtime: ImageEncoderRuntime,
  files: { paths: string[]; fileOfKey: number[] },
  at: { key: string; preprocessing: ImageFeaturePreprocessing; inputs: string; started: number; batchSize: number },
): Promise<FeatureSetInfo> {
  const { encoder, images, cacheDir, datasetHash } = options;
  const { key, preprocessing, inputs, started, batchSize } = at;
  const fileProjected: Float32Array[] = [];
  const filePooled: (Float32Array | null)[] = [];
  let dim = encoder.dim;
  let projectedDim = encoder.projectedDim ?? 0;
  let hasPooled = true;
  const batches: string[][] = [];
  for (let start = 0; start < files.paths.length; start += batchSize) batches.push(files.paths.slice(start, start + batchSize));
  // Batch b + 1 decodes (libuv's pool) while batch b runs through the encoder.
  let next = decodeBatch(batches[0], runtime.preprocessing, encoder.imageResize ?? 'pillow');
  let done = 0;
  for (let b = 0; b < batches.length; b++) {
    const pixels = pixelValues(await next, runtime.preprocessing);
    if (b + 1 < batches.length) {
      next = decodeBatch(batches[b + 1], runtime.preprocessing, encoder.imageResize ?? 'pillow');
      // Failures surface when awaited; until then they are not unhandled.
      next.catch(() => undefined);
    }
    const out = await runtime.encode(pixels, batches[b].length);
    dim = out.dim;
    projectedDim = out.projectedDim;
    hasPooled &&= out.pooled !== null;
    for (let i = 0; i < batches[b].length; i++) {
      fileProjected.push(out.projected.slice(i * projectedDim, (i + 1) * projectedDim));
      filePooled.push(out.pooled === null ? null : out.pooled.slice(i * dim, (i + 1) * dim));
    }
    done += batches[b].length;
    options.onProgress?.(done, files.paths.length);
  }

  // Rows in key order: a file shared by several keys is copied to each of its rows.
  const projected = new Float32Array(images.length * projectedDim);
  const pooled = hasPooled ? new Float32Array(images.length * dim) : null;
  images.forEach((image, row) => {
    const f = files.fileOfKey[row];
    projected.set(fileProjected[f], row * projectedDim);
    if (pooled !== null) pooled.set(filePooled[f] as Float32Array, row * dim);
  });
  const meta: FeatureMeta = {
    format: 'agiqa-features/1',
    kind: 'image',
    key,
    encoder: encoderRecord(encoder),
    dtype: encoder.dtype,
    device: encoder.device,
    dim,
    projectedDim,
    pooled: pooled !== null,
    count: images.length,
    unique: files.paths.length,
    truncated: 0,
    preprocessing,
    datasetHash,
    inputsHash: inputs,
    runtime: runtimeVersions(),
    extractMs: Math.round(performance.now() - started),
    createdAt: new Date().toISOString(),
  };
  const written: Record<string, Uint8Array | string> = {
    'projected.f32': float32Bytes(projected),
    'index.json': JSON.stringify({ keys: images.map((image) => image.key) }),
    'meta.json': JSON.stringify(meta, null, 2),
  };
  if (pooled !== null) written['pooled.f32'] = float32Bytes(pooled);
  const dir = await writeFeatureSet(cacheDir, key, written);
  return infoFromMeta(meta, dir, false, files.paths.length);
}

function distinctFiles(images: ExtractImageFeaturesOptions['images']): { paths: string[]; fileOfKey: number[] } {
  const paths: string[] = [];
  const byPath = new Map<string, number>();
  const seen = new Set<string>();
  const fileOfKey = images.map((image, i) => {
    if (typeof image.key !== 'string' || image.key.length === 0) throw invalidInput(`images.${i}.key must be a non-empty string`, [{ path: `images.${i}.key`, message: 'empty key' }]);
    if (typeof image.path !== 'string' || image.path.length === 0) throw invalidInput(`images.${i}.path must be a non-empty string`, [{ path: `images.${i}.path`, message: 'empty path' }]);
    if (seen.has(image.key)) throw invalidInput(`images.${i}.key "${image.key}" appears twice`, [{ path: `images.${i}.key`, message: 'duplicate key' }]);
    seen.add(image.key);
    const path = resolve(image.path);
    let f = byPath.get(path);
    if (f === undefined) {
      f = paths.length;
      paths.push(path);
      byPath.set(path, f);
    }
    return f;
  });
  return { paths, fileOfKey };
}

/** Which F_I an image reader returns: CLIP's pooled output (pre-projection) or image_embeds. */
export type ImageFeatureKind = 'pooled' | 'projected';

/** Read access to an image feature set. */
export interface ImageFeatureReader {
  readonly uri: string;
  readonly meta: FeatureMeta;
  readonly keys: readonly string[];
  /** Width of the pooled or projected vectors. */
  dimOf(kind: ImageFeatureKind): number;
  has(key: string): boolean;
  /** One image's vector; `pooled` fails when the vision graph had no pooler_output. */
  vector(key: string, kind: ImageFeatureKind): Float32Array;
  /** `[keys.length, dim]` row-major. */
  matrix(keys: readonly string[], kind: ImageFeatureKind): Float32Array;
}

/** Opens an image feature set by `file://` URI or path, checking its files against its meta. */
export async function openImageFeatures(uri: string): Promise<ImageFeatureReader> {
  const dir = pathFromUri(uri);
  const meta = await readMeta(dir, 'image');
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { keys: string[] };
  const rows = new Map(index.keys.map((key, row) => [key, row]));
  const projectedDim = meta.projectedDim ?? 0;
  const projected = await readFloat32(join(dir, 'projected.f32'), index.keys.length * projectedDim);
  const pooled = meta.pooled ? await readFloat32(join(dir, 'pooled.f32'), index.keys.length * meta.dim) : null;

  const source = (kind: ImageFeatureKind): { data: Float32Array; width: number } => {
    if (kind === 'projected') return { data: projected, width: projectedDim };
    if (pooled === null) {
      throw new AgiqaError(
        'invalid_input',
        `image features ${meta.key} (${meta.encoder.modelId}) have no pooled vectors: its vision_model.onnx has no pooler_output ` +
          '(Xenova/clip-vit-base-patch32 exports image_embeds and last_hidden_state only). Use head.imageFeature "projected", or ' +
          're-export the model with tools/export_encoder_onnx.py, which adds pooler_output',
        [{ path: 'head.imageFeature', message: 'pooled features unavailable for this encoder' }],
      );
    }
    return { data: pooled, width: meta.dim };
  };
  const rowOf = (key: string): number => {
    const row = rows.get(key);
    if (row === undefined) throw new AgiqaError('not_found', `image features ${meta.key}: no image with key "${key}"`);
    return row;
  };
  return {
    uri: infoFromMeta(meta, dir, true, 0).uri,
    meta,
    keys: index.keys,
    dimOf: (kind) => source(kind).width,
    has: (key) => rows.has(key),
    vector(key, kind) {
      const { data, width } = source(kind);
      const row = rowOf(key);
      return data.subarray(row * width, (row + 1) * width);
    },
    matrix(keys, kind) {
      const { data, width } = source(kind);
      const out = new Float32Array(keys.length * width);
      keys.forEach((key, i) => out.set(data.subarray(rowOf(key) * width, (rowOf(key) + 1) * width), i * width));
      return out;
    },
  };
}

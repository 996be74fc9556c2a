import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AgiqaError, conflict, canonicalJson, type ImageResizeMethod } from '@agiqa/contracts';
import { parseImagePreprocessing, type ImagePreprocessing } from './image-preprocess.js';
import { readJson, type EncoderKind, type ResolvedEncoder } from './registry.js';
import { runtimeVersions } from './runtime.js';

/** Version of the on-disk layout; part of every key, so a layout change never reads old files. */
export const FEATURE_FORMAT = 'agiqa-features/1';

/** Text preprocessing: what decides the tokens a prompt becomes. */
export interface TextPreprocessing {
  kind: 'text';
  /** Longest prompt (special tokens included); longer prompts lose their end, keeping the closing token. */
  maxTokens: number;
  /** Features are stored per prompt without padding (padding never reaches the cache). */
  padding: 'stripped';
}

/** Image preprocessing: decoded by sharp, converted as Hugging Face's Pillow processor does. */
export interface ImageFeaturePreprocessing {
  kind: 'image';
  /** Null for a remote model whose preprocessor_config.json is not downloaded yet (the id + revision identify it). */
  config: ImagePreprocessing | null;
  decoder: 'sharp';
  /** `pillow`: bit-exact with the Python processor; `libvips`: sharp's resize (grid `features.resize`). */
  resize: ImageResizeMethod;
}

export type FeaturePreprocessing = TextPreprocessing | ImageFeaturePreprocessing;

/** The preprocessing an encoder applies, as recorded in feature keys. */
export function preprocessingFor(encoder: ResolvedEncoder, kind: 'text'): TextPreprocessing;
export function preprocessingFor(encoder: ResolvedEncoder, kind: 'image'): ImageFeaturePreprocessing;
export function preprocessingFor(encoder: ResolvedEncoder, kind: EncoderKind): FeaturePreprocessing;
export function preprocessingFor(encoder: ResolvedEncoder, kind: EncoderKind): FeaturePreprocessing {
  if (kind !== encoder.kind) throw new AgiqaError('internal', `${encoder.name} is a ${encoder.kind} encoder, not ${kind}`);
  if (kind === 'text') return { kind, maxTokens: encoder.maxTokens ?? 512, padding: 'stripped' };
  const file = join(encoder.location, 'preprocessor_config.json');
  const config = encoder.source === 'local' ? parseImagePreprocessing(readJson(file), file) : null;
  return { kind, config, decoder: 'sharp', resize: encoder.imageResize ?? 'pillow' };
}

/**
 * Content address of a feature set: sha256 over the layout version, the encoder (model id,
 * revision, local file fingerprint, dtype, device), the preprocessing, the runtime versions and
 * the dataset's content hash. Equal keys mean interchangeable features; the FeatureWorkflow uses
 * the key as its workflow id, so every cell and sweep that needs the same features shares one
 * extraction.
 */
export function featureKey(encoder: ResolvedEncoder, kind: EncoderKind, preprocessing: FeaturePreprocessing, datasetHash: string): string {
  if (kind !== encoder.kind || preprocessing.kind !== kind) {
    throw new AgiqaError('internal', `feature key: ${encoder.name} is a ${encoder.kind} encoder, asked for ${kind} with ${preprocessing.kind} preprocessing`);
  }
  const identity = {
    format: FEATURE_FORMAT,
    kind,
    modelId: encoder.modelId,
    revision: encoder.revision,
    fingerprint: encoder.fingerprint,
    dtype: encoder.dtype,
    device: encoder.device,
    preprocessing,
    runtime: runtimeVersions(),
    datasetHash,
  };
  return createHash('sha256').update(canonicalJson(identity)).digest('hex');
}


/**
 * The dataset hash of an image feature key: the dataset's content hash (its items as listed) and
 * every image's bytes (`[key, sha256]`), so that a changed image file changes the key and is
 * extracted again, while a dataset moved to another folder keeps its features.
 */
export function imageDatasetHash(contentHash: string, images: readonly { key: string; sha256: string }[]): string {
  const sorted = images.map((image) => [image.key, image.sha256] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(canonicalJson({ algorithm: 'agiqa/images/v1', contentHash, images: sorted })).digest('hex');
}

/** Hash of what was actually encoded (keys with their texts, image digests or paths), checked on cache hits. */
export function inputsHash(entries: readonly (readonly [string, string])[]): string {
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(canonicalJson(sorted)).digest('hex');
}

/** Everything stored in `meta.json` beside the features. */
export interface FeatureMeta {
  format: typeof FEATURE_FORMAT;
  kind: EncoderKind;
  key: string;
  encoder: {
    name: string;
    modelId: string;
    revision: string;
    source: 'local' | 'remote';
    fixture: boolean;
    fingerprint: string | null;
    /** Random real-size stand-ins (tools/make_real_encoders.py), never the trained model. */
    randomWeights?: boolean;
  };
  dtype: string;
  device: string;
  /** F_T width (text) or pooled F_I width (image). */
  dim: number;
  /** image_embeds width (image). */
  projectedDim: number | null;
  /** Whether pooled (pre-projection) image features are stored (the vision graph had pooler_output). */
  pooled: boolean;
  /** Keys stored. */
  count: number;
  /** Distinct prompts / image files actually encoded (identical inputs are encoded once). */
  unique: number;
  /** Text: prompts longer than maxTokens, cut at the end. */
  truncated: number;
  preprocessing: FeaturePreprocessing;
  datasetHash: string;
  inputsHash: string;
  runtime: { transformers: string; onnxruntime: string };
  /** Wall time of the extraction that wrote these files. */
  extractMs: number;
  createdAt: string;
}

/** What extraction returns and the FeatureSet row records. */
export interface FeatureSetInfo {
  key: string;
  kind: EncoderKind;
  /** `file://` URI of the feature folder. */
  uri: string;
  dim: number;
  projectedDim: number | null;
  pooled: boolean;
  count: number;
  unique: number;
  modelId: string;
  revision: string;
  dtype: string;
  device: string;
  extractMs: number;
  /** True when the features were already on disk and nothing was encoded. */
  cached: boolean;
  /** Inputs run through the model by this call (0 on a cache hit). */
  encoded: number;
}

export function infoFromMeta(meta: FeatureMeta, dir: string, cached: boolean, encoded: number): FeatureSetInfo {
  return {
    key: meta.key,
    kind: meta.kind,
    uri: pathToFileURL(dir).href,
    dim: meta.dim,
    projectedDim: meta.projectedDim,
    pooled: meta.pooled,
    count: meta.count,
    unique: meta.unique,
    modelId: meta.encoder.modelId,
    revision: meta.encoder.revision,
    dtype: meta.dtype,
    device: meta.device,
    extractMs: meta.extractMs,
    cached,
    encoded,
  };
}

/** A folder path from a `file://` URI or a plain path. */
export function pathFromUri(uri: string): string {
  return uri.startsWith('file:') ? fileURLToPath(uri) : resolve(uri);
}

/**
 * Reads `<cacheDir>/<key>/meta.json` when the feature set exists. A set under the same key but
 * from different inputs means the caller reused a dataset hash for other content: that is refused
 * rather than served.
 */
export async function findCached(cacheDir: string, key: string, expectedInputs: string): Promise<FeatureMeta | null> {
  const dir = join(resolve(cacheDir), key);
  const metaPath = join(dir, 'meta.json');
  if (!existsSync(metaPath)) return null;
  const meta = JSON.parse(await readFile(metaPath, 'utf8')) as FeatureMeta;
  if (meta.inputsHash !== expectedInputs) {
    throw conflict(
      `feature set ${key} in ${dir} was extracted from other inputs under dataset hash ${meta.datasetHash}; ` +
        'a dataset hash must identify the exact prompts and images (remove the folder to re-extract)',
    );
  }
  return meta;
}

/**
 * Writes a feature set atomically: files go to a private temporary folder beside the target,
 * which is then renamed to `<cacheDir>/<key>`. A reader never sees a half-written set; when two
 * extractions race, the first rename wins and the second discards its copy.
 */
export async function writeFeatureSet(cacheDir: string, key: string, files: Record<string, Uint8Array | string>): Promise<string> {
  const root = resolve(cacheDir);
  await mkdir(root, { recursive: true });
  const target = join(root, key);
  const temp = join(root, `.tmp-${key.slice(0, 16)}-${process.pid}-${randomBytes(6).toString('hex')}`);
  await mkdir(temp);
  try {
    // meta.json last: its presence marks a complete set.
    const names = Object.keys(files).sort((a, b) => Number(a === 'meta.json') - Number(b === 'meta.json'));
    for (const name of names) await writeFile(join(temp, name), files[name]);
    try {
      await rename(temp, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && existsSync(join(target, 'meta.json'))) {
        await rm(temp, { recursive: true, force: true });
        return target;
      }
      throw error;
    }
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return target;
}

/** Bytes of a float32 array as stored (platform byte order: little-endian on x86-64 and arm64). */
export function float32Bytes(array: Float32Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** Reads a `.f32` file as a Float32Array of exactly `expected` values, or fails naming the file. */
export async function readFloat32(path: string, expected: number): Promise<Float32Array> {
  const bytes = await readFile(path);
  if (bytes.byteLength !== expected * 4) {
    throw new AgiqaError('invalid_input', `${path}: ${bytes.byteLength} bytes, expected ${expected * 4} (${expected} float32); the feature set is damaged`, [
      { path, message: 'wrong size' },
    ]);
  }
  // A Buffer may start at any byte offset of a shared pool; Float32Array views need 4-byte alignment.
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, expected);
  return new Float32Array(new Uint8Array(bytes).buffer, 0, expected);
}

export async function readMeta(dir: string, kind: EncoderKind): Promise<FeatureMeta> {
  const path = join(dir, 'meta.json');
  if (!existsSync(path)) {
    throw new AgiqaError('not_found', `no feature set at ${dir} (meta.json missing)`, [{ path, message: 'missing' }]);
  }
  const meta = JSON.parse(await readFile(path, 'utf8')) as FeatureMeta;
  if (meta.format !== FEATURE_FORMAT) {
    throw new AgiqaError('invalid_input', `${path}: format ${String(meta.format)}, expected ${FEATURE_FORMAT}`, [{ path, message: 'unknown format' }]);
  }
  if (meta.kind !== kind) {
    throw new AgiqaError('invalid_input', `${dir} holds ${meta.kind} features, not ${kind} features`, [{ path, message: `kind ${meta.kind}` }]);
  }
  return meta;
}

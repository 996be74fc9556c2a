import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AgiqaError,
  ENCODER_DTYPES,
  IMAGE_ENCODER_NAMES,
  IMAGE_RESIZE_METHODS,
  invalidInput,
  TEXT_ENCODER_NAMES,
  type EncoderDtype,
  type ImageEncoderName,
  type ImageResizeMethod,
  type TextEncoderName,
} from '@agiqa/contracts';

/** Architecture family: decides the ONNX files, inputs and outputs an encoder has. */
export type EncoderFamily = 'bert' | 'distilbert' | 'roberta' | 'clip';
/** Text encoders give F_T (per token); image encoders give F_I (per image). */
export type EncoderKind = 'text' | 'image';
export type EncoderName = TextEncoderName | ImageEncoderName;

/** One registry entry: our name for an encoder and where its weights come from. */
export interface EncoderSpec {
  name: EncoderName;
  kind: EncoderKind;
  family: EncoderFamily;
  /** Hugging Face hub id with ONNX weights in transformers.js layout (`onnx/…`). */
  modelId: string;
  /** Hugging Face hub id of the PyTorch weights (what fine-tuning loads; the ONNX repos are exports of these). */
  torchModelId?: string;
  /** Hub revision (branch, tag or commit). */
  revision: string;
  /** Width of F_T (text) or of the pooled, pre-projection F_I (image). */
  dim: number;
  /** Width of CLIP's projected image embedding (image_embeds). */
  projectedDim?: number;
  /** Longest prompt in tokens, special tokens included (text); longer prompts are cut at the end. */
  maxTokens?: number;
  /** Folder under `libs/model/fixtures/tiny` for the tiny random fixtures. */
  fixture?: string;
  /** What it is, in one line (the tiny fixtures say they are random). */
  description: string;
}

/** The text encoders of the paper's ablation, and their tiny random stand-ins. */
export const TEXT_ENCODERS: Record<TextEncoderName, EncoderSpec> = {
  'bert-base': {
    name: 'bert-base',
    kind: 'text',
    family: 'bert',
    modelId: 'Xenova/bert-base-uncased',
    torchModelId: 'google-bert/bert-base-uncased',
    revision: 'main',
    dim: 768,
    maxTokens: 512,
    description: 'BERT-base-uncased (12 layers, 768 hidden, 12 heads)',
  },
  distilbert: {
    name: 'distilbert',
    kind: 'text',
    family: 'distilbert',
    modelId: 'Xenova/distilbert-base-uncased',
    torchModelId: 'distilbert/distilbert-base-uncased',
    revision: 'main',
    dim: 768,
    maxTokens: 512,
    description: 'DistilBERT-base-uncased (6 layers, 768 hidden)',
  },
  roberta: {
    name: 'roberta',
    kind: 'text',
    family: 'roberta',
    modelId: 'Xenova/roberta-base',
    torchModelId: 'FacebookAI/roberta-base',
    revision: 'main',
    dim: 768,
    maxTokens: 512,
    description: 'RoBERTa-base (12 layers, 768 hidden)',
  },
  'tiny-bert': {
    name: 'tiny-bert',
    kind: 'text',
    family: 'bert',
    modelId: 'agiqa/tiny-bert',
    revision: 'fixture',
    dim: 32,
    maxTokens: 512,
    fixture: 'tiny-bert',
    description: 'randomly initialised 2-layer BERT (32 hidden), test fixture — not a trained model',
  },
  'tiny-distilbert': {
    name: 'tiny-distilbert',
    kind: 'text',
    family: 'distilbert',
    modelId: 'agiqa/tiny-distilbert',
    revision: 'fixture',
    dim: 32,
    maxTokens: 512,
    fixture: 'tiny-distilbert',
    description: 'randomly initialised 2-layer DistilBERT (32 hidden), test fixture — not a trained model',
  },
  'tiny-roberta': {
    name: 'tiny-roberta',
    kind: 'text',
    family: 'roberta',
    modelId: 'agiqa/tiny-roberta',
    revision: 'fixture',
    dim: 32,
    maxTokens: 512,
    fixture: 'tiny-roberta',
    description: 'randomly initialised 2-layer RoBERTa (32 hidden), test fixture — not a trained model',
  },
};

/** CLIP ViT-B/32 and its tiny random stand-in. */
export const IMAGE_ENCODERS: Record<ImageEncoderName, EncoderSpec> = {
  'clip-vit-b32': {
    name: 'clip-vit-b32',
    kind: 'image',
    family: 'clip',
    modelId: 'Xenova/clip-vit-base-patch32',
    torchModelId: 'openai/clip-vit-base-patch32',
    revision: 'main',
    dim: 768,
    projectedDim: 512,
    description: 'CLIP ViT-B/32 (vision tower 768 hidden, 512-d projection)',
  },
  'tiny-clip': {
    name: 'tiny-clip',
    kind: 'image',
    family: 'clip',
    modelId: 'agiqa/tiny-clip',
    revision: 'fixture',
    dim: 32,
    projectedDim: 16,
    fixture: 'tiny-clip',
    description: 'randomly initialised 2-layer CLIP (32x32 images, 16-d projection), test fixture — not a trained model',
  },
};

/** Folder of the committed tiny fixtures (same relative place from `src/` and `dist/`). */
export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/tiny/', import.meta.url));

/**
 * Default ONNX precision: pinned (transformers.js would pick q8 for some devices); `q8` only when
 * asked for. The precision is recorded with every feature set and is part of its key.
 */
export const ENCODER_DTYPE: EncoderDtype = 'fp32';
/** Features are extracted by onnxruntime-node on the CPU. */
export const ENCODER_DEVICE = 'cpu';

export interface ResolveEncoderOptions {
  /** Encoder name → hub id or local folder, for this run (a grid's `modelOverrides`). */
  overrides?: Record<string, string>;
  /** `AGIQA_MODELS_DIR`: local models laid out as `<modelsDir>/<model id>/…`; downloads land here too. */
  modelsDir?: string;
  /** `AGIQA_ALLOW_REMOTE_MODELS`: download from the Hugging Face hub when not found locally. */
  allowRemote?: boolean;
  /** Require a text or an image encoder. */
  kind?: EncoderKind;
  /** onnxruntime intra-op threads (default: onnxruntime's choice, all cores). */
  threads?: number;
  /**
   * Let onnxruntime's idle pool threads spin waiting for work (its default). Off here by default:
   * on a shared host spinning threads burn the cores other work needs.
   */
  spinning?: boolean;
  /** ONNX precision (default fp32). */
  dtype?: EncoderDtype;
  /** Image encoders: how images are resized (default `pillow`, bit-exact with the Python processor). */
  imageResize?: ImageResizeMethod;
}

/** An encoder ready to load: where its files are and everything that identifies its outputs. */
export interface ResolvedEncoder {
  name: EncoderName;
  kind: EncoderKind;
  family: EncoderFamily;
  /** The id recorded with the features: the registry id, or the override as given. */
  modelId: string;
  revision: string;
  /** `local`: files on disk at `location`; `remote`: downloaded from the hub by id `location`. */
  source: 'local' | 'remote';
  /** Absolute folder (local) or hub id (remote), as handed to transformers.js. */
  location: string;
  modelsDir: string | null;
  dtype: EncoderDtype;
  device: typeof ENCODER_DEVICE;
  /** Image encoders: how images are resized; null for text encoders. */
  imageResize: ImageResizeMethod | null;
  dim: number;
  projectedDim: number | null;
  /** Text encoders: longest prompt in tokens (specials included). */
  maxTokens: number | null;
  /** Content fingerprint of the local files (null for a not yet downloaded remote model). */
  fingerprint: string | null;
  threads: number | null;
  spinning: boolean;
  /** True for the tiny random fixtures. */
  fixture: boolean;
  /**
   * True when config.json says the weights are random (`agiqa_random_weights`, written by
   * tools/make_real_encoders.py): real-size stand-ins for benchmarks, never the trained models.
   */
  randomWeights: boolean;
  spec: EncoderSpec;
}

const ALL_ENCODERS: Record<EncoderName, EncoderSpec> = { ...TEXT_ENCODERS, ...IMAGE_ENCODERS };

/** Files an encoder folder must hold, by kind (paths relative to the folder), for fp32. */
export const REQUIRED_FILES: Record<EncoderKind, readonly string[]> = {
  text: ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'],
  image: ['config.json', 'preprocessor_config.json', 'onnx/vision_model.onnx'],
};

/** The ONNX file name transformers.js loads for `dtype` (`model.onnx` → `model_quantized.onnx` for q8). */
export function onnxFileFor(file: string, dtype: EncoderDtype): string {
  return dtype === 'q8' ? file.replace(/\.onnx$/, '_quantized.onnx') : file;
}

/** Files an encoder folder must hold for `kind` at `dtype`. */
export function requiredFiles(kind: EncoderKind, dtype: EncoderDtype): string[] {
  return REQUIRED_FILES[kind].map((file) => onnxFileFor(file, dtype));
}

/** Files a Hugging Face (PyTorch) folder must hold for fine-tuning, by kind. */
export const TORCH_REQUIRED_FILES: Record<EncoderKind, readonly string[]> = {
  text: ['config.json', 'model.safetensors', 'tokenizer_config.json'],
  image: ['config.json', 'model.safetensors', 'preprocessor_config.json'],
};

const FAMILIES: readonly EncoderFamily[] = ['bert', 'distilbert', 'roberta', 'clip'];

const HUB_ID = /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/;

/** The registry entry for `name`; an unknown name fails listing the valid ones. */
export function encoderSpec(name: string, kind?: EncoderKind): EncoderSpec {
  const spec = (ALL_ENCODERS as Record<string, EncoderSpec | undefined>)[name];
  if (spec === undefined || (kind !== undefined && spec.kind !== kind)) {
    const valid =
      kind === 'image'
        ? IMAGE_ENCODER_NAMES.join(', ')
        : kind === 'text'
          ? TEXT_ENCODER_NAMES.join(', ')
          : `${TEXT_ENCODER_NAMES.join(', ')} (text); ${IMAGE_ENCODER_NAMES.join(', ')} (image)`;
    const what = kind === undefined ? 'encoder' : `${kind} encoder`;
    throw invalidInput(`unknown ${what} "${name}": valid names are ${valid}`, [{ path: 'encoder', message: `unknown ${what} "${name}"` }]);
  }
  return spec;
}

/**
 * Resolves an encoder name to files: the tiny fixtures to their committed folder; other names
 * (or an override that is a hub id) to `<modelsDir>/<model id>` when that folder exists, else to
 * the hub when `allowRemote`, else a `not_found` error that says where it looked and how to
 * provide the files. An override that is a path must be an existing folder.
 */
export function resolveEncoder(name: string, options: ResolveEncoderOptions = {}): ResolvedEncoder {
  const spec = encoderSpec(name, options.kind);
  const override = options.overrides?.[name];
  const modelsDir = options.modelsDir === undefined ? null : resolve(options.modelsDir);
  const base = settings(spec, modelsDir, options);

  if (override !== undefined && looksLikePath(override)) {
    const folder = resolve(override);
    if (!existsSync(folder) || !statSync(folder).isDirectory()) {
      throw invalidInput(`model override for ${name} is not a folder: ${folder}`, [
        { path: `modelOverrides.${name}`, message: `no folder at ${folder}` },
      ]);
    }
    return local(base, override, 'local', folder, false);
  }

  if (override === undefined && spec.fixture !== undefined) {
    return local(base, spec.modelId, spec.revision, join(FIXTURES_DIR, spec.fixture), true);
  }

  const modelId = override ?? spec.modelId;
  if (!HUB_ID.test(modelId)) {
    throw invalidInput(`model override for ${name} is neither a folder nor a hub id: "${modelId}"`, [
      { path: `modelOverrides.${name}`, message: 'expected "owner/name" or a folder path' },
    ]);
  }
  const revision = override === undefined ? spec.revision : 'main';
  const candidate = modelsDir === null ? null : join(modelsDir, modelId);
  if (candidate !== null && existsSync(join(candidate, 'config.json'))) {
    return local(base, modelId, revision, candidate, false);
  }
  if (options.allowRemote === true) {
    return {
      ...shape(spec, null),
      ...base,
      name: spec.name,
      kind: spec.kind,
      family: spec.family,
      modelId,
      revision,
      source: 'remote',
      location: modelId,
      device: ENCODER_DEVICE,
      fingerprint: null,
      fixture: false,
      randomWeights: false,
    };
  }
  const where = candidate === null ? 'no local models folder is configured (AGIQA_MODELS_DIR is unset)' : `${candidate} does not exist`;
  throw new AgiqaError(
    'not_found',
    `encoder ${name} (${modelId}) is not available offline: ${where}. Place ${requiredFiles(spec.kind, base.dtype).join(', ')} ` +
      `under AGIQA_MODELS_DIR/${modelId}/ (copy the hub repository, or export PyTorch weights with ` +
      `tools/export_encoder_onnx.py), or set AGIQA_ALLOW_REMOTE_MODELS=1 on a machine that can reach the Hugging Face hub`,
    [{ path: `encoders.${name}`, message: where }],
  );
}

/** A Hugging Face model folder for fine-tuning (config.json, model.safetensors, tokenizer or preprocessor files). */
export interface TorchEncoderFolder {
  name: EncoderName;
  kind: EncoderKind;
  /** The id recorded with the run: the registry's PyTorch id, or the override as given. */
  modelId: string;
  /** Absolute folder. */
  folder: string;
  /** Text encoders: longest prompt in tokens (specials included), from config.json. */
  maxTokens: number | null;
  /** True for the tiny random fixtures. */
  fixture: boolean;
}

/**
 * The Hugging Face folder an encoder is fine-tuned from: a `modelOverrides` folder as given (or a
 * hub id under `modelsDir`); the tiny fixtures' own folders (which also hold `model.safetensors`);
 * `<modelsDir>/<PyTorch hub id>/` (e.g. `google-bert/bert-base-uncased`); or `<modelsDir>/<ONNX id>/`
 * when that folder holds the PyTorch weights too. No download: a missing folder is `not_found`,
 * naming where it looked and which files to put there.
 */
export function resolveTorchEncoder(name: string, options: Pick<ResolveEncoderOptions, 'overrides' | 'modelsDir' | 'kind'> = {}): TorchEncoderFolder {
  const spec = encoderSpec(name, options.kind);
  const override = options.overrides?.[name];
  const modelsDir = options.modelsDir === undefined ? null : resolve(options.modelsDir);
  const found = (modelId: string, folder: string, fixture: boolean): TorchEncoderFolder => {
    const missing = TORCH_REQUIRED_FILES[spec.kind].filter((file) => !existsSync(join(folder, file)));
    if (missing.length > 0) {
      throw new AgiqaError(
        'not_found',
        `encoder ${spec.name}: ${folder} lacks ${missing.join(', ')}, which fine-tuning needs (a Hugging Face model folder: ${TORCH_REQUIRED_FILES[spec.kind].join(', ')}${spec.kind === 'text' ? ' and tokenizer.json' : ''})`,
        missing.map((file) => ({ path: join(folder, file), message: 'missing' })),
      );
    }
    return { name: spec.name, kind: spec.kind, modelId, folder, maxTokens: shape(spec, readJson(join(folder, 'config.json'))).maxTokens, fixture };
  };

  if (override !== undefined && looksLikePath(override)) {
    const folder = resolve(override);
    if (!existsSync(folder) || !statSync(folder).isDirectory()) {
      throw invalidInput(`model override for ${name} is not a folder: ${folder}`, [{ path: `modelOverrides.${name}`, message: `no folder at ${folder}` }]);
    }
    return found(override, folder, false);
  }
  if (override === undefined && spec.fixture !== undefined) return found(spec.modelId, join(FIXTURES_DIR, spec.fixture), true);
  const ids = override !== undefined ? [override] : [spec.torchModelId, spec.modelId].filter((id): id is string => id !== undefined);
  const candidates = modelsDir === null ? [] : ids.map((id) => ({ id, folder: join(modelsDir, id) }));
  const hit = candidates.find((c) => existsSync(join(c.folder, 'model.safetensors')));
  if (hit) return found(hit.id, hit.folder, false);
  const where = modelsDir === null ? 'no local models folder is configured (AGIQA_MODELS_DIR is unset)' : `none of ${candidates.map((c) => c.folder).join(', ')} holds model.safetensors`;
  throw new AgiqaError(
    'not_found',
    `encoder ${spec.name} has no PyTorch weights for fine-tuning: ${where}. Put ${TORCH_REQUIRED_FILES[spec.kind].join(', ')} ` +
      `(the Hugging Face repository ${ids[0]}) under AGIQA_MODELS_DIR/${ids[0]}/, or name a folder in the grid's modelOverrides`,
    [{ path: `encoders.${name}`, message: where }],
  );
}

function looksLikePath(value: string): boolean {
  return isAbsolute(value) || value.startsWith('./') || value.startsWith('../') || value === '.' || value === '..';
}

/** What the caller chose, the same for every source. */
type Settings = Pick<ResolvedEncoder, 'spec' | 'modelsDir' | 'threads' | 'spinning' | 'dtype' | 'imageResize'>;

function settings(spec: EncoderSpec, modelsDir: string | null, options: ResolveEncoderOptions): Settings {
  const dtype = options.dtype ?? ENCODER_DTYPE;
  if (!(ENCODER_DTYPES as readonly string[]).includes(dtype)) {
    throw invalidInput(`unknown encoder dtype "${dtype}": valid values are ${ENCODER_DTYPES.join(', ')}`, [{ path: 'features.dtype', message: 'unknown dtype' }]);
  }
  const resize = options.imageResize ?? 'pillow';
  if (!(IMAGE_RESIZE_METHODS as readonly string[]).includes(resize)) {
    throw invalidInput(`unknown image resize "${resize}": valid values are ${IMAGE_RESIZE_METHODS.join(', ')}`, [{ path: 'features.resize', message: 'unknown resize' }]);
  }
  return {
    spec,
    modelsDir,
    threads: options.threads ?? null,
    spinning: options.spinning ?? false,
    dtype,
    imageResize: spec.kind === 'image' ? resize : null,
  };
}

function local(base: Settings, modelId: string, revision: string, folder: string, fixture: boolean): ResolvedEncoder {
  const { spec } = base;
  const needed = requiredFiles(spec.kind, base.dtype);
  const missing = needed.filter((file) => !existsSync(join(folder, file)));
  if (missing.length > 0) {
    const how = base.dtype === 'q8' ? 'tools/export_encoder_onnx.py --q8 writes the quantised graphs' : 'tools/export_encoder_onnx.py writes this layout';
    throw new AgiqaError(
      'not_found',
      `encoder ${spec.name}: ${folder} lacks ${missing.join(', ')} (a ${spec.kind} encoder at ${base.dtype} needs ` +
        `${needed.join(', ')}; ${how})`,
      missing.map((file) => ({ path: join(folder, file), message: 'missing' })),
    );
  }
  const config = readJson(join(folder, 'config.json'));
  const family = FAMILIES.find((f) => f === config.model_type) ?? spec.family;
  return {
    ...shape({ ...spec, family }, config),
    ...base,
    name: spec.name,
    kind: spec.kind,
    family,
    modelId,
    revision,
    source: 'local',
    location: folder,
    device: ENCODER_DEVICE,
    fingerprint: fingerprintFolder(folder, spec.kind, base.dtype),
    randomWeights: config.agiqa_random_weights === true,
    fixture,
    spec,
  };
}

type Json = Record<string, unknown>;

/** Widths and token limit from the model's config.json (an override may differ from the registry). */
function shape(spec: EncoderSpec, config: Json | null): Pick<ResolvedEncoder, 'dim' | 'projectedDim' | 'maxTokens'> {
  if (config === null) {
    return { dim: spec.dim, projectedDim: spec.projectedDim ?? null, maxTokens: spec.maxTokens ?? null };
  }
  const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
  if (spec.kind === 'image') {
    const vision = (config.vision_config ?? {}) as Json;
    return {
      dim: num(vision.hidden_size) ?? spec.dim,
      projectedDim: num(config.projection_dim) ?? spec.projectedDim ?? null,
      maxTokens: null,
    };
  }
  // RoBERTa numbers positions from padding_idx + 1: 514 position embeddings hold 512 tokens.
  const positions = num(config.max_position_embeddings);
  const usable = positions === undefined ? undefined : spec.family === 'roberta' ? positions - 2 : positions;
  return {
    dim: num(config.hidden_size) ?? num(config.dim) ?? spec.dim,
    projectedDim: null,
    maxTokens: Math.min(spec.maxTokens ?? 512, usable ?? Number.POSITIVE_INFINITY),
  };
}

export function readJson(path: string): Json {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Json;
  } catch (error) {
    throw invalidInput(`${path}: not readable JSON (${(error as Error).message})`, [{ path, message: 'invalid JSON' }]);
  }
}

const FINGERPRINT_SPAN = 1 << 20;

/**
 * A cheap content fingerprint of an encoder folder: the JSON files in full, and for each ONNX file
 * its size plus its first and last MiB (hashing 500 MB of weights on every key lookup would cost
 * seconds; regenerated or replaced weights change these bytes).
 */
function fingerprintFolder(folder: string, kind: EncoderKind, dtype: EncoderDtype): string {
  const hash = createHash('sha256');
  const files = [
    ...requiredFiles(kind, dtype),
    ...(kind === 'image' ? ['tokenizer.json', 'tokenizer_config.json', onnxFileFor('onnx/text_model.onnx', dtype)] : []),
  ];
  for (const file of files) {
    const path = join(folder, file);
    if (!existsSync(path)) continue;
    hash.update(`${file}\0`);
    if (!file.endsWith('.onnx')) {
      hash.update(readFileSync(path));
      continue;
    }
    const size = statSync(path).size;
    hash.update(`${size}\0`);
    const fd = openSync(path, 'r');
    try {
      for (const start of size <= 2 * FINGERPRINT_SPAN ? [0] : [0, size - FINGERPRINT_SPAN]) {
        const buffer = Buffer.alloc(Math.min(size, size <= 2 * FINGERPRINT_SPAN ? size : FINGERPRINT_SPAN));
        readSync(fd, buffer, 0, buffer.length, start);
        hash.update(buffer);
      }
    } finally {
      closeSync(fd);
    }
  }
  return hash.digest('hex');
}

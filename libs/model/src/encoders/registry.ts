import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AgiqaError,
  IMAGE_ENCODER_NAMES,
  invalidInput,
  TEXT_ENCODER_NAMES,
  type ImageEncoderName,
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

/** ONNX precision: pinned (transformers.js would pick q8 for some devices) and recorded with every feature set. */
export const ENCODER_DTYPE = 'fp32';
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
  dtype: typeof ENCODER_DTYPE;
  device: typeof ENCODER_DEVICE;
  dim: number;
  projectedDim: number | null;
  /** Text encoders: longest prompt in tokens (specials included). */
  maxTokens: number | null;
  /** Content fingerprint of the local files (null for a not yet downloaded remote model). */
  fingerprint: string | null;
  threads: number | null;
  /** True for the tiny random fixtures. */
  fixture: boolean;
  spec: EncoderSpec;
}

const ALL_ENCODERS: Record<EncoderName, EncoderSpec> = { ...TEXT_ENCODERS, ...IMAGE_ENCODERS };

/** Files an encoder folder must hold, by kind (paths relative to the folder). */
export const REQUIRED_FILES: Record<EncoderKind, readonly string[]> = {
  text: ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'],
  image: ['config.json', 'preprocessor_config.json', 'onnx/vision_model.onnx'],
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
  const base = { spec, modelsDir, threads: options.threads ?? null };

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
      name: spec.name,
      kind: spec.kind,
      family: spec.family,
      modelId,
      revision,
      source: 'remote',
      location: modelId,
      modelsDir,
      dtype: ENCODER_DTYPE,
      device: ENCODER_DEVICE,
      fingerprint: null,
      threads: base.threads,
      fixture: false,
      spec,
    };
  }
  const where = candidate === null ? 'no local models folder is configured (AGIQA_MODELS_DIR is unset)' : `${candidate} does not exist`;
  throw new AgiqaError(
    'not_found',
    `encoder ${name} (${modelId}) is not available offline: ${where}. Place ${REQUIRED_FILES[spec.kind].join(', ')} ` +
      `under AGIQA_MODELS_DIR/${modelId}/ (copy the hub repository, or export PyTorch weights with ` +
      `tools/export_encoder_onnx.py), or set AGIQA_ALLOW_REMOTE_MODELS=1 on a machine that can reach the Hugging Face hub`,
    [{ path: `encoders.${name}`, message: where }],
  );
}

function looksLikePath(value: string): boolean {
  return isAbsolute(value) || value.startsWith('./') || value.startsWith('../') || value === '.' || value === '..';
}

function local(
  base: { spec: EncoderSpec; modelsDir: string | null; threads: number | null },
  modelId: string,
  revision: string,
  folder: string,
  fixture: boolean,
): ResolvedEncoder {
  const { spec } = base;
  const missing = REQUIRED_FILES[spec.kind].filter((file) => !existsSync(join(folder, file)));
  if (missing.length > 0) {
    throw new AgiqaError(
      'not_found',
      `encoder ${spec.name}: ${folder} lacks ${missing.join(', ')} (a ${spec.kind} encoder needs ` +
        `${REQUIRED_FILES[spec.kind].join(', ')}; tools/export_encoder_onnx.py writes this layout)`,
      missing.map((file) => ({ path: join(folder, file), message: 'missing' })),
    );
  }
  const config = readJson(join(folder, 'config.json'));
  const family = FAMILIES.find((f) => f === config.model_type) ?? spec.family;
  return {
    ...shape({ ...spec, family }, config),
    name: spec.name,
    kind: spec.kind,
    family,
    modelId,
    revision,
    source: 'local',
    location: folder,
    modelsDir: base.modelsDir,
    dtype: ENCODER_DTYPE,
    device: ENCODER_DEVICE,
    fingerprint: fingerprintFolder(folder, spec.kind),
    threads: base.threads,
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
function fingerprintFolder(folder: string, kind: EncoderKind): string {
  const hash = createHash('sha256');
  const files = [
    ...REQUIRED_FILES[kind],
    ...(kind === 'image' ? ['tokenizer.json', 'tokenizer_config.json', 'onnx/text_model.onnx'] : []),
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

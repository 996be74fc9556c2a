import { join } from 'node:path';
import { AgiqaError } from '@agiqa/contracts';
import {
  AutoImageProcessor,
  AutoModel,
  AutoTokenizer,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  env,
  Tensor,
  type PreTrainedModel,
} from '@huggingface/transformers';
import { outputSize, parseImagePreprocessing, type ImagePreprocessing } from './image-preprocess.js';
import { readJson, type ResolvedEncoder } from './registry.js';
import { PromptTokenizer, type TokenizedText, type TokenizerLike } from './tokenize.js';

/** Versions recorded with every feature set and timing row. */
export function runtimeVersions(): { transformers: string; onnxruntime: string } {
  const onnx = env.backends.onnx as { versions?: { node?: string; common?: string } };
  return { transformers: env.version, onnxruntime: onnx.versions?.node ?? onnx.versions?.common ?? 'unknown' };
}

/** `[batch, tokens, dim]` hidden states of one padded batch. */
export interface EncodedTextBatch {
  data: Float32Array;
  batch: number;
  tokens: number;
  dim: number;
  /** Unpadded length of each row: rows are valid up to here, padding beyond. */
  lengths: number[];
}

/** A loaded text encoder (BERT family, F_T). */
export interface TextEncoderRuntime {
  readonly encoder: ResolvedEncoder;
  readonly maxTokens: number;
  tokenize(text: string): TokenizedText;
  /** Pads the batch, runs the ONNX graph and returns last_hidden_state. */
  encode(batch: readonly TokenizedText[]): Promise<EncodedTextBatch>;
  /** Releases the ONNX session. */
  dispose(): Promise<void>;
}

/** `[batch, dim]` pooled F_I (null when the graph has no pooler_output) and `[batch, projectedDim]` image_embeds. */
export interface EncodedImageBatch {
  pooled: Float32Array | null;
  projected: Float32Array;
  batch: number;
  dim: number;
  projectedDim: number;
}

/** A loaded CLIP vision tower. */
export interface ImageEncoderRuntime {
  readonly encoder: ResolvedEncoder;
  readonly preprocessing: ImagePreprocessing;
  /** Model input size after preprocessing. */
  readonly inputSize: { height: number; width: number };
  /** `pixels` is `[batch, 3, height, width]`. */
  encode(pixels: Float32Array, batch: number): Promise<EncodedImageBatch>;
  dispose(): Promise<void>;
}

/** A loaded CLIP text tower (for the antonym baseline): text → projected text_embeds. */
export interface ClipTextRuntime {
  readonly encoder: ResolvedEncoder;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

type Outputs = Record<string, Tensor | undefined>;
type Callable = PreTrainedModel & ((inputs: Record<string, Tensor>) => Promise<Outputs>);

const loaded = new Map<string, Promise<{ dispose(): Promise<void> }>>();
let envLock: Promise<unknown> = Promise.resolve();

/**
 * transformers.js reads its global `env` at several awaits while loading; loads run one at a time
 * so that each sees the settings of its own encoder.
 */
function withEnv<T>(encoder: ResolvedEncoder, load: () => Promise<T>): Promise<T> {
  const run = envLock.then(async () => {
    env.allowLocalModels = true;
    env.allowRemoteModels = encoder.source === 'remote';
    if (encoder.modelsDir !== null) {
      // Hub ids are looked up under <modelsDir>/<id>, and downloads are stored there in the same
      // layout, so a model fetched once is found locally by the next (offline) resolve.
      env.localModelPath = encoder.modelsDir;
      env.cacheDir = encoder.modelsDir;
      env.useFSCache = true;
    }
    return load();
  });
  envLock = run.catch(() => undefined);
  return run;
}

/**
 * `shared` (default): one session per encoder and settings in this process, kept until
 * `releaseEncoders`. Not shared: a session of the caller's own, which it disposes when done (a
 * worker's extraction, so that it holds one model at a time).
 */
export interface LoadOptions {
  shared?: boolean;
}

function memo<T extends { dispose(): Promise<void> }>(key: string, create: () => Promise<T>, options: LoadOptions = {}): Promise<T> {
  if (options.shared === false) return create();
  let entry = loaded.get(key) as Promise<T> | undefined;
  if (entry === undefined) {
    entry = create();
    loaded.set(key, entry);
    entry.catch(() => loaded.delete(key));
  }
  return entry;
}

function loadKey(encoder: ResolvedEncoder, part: string): string {
  return JSON.stringify([part, encoder.location, encoder.revision, encoder.fingerprint, encoder.dtype, encoder.threads, encoder.spinning]);
}

/**
 * onnxruntime session options: the intra-op thread count when one is set (one inter-op thread:
 * the graphs run sequentially), and whether idle pool threads spin. onnxruntime-node reads
 * `extra` as session config entries (`session.intra_op.allow_spinning`, …).
 */
export function sessionOptions(encoder: Pick<ResolvedEncoder, 'threads' | 'spinning'>) {
  const spin = encoder.spinning ? '1' : '0';
  return {
    ...(encoder.threads === null ? {} : { intraOpNumThreads: encoder.threads, interOpNumThreads: 1 }),
    extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
  };
}

function pretrainedOptions(encoder: ResolvedEncoder) {
  return {
    revision: encoder.revision === 'fixture' || encoder.revision === 'local' ? 'main' : encoder.revision,
    // transformers.js loads onnx/<name>_quantized.onnx for q8.
    dtype: encoder.dtype,
    device: encoder.device,
    local_files_only: encoder.source === 'local',
    session_options: sessionOptions(encoder),
  } as const;
}

function loadFailure(encoder: ResolvedEncoder, what: string, error: unknown): AgiqaError {
  if (error instanceof AgiqaError) return error;
  const where = encoder.source === 'local' ? encoder.location : `the hub (${encoder.location}@${encoder.revision})`;
  return new AgiqaError('unavailable', `encoder ${encoder.name}: cannot load the ${what} from ${where}: ${(error as Error).message}`);
}

function requireOutput(encoder: ResolvedEncoder, outputs: Outputs, name: string, file: string): Tensor {
  const tensor = outputs[name];
  if (tensor === undefined) {
    throw new AgiqaError(
      'invalid_input',
      `encoder ${encoder.name} (${encoder.modelId}): ${file} has no ${name} output (it has ${Object.keys(outputs).join(', ')}); ` +
        'export a feature-extraction graph with tools/export_encoder_onnx.py',
      [{ path: file, message: `missing output ${name}` }],
    );
  }
  return tensor;
}

function float32(tensor: Tensor): Float32Array {
  if (!(tensor.data instanceof Float32Array)) throw new AgiqaError('internal', `expected a float32 tensor, got ${tensor.type}`);
  return tensor.data;
}

function disposeAll(outputs: Outputs): void {
  for (const tensor of Object.values(outputs)) tensor?.dispose();
}

async function loadTokenizer(encoder: ResolvedEncoder): Promise<TokenizerLike> {
  const tokenizer = await withEnv(encoder, () => AutoTokenizer.from_pretrained(encoder.location, pretrainedOptions(encoder)));
  return tokenizer as unknown as TokenizerLike;
}

/** Loads (once per process) a BERT / DistilBERT / RoBERTa encoder, fp32 on the CPU. */
export function loadTextEncoder(encoder: ResolvedEncoder, options: LoadOptions = {}): Promise<TextEncoderRuntime> {
  if (encoder.kind !== 'text') throw new AgiqaError('internal', `${encoder.name} is not a text encoder`);
  return memo(loadKey(encoder, 'text'), async () => {
    try {
      const tokenizer = new PromptTokenizer(await loadTokenizer(encoder), encoder.maxTokens ?? 512);
      const model = (await withEnv(encoder, () => AutoModel.from_pretrained(encoder.location, pretrainedOptions(encoder)))) as Callable;
      return {
        encoder,
        maxTokens: tokenizer.maxTokens,
        tokenize: (text: string) => tokenizer.encode(text),
        async encode(items: readonly TokenizedText[]): Promise<EncodedTextBatch> {
          const batch = tokenizer.batch(items);
          const inputIds = new Tensor('int64', batch.inputIds, [batch.batch, batch.tokens]);
          const attentionMask = new Tensor('int64', batch.attentionMask, [batch.batch, batch.tokens]);
          const outputs = await model({ input_ids: inputIds, attention_mask: attentionMask });
          try {
            const hidden = requireOutput(encoder, outputs, 'last_hidden_state', 'onnx/model.onnx');
            // [batch, tokens, dim]
            const [, , dim] = hidden.dims;
            return { data: float32(hidden).slice(), batch: batch.batch, tokens: batch.tokens, dim, lengths: batch.lengths };
          } finally {
            disposeAll(outputs);
            inputIds.dispose();
            attentionMask.dispose();
          }
        },
        async dispose() {
          await model.dispose();
        },
      } satisfies TextEncoderRuntime;
    } catch (error) {
      throw loadFailure(encoder, 'text encoder', error);
    }
  }, options);
}

async function loadPreprocessing(encoder: ResolvedEncoder): Promise<ImagePreprocessing> {
  if (encoder.source === 'local') {
    const file = join(encoder.location, 'preprocessor_config.json');
    return parseImagePreprocessing(readJson(file), file);
  }
  const processor = await withEnv(encoder, () => AutoImageProcessor.from_pretrained(encoder.location, pretrainedOptions(encoder)));
  return parseImagePreprocessing((processor as unknown as { config: Record<string, unknown> }).config, `${encoder.location}/preprocessor_config.json`);
}

/** Loads (once per process) a CLIP vision tower (`onnx/vision_model.onnx`), fp32 on the CPU. */
export function loadImageEncoder(encoder: ResolvedEncoder, options: LoadOptions = {}): Promise<ImageEncoderRuntime> {
  if (encoder.kind !== 'image') throw new AgiqaError('internal', `${encoder.name} is not an image encoder`);
  return memo(loadKey(encoder, 'vision'), async () => {
    try {
      const preprocessing = await loadPreprocessing(encoder);
      const model = (await withEnv(encoder, () =>
        CLIPVisionModelWithProjection.from_pretrained(encoder.location, pretrainedOptions(encoder)),
      )) as Callable;
      const inputSize = outputSize(preprocessing);
      return {
        encoder,
        preprocessing,
        inputSize,
        async encode(pixels: Float32Array, batch: number): Promise<EncodedImageBatch> {
          const input = new Tensor('float32', pixels, [batch, 3, inputSize.height, inputSize.width]);
          const outputs = await model({ pixel_values: input });
          try {
            // [batch, projectedDim]
            const projected = requireOutput(encoder, outputs, 'image_embeds', 'onnx/vision_model.onnx');
            // [batch, dim]: post-layernorm CLS, absent from vision graphs exported without it (Xenova's).
            const pooled = outputs.pooler_output;
            return {
              pooled: pooled === undefined ? null : float32(pooled).slice(),
              projected: float32(projected).slice(),
              batch,
              dim: pooled === undefined ? encoder.dim : pooled.dims[1],
              projectedDim: projected.dims[1],
            };
          } finally {
            disposeAll(outputs);
            input.dispose();
          }
        },
        async dispose() {
          await model.dispose();
        },
      } satisfies ImageEncoderRuntime;
    } catch (error) {
      throw loadFailure(encoder, 'vision tower', error);
    }
  }, options);
}

/** Loads (once per process) a CLIP text tower (`onnx/text_model.onnx`) with its tokenizer. */
export function loadClipTextEncoder(encoder: ResolvedEncoder): Promise<ClipTextRuntime> {
  if (encoder.family !== 'clip') throw new AgiqaError('internal', `${encoder.name} is not a CLIP model`);
  return memo(loadKey(encoder, 'clip-text'), async () => {
    try {
      const config = encoder.source === 'local' ? readJson(join(encoder.location, 'config.json')) : {};
      const textConfig = (config.text_config ?? {}) as Record<string, unknown>;
      const positions = typeof textConfig.max_position_embeddings === 'number' ? textConfig.max_position_embeddings : 77;
      const tokenizer = new PromptTokenizer(await loadTokenizer(encoder), positions);
      const model = (await withEnv(encoder, () =>
        CLIPTextModelWithProjection.from_pretrained(encoder.location, pretrainedOptions(encoder)),
      )) as Callable;
      return {
        encoder,
        async embed(texts: readonly string[]): Promise<Float32Array[]> {
          const batch = tokenizer.batch(texts.map((text) => tokenizer.encode(text)));
          const inputIds = new Tensor('int64', batch.inputIds, [batch.batch, batch.tokens]);
          const attentionMask = new Tensor('int64', batch.attentionMask, [batch.batch, batch.tokens]);
          const outputs = await model({ input_ids: inputIds, attention_mask: attentionMask });
          try {
            // [batch, projectedDim]
            const embeds = requireOutput(encoder, outputs, 'text_embeds', 'onnx/text_model.onnx');
            const width = embeds.dims[1];
            const data = float32(embeds);
            return texts.map((_, row) => data.slice(row * width, (row + 1) * width));
          } finally {
            disposeAll(outputs);
            inputIds.dispose();
            attentionMask.dispose();
          }
        },
        async dispose() {
          await model.dispose();
        },
      } satisfies ClipTextRuntime;
    } catch (error) {
      throw loadFailure(encoder, 'CLIP text tower', error);
    }
  });
}

/** Releases every loaded ONNX session (tests, and workers that switch encoders). */
export async function releaseEncoders(): Promise<void> {
  const entries = [...loaded.values()];
  loaded.clear();
  for (const entry of await Promise.allSettled(entries)) {
    if (entry.status === 'fulfilled') await entry.value.dispose();
  }
}

/** How many encoder sessions this process shares (tests, diagnostics). */
export function loadedEncoders(): number {
  return loaded.size;
}

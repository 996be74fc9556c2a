import { invalidInput } from '@agiqa/contracts';
import { decodeBatch, pixelValues } from '../encoders/image-preprocess.js';
import type { ResolvedEncoder } from '../encoders/registry.js';
import { loadImageEncoder, loadTextEncoder, type EncodedImageBatch, type EncodedTextBatch } from '../encoders/runtime.js';
import { machineInfo, type MachineInfo } from './machine.js';
import { median, p90 } from '../stats/quantiles.js';

/** Stages of one inference, in the order they run; `total` is the wall time of all of them. */
export const TIMING_STAGES = ['tokenize', 'text_encode', 'image_preprocess', 'image_encode', 'head', 'total'] as const;
export type TimingStage = (typeof TIMING_STAGES)[number];

/** What the head stage receives: the batch's F_I and padded F_T, as the encoders produced them. */
export interface HeadBatch {
  /** pooled `[batch, dim]` (or null) and projected `[batch, projectedDim]`. */
  image: EncodedImageBatch;
  /** `[batch, tokens, dim]` with per-row lengths (padding beyond). */
  text: EncodedTextBatch;
}

export interface MeasureLatencyOptions {
  text: ResolvedEncoder;
  image: ResolvedEncoder;
  /** The fusion head's forward pass (supplied by the caller: the heads live in fusion/). */
  head?: (batch: HeadBatch) => Promise<void> | void;
  /** Fusion the head implements, recorded with the rows (TimingMeasurement.fusion). */
  fusion?: string;
  /** tfjs backend the head runs on, recorded with the rows. */
  tfjsBackend?: string;
  /** Prompts and images used round-robin to fill the batches. */
  prompts: readonly string[];
  imagePaths: readonly string[];
  batchSizes: readonly number[];
  /** Untimed iterations per batch size before measuring (loads, allocations, JIT). */
  warmup: number;
  /** Timed iterations per batch size. */
  repeats: number;
}

/** Latency of one stage at one batch size. */
export interface TimingRow {
  textEncoder: string;
  imageEncoder: string;
  /** `fusion` as given (`head` when unnamed), or null when no head ran. */
  fusion: string | null;
  stage: TimingStage;
  batchSize: number;
  /** Timed iterations. */
  samples: number;
  /** Per image: the batch's time divided by its size (equal to the batch time at batch size 1). */
  medianMs: number;
  p90Ms: number;
  /** Per forward batch. */
  batchMedianMs: number;
  batchP90Ms: number;
  /** Every timed batch, in order (ms). */
  samplesMs: number[];
  /** `onnxruntime-cpu` for encoder stages, `tfjs-<name>` for the head, both joined for total. */
  backend: string;
  machine: MachineInfo;
}

/**
 * Measures inference latency stage by stage: tokenise the batch's prompts, run the text encoder,
 * decode + resize + normalise its images, run the vision tower, run the head. Stages run one after
 * another (no overlap), each timed with `performance.now()`; each batch size gets `warmup` untimed
 * iterations, then `repeats` timed ones. Median and p90 are reported per image and per batch.
 */
export async function measureLatency(options: MeasureLatencyOptions): Promise<TimingRow[]> {
  const { prompts, imagePaths, batchSizes, warmup, repeats } = options;
  if (prompts.length === 0) throw invalidInput('measureLatency needs at least one prompt', [{ path: 'prompts', message: 'empty' }]);
  if (imagePaths.length === 0) throw invalidInput('measureLatency needs at least one image', [{ path: 'imagePaths', message: 'empty' }]);
  if (batchSizes.length === 0 || batchSizes.some((b) => !Number.isInteger(b) || b < 1)) {
    throw invalidInput(`batchSizes must be positive integers, got ${JSON.stringify(batchSizes)}`, [{ path: 'batchSizes', message: 'not positive integers' }]);
  }
  if (!Number.isInteger(warmup) || warmup < 0) throw invalidInput(`warmup must be a non-negative integer, got ${warmup}`, [{ path: 'warmup', message: 'invalid' }]);
  if (!Number.isInteger(repeats) || repeats < 1) throw invalidInput(`repeats must be a positive integer, got ${repeats}`, [{ path: 'repeats', message: 'invalid' }]);

  const [textRuntime, imageRuntime] = await Promise.all([loadTextEncoder(options.text), loadImageEncoder(options.image)]);
  const stages = TIMING_STAGES.filter((stage) => stage !== 'head' || options.head !== undefined);
  const headBackend = `tfjs-${options.tfjsBackend ?? 'unknown'}`;
  const backendOf = (stage: TimingStage): string =>
    stage === 'head' ? headBackend : stage === 'total' && options.head !== undefined ? `onnxruntime-cpu+${headBackend}` : 'onnxruntime-cpu';

  const rows: TimingRow[] = [];
  let cursor = 0;
  for (const batchSize of batchSizes) {
    const timed: Record<TimingStage, number[]> = { tokenize: [], text_encode: [], image_preprocess: [], image_encode: [], head: [], total: [] };
    for (let iteration = 0; iteration < warmup + repeats; iteration++) {
      const texts = Array.from({ length: batchSize }, (_, j) => prompts[(cursor + j) % prompts.length]);
      const paths = Array.from({ length: batchSize }, (_, j) => imagePaths[(cursor + j) % imagePaths.length]);
      cursor += batchSize;
      const times: Partial<Record<TimingStage, number>> = {};
      const start = performance.now();
      let mark = start;
      const lap = (stage: TimingStage) => {
        const now = performance.now();
        times[stage] = now - mark;
        mark = now;
      };

      const tokenized = texts.map((text) => textRuntime.tokenize(text));
      lap('tokenize');
      const text = await textRuntime.encode(tokenized);
      lap('text_encode');
      // [batch, 3, height, width]
      const pixels = pixelValues(await decodeBatch(paths, imageRuntime.preprocessing, options.image.imageResize ?? 'pillow'), imageRuntime.preprocessing);
      lap('image_preprocess');
      const image = await imageRuntime.encode(pixels, batchSize);
      lap('image_encode');
      if (options.head !== undefined) {
        await options.head({ image, text });
        lap('head');
      }
      times.total = performance.now() - start;

      if (iteration >= warmup) for (const stage of stages) timed[stage].push(times[stage] as number);
    }
    const machine = machineInfo(options.head === undefined ? null : (options.tfjsBackend ?? null));
    for (const stage of stages) {
      const samplesMs = timed[stage];
      rows.push({
        textEncoder: options.text.name,
        imageEncoder: options.image.name,
        fusion: options.head === undefined ? null : (options.fusion ?? 'head'),
        stage,
        batchSize,
        samples: samplesMs.length,
        medianMs: median(samplesMs) / batchSize,
        p90Ms: p90(samplesMs) / batchSize,
        batchMedianMs: median(samplesMs),
        batchP90Ms: p90(samplesMs),
        samplesMs,
        backend: backendOf(stage),
        machine,
      });
    }
  }
  return rows;
}

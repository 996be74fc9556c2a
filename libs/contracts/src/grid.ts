import { z } from 'zod';
import {
  FUSION_NAMES,
  IMAGE_ENCODER_NAMES,
  REPORT_RULES,
  SPLIT_UNITS,
  TEXT_ENCODER_NAMES,
  TRAINING_MODES,
  type FusionName,
  type TextEncoderName,
} from './names.js';

/** A non-empty list without duplicates; the message names the duplicate. */
function uniqueList<T extends z.ZodType>(item: T) {
  return z
    .array(item)
    .min(1, 'must list at least one value')
    .superRefine((values, ctx) => {
      const seen = new Set<string>();
      values.forEach((value, index) => {
        const key = JSON.stringify(value);
        if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [index], message: `duplicate value ${key}` });
        seen.add(key);
      });
    });
}

/**
 * How a dataset is split into train / val / test. Stored with every run (through its split
 * manifest) so that a reproduced table says exactly which split produced it.
 */
export const SplitSpecSchema = z
  .object({
    /** What the split keeps apart. Default `prompt`: no prompt leaks from train into test. */
    unit: z.enum(SPLIT_UNITS).default('prompt'),
    /**
     * Share of units in train. Omitted: the paper's ratio for the dataset's format
     * (AGIQA-3K 0.8; AIGCIQA2023 and PKU-I2IQA 0.75), see `PAPER_TRAIN_RATIO`.
     */
    train: z.number().gt(0).lt(1).optional(),
    /** Share of units in validation (needed by the `best-on-val` report rule). */
    val: z.number().min(0).lt(1).default(0),
    /** Seed of the split shuffle; repeat k uses the stream (seed, k). */
    seed: z.int().min(0).max(2 ** 31 - 1).default(0),
    /** Number of split repeats; each repeat is one more cell per grid point. */
    repeats: z.int().min(1).max(100).default(1),
  })
  .strict()
  .refine((s) => s.train === undefined || s.train + s.val < 1, {
    message: 'train + val must leave a non-empty test share (< 1)',
    path: ['val'],
  });
export type SplitSpec = z.infer<typeof SplitSpecSchema>;

/** Train share the paper used, by dataset format (`manifest` covers PKU-I2IQA). */
export const PAPER_TRAIN_RATIO = { agiqa3k: 0.8, aigciqa2023: 0.75, manifest: 0.75 } as const;

/** The train share a split uses on a dataset of `format`: its own, else the paper's. */
export function resolveTrainRatio(split: { train?: number }, format: keyof typeof PAPER_TRAIN_RATIO): number {
  return split.train ?? PAPER_TRAIN_RATIO[format];
}

/**
 * Choices the paper leaves open, each with a documented default (see libs/model fusion docs).
 */
export const HeadOptionsSchema = z
  .object({
    /** Width of FC1 (Eq. 5). */
    hiddenUnits: z.int().min(1).max(8192).default(512),
    /** Concat fusion: how F_T [tokens, d] becomes one vector. Default masked mean (frozen BERT's CLS is weak). */
    textPooling: z.enum(['mean', 'cls']).default('mean'),
    /** F_I: CLIP's pooled output (768-d for ViT-B/32) or the projected image embedding (512-d). */
    imageFeature: z.enum(['pooled', 'projected']).default('pooled'),
    /** Learned projection of F_I into F_T's space: `auto` adds one only when the widths differ. */
    imageProjection: z.enum(['auto', 'linear', 'none']).default('auto'),
    /** Cosine fusion: how per-token similarities S_Q become features for the FC layers. */
    cosineReduce: z.enum(['mean', 'max', 'mean-max']).default('mean-max'),
    /** Cosine fusion: also feed F_I to the FC layers (without it the head sees alignment only). */
    cosineWithImage: z.boolean().default(true),
    /** Cross-attention heads (must divide the text width). */
    attentionHeads: z.int().min(1).max(64).default(8),
    /**
     * Cross-attention: feed [F_I, attended vector] to the FC layers. The attended vector is a
     * mix of (projected) text tokens, so without F_I the head sees the image only through which
     * tokens it attends to and cannot score quality apart from the prompt (false: the paper's
     * literal reading).
     */
    attentionWithImage: z.boolean().default(true),
  })
  .strict();
export type HeadOptions = z.infer<typeof HeadOptionsSchema>;

/**
 * Inference latency of each trained run, measured by the worker that trained it right after
 * training (libs/model `measureLatency` with the run's encoders and trained head): the rows of the
 * timing table. Per stage (tokenise, text encode, image decode + preprocess, image encode, head,
 * total) and batch size, after warm-up; median and p90 per image.
 */
export const LatencyOptionsSchema = z
  .object({
    batchSizes: uniqueList(z.int().min(1).max(256)).default([1, 8]),
    /** Untimed iterations per batch size before measuring. */
    warmup: z.int().min(0).max(100).default(2),
    /** Timed iterations per batch size. */
    repeats: z.int().min(1).max(1000).default(10),
    /** Test items whose prompts and images fill the batches (round-robin). */
    items: z.int().min(1).max(512).default(16),
  })
  .strict();
export type LatencyOptions = z.infer<typeof LatencyOptionsSchema>;

/**
 * An ablation grid: text encoder × fusion × dataset × split repeat × seed. This is the body of
 * `POST /api/sweeps` and the input of a schedule.
 */
export const GridSpecSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    encoders: uniqueList(z.enum(TEXT_ENCODER_NAMES)),
    fusions: uniqueList(z.enum(FUSION_NAMES)),
    /** Names of registered datasets. */
    datasets: uniqueList(z.string().trim().min(1).max(200)),
    imageEncoder: z.enum(IMAGE_ENCODER_NAMES).default('clip-vit-b32'),
    split: SplitSpecSchema.default({ unit: 'prompt', val: 0, seed: 0, repeats: 1 }),
    seeds: uniqueList(z.int().min(0).max(2 ** 31 - 1)),
    /** Paper: 100. */
    epochs: z.int().min(1, 'must be a positive integer').max(10_000).default(100),
    batchSize: z.int().min(1).max(4096).default(32),
    /** Adam learning rate. Paper: 1e-4. */
    learningRate: z.number().positive().max(1).default(1e-4),
    reportRule: z.enum(REPORT_RULES).default('last'),
    trainingMode: z.enum(TRAINING_MODES).default('frozen'),
    /** Which MOS label is regressed (e.g. `quality`, `align`). */
    label: z.string().trim().min(1).default('quality'),
    head: HeadOptionsSchema.default(HeadOptionsSchema.parse({})),
    /** Encoder name → model id or local folder, overriding the registry for this grid. */
    modelOverrides: z.record(z.string(), z.string().min(1)).optional(),
    /** Cells in flight at once for this sweep. */
    maxParallel: z.int().min(1).max(256).default(4),
    /** Measure each run's inference latency after training (omitted: not measured). */
    timing: LatencyOptionsSchema.optional(),
  })
  .strict()
  .refine((g) => g.trainingMode !== 'finetune', {
    message: 'finetune mode is not available yet: encoders run frozen through ONNX; use "frozen"',
    path: ['trainingMode'],
  })
  .refine((g) => g.reportRule !== 'best-on-val' || g.split.val > 0, {
    message: 'best-on-val needs a validation share: set split.val > 0',
    path: ['reportRule'],
  });
export type GridSpec = z.infer<typeof GridSpecSchema>;
/** What a client may send: defaults not yet applied. */
export type GridSpecInput = z.input<typeof GridSpecSchema>;

/** One grid cell: everything that distinguishes one run from another in a sweep. */
export interface GridCell {
  /** Stable key, unique within a sweep: `dataset/encoder/fusion/r{repeat}/s{seed}`. */
  key: string;
  dataset: string;
  textEncoder: TextEncoderName;
  fusion: FusionName;
  splitRepeat: number;
  seed: number;
}

export function cellKey(cell: Omit<GridCell, 'key'>): string {
  return `${cell.dataset}/${cell.textEncoder}/${cell.fusion}/r${cell.splitRepeat}/s${cell.seed}`;
}

/**
 * Expands a grid into its cells in a fixed order (dataset, encoder, fusion, repeat, seed). Pure and
 * deterministic: workflow code calls it, and replays must see the same list.
 */
export function expandGrid(grid: GridSpec): GridCell[] {
  const cells: GridCell[] = [];
  for (const dataset of grid.datasets) {
    for (const textEncoder of grid.encoders) {
      for (const fusion of grid.fusions) {
        for (let splitRepeat = 0; splitRepeat < grid.split.repeats; splitRepeat++) {
          for (const seed of grid.seeds) {
            const cell = { dataset, textEncoder, fusion, splitRepeat, seed };
            cells.push({ key: cellKey(cell), ...cell });
          }
        }
      }
    }
  }
  return cells;
}

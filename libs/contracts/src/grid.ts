import { z } from 'zod';
import { invalidInput } from './errors.js';
import {
  ENCODER_DTYPES,
  FUSION_NAMES,
  IMAGE_ENCODER_NAMES,
  IMAGE_RESIZE_METHODS,
  METHOD_NAMES,
  REPORT_RULES,
  SPLIT_UNITS,
  TEXT_ENCODER_NAMES,
  TRAINERS,
  TRAINING_MODES,
  type FusionName,
  type TextEncoderName,
} from './names.js';

/** A list without duplicates (the message names the duplicate), non-empty unless `allowEmpty`. */
function uniqueList<T extends z.ZodType>(item: T, { allowEmpty = false } = {}) {
  return z
    .array(item)
    .min(allowEmpty ? 0 : 1, 'must list at least one value')
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
    /**
     * Concat and cross-attention: a learned projection of F_I into F_T's space (`linear`), or none
     * (`auto`, `none`: neither fusion needs a shared space). Cosine fusion reads `cosineSpace`.
     */
    imageProjection: z.enum(['auto', 'linear', 'none']).default('auto'),
    /**
     * Cosine fusion: the space in which F_I and each F_T token are compared (Eq. 3; the paper does
     * not say). `shared` (default): both go through learned linear maps into one
     * `cosineSharedDim`-wide space, whatever their widths — frozen CLIP and BERT spaces are
     * unrelated even at equal widths (768/768), so a cosine of the raw vectors is noise and the
     * head degrades to an image-only regressor. `image`: only F_I is mapped, into F_T's space.
     * `none`: cosine of the raw features (equal widths required).
     */
    cosineSpace: z.enum(['shared', 'image', 'none']).default('shared'),
    /**
     * Cosine fusion with `cosineSpace: shared`: width of the shared space. 64: on the synthetic
     * prompt–image task at 768/768 it learns as well as 256 (test SRCC 0.58–0.59 vs 0.56) at a
     * quarter of the cost of projecting every token.
     */
    cosineSharedDim: z.int().min(1).max(8192).default(64),
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
 * How the frozen encoders compute features. Both choices are part of the feature content key (so
 * features of different settings never mix) and of every run's config.
 */
export const FeatureOptionsSchema = z
  .object({
    /** `fp32` (default) or `q8`: int8 dynamically quantised encoders (see ENCODER_DTYPES). */
    dtype: z.enum(ENCODER_DTYPES).default('fp32'),
    /** `pillow` (default): Pillow-exact resize; `libvips`: faster, not bit-identical (see IMAGE_RESIZE_METHODS). */
    resize: z.enum(IMAGE_RESIZE_METHODS).default('pillow'),
  })
  .strict();
export type FeatureOptions = z.infer<typeof FeatureOptionsSchema>;

/**
 * Fine-tuning (`trainingMode: finetune`, torch engine): the text encoder and the CLIP vision tower
 * are loaded from Hugging Face folders (config.json, model.safetensors, tokenizer / preprocessor
 * files) and trained end to end with the fusion head.
 */
export const FinetuneOptionsSchema = z
  .object({
    /**
     * Adam step size of the encoders. Omitted: the grid's `learningRate` (the paper trains one Adam
     * at 1e-4 over everything); BERT-style fine-tuning usually takes 1e-5 to 5e-5.
     */
    encoderLearningRate: z.number().positive().max(1).optional(),
    /** Bottom layers of each encoder kept frozen: the embeddings and the first k transformer layers (0: train everything). */
    frozenLayers: z.int().min(0).max(48).default(0),
    /** bf16 autocast of the forward pass on a GPU (the CPU computes float32; each run records the dtype it used). */
    bf16: z.boolean().default(true),
    /** Recompute activations in the backward pass: less memory, more time, the same numbers. */
    gradientCheckpointing: z.boolean().default(false),
  })
  .strict();
export type FinetuneOptions = z.infer<typeof FinetuneOptionsSchema>;

/** A fine-tuning grid's options with every default applied (`encoderLearningRate` falls back to `learningRate`). */
export function resolveFinetuneOptions(grid: { finetune?: FinetuneOptions; learningRate: number }): Required<FinetuneOptions> {
  const options = FinetuneOptionsSchema.parse(grid.finetune ?? {});
  return { ...options, encoderLearningRate: options.encoderLearningRate ?? grid.learningRate };
}

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

/** The antonym pair of CLIP-IQA (Eq. 1), positive first. */
export const CLIP_IQA_DEFAULT_PROMPTS = ['Good photo.', 'Bad photo.'] as const;

/**
 * The `clip-iqa` method (the paper's Eqs. 1–2, zero-shot): each test image's CLIP embedding is
 * compared by cosine with the embeddings of a positive and a negative prompt, and its score is the
 * softmax probability of the positive one.
 */
export const ClipIqaOptionsSchema = z
  .object({
    /** The antonym pair, positive first (default "Good photo." / "Bad photo."). */
    prompts: z
      .tuple([z.string().trim().min(1).max(500), z.string().trim().min(1).max(500)])
      .refine(([good, bad]) => good !== bad, { message: 'the two prompts must differ' })
      .default([...CLIP_IQA_DEFAULT_PROMPTS]),
    /**
     * Factor on the cosines before the softmax. Default 1: the paper's Eq. 2, the softmax of the
     * raw cosines. 100 is CLIP ViT-B/32's learned logit scale, as the original CLIP-IQA uses it.
     * The ranking of images (SRCC) is the same for every scale; PLCC is not.
     */
    logitScale: z.number().positive().max(1000).default(1),
  })
  .strict();
export type ClipIqaOptions = z.infer<typeof ClipIqaOptionsSchema>;

/**
 * Runs a cross-field check of the grid as soon as the fields it reads parsed, even when other
 * fields failed: Zod skips object refinements after any issue by default, so a form with a bad
 * `epochs` would not learn that it also lists no encoder until it fixed `epochs`.
 */
function whenValid(...keys: string[]): { when: (payload: z.core.ParsePayload) => boolean } {
  const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);
  // An issue without a path is about the whole value (not an object at all): nothing to cross-check.
  const blocks = (path: PropertyKey[] | undefined) => path === undefined || path.length === 0 || keys.includes(String(path[0]));
  return { when: (payload) => isObject(payload.value) && !payload.issues.some((issue) => blocks(issue.path)) };
}

/**
 * An ablation grid: for the `fusion-head` method text encoder × fusion × dataset × split repeat ×
 * seed, for `clip-iqa` dataset × split repeat. This is the body of `POST /api/sweeps` and the input
 * of a schedule.
 */
export const GridSpecSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    /** What the cells run (default the paper's trained fusion head only). */
    methods: uniqueList(z.enum(METHOD_NAMES)).default(['fusion-head']),
    /** `fusion-head` only; required by it. */
    encoders: uniqueList(z.enum(TEXT_ENCODER_NAMES), { allowEmpty: true }).default([]),
    /** `fusion-head` only; required by it. */
    fusions: uniqueList(z.enum(FUSION_NAMES), { allowEmpty: true }).default([]),
    /** Names of registered datasets. */
    datasets: uniqueList(z.string().trim().min(1).max(200)),
    /** CLIP ViT-B/32 (or its tiny fixture): F_I for fusion heads, both towers for `clip-iqa`. */
    imageEncoder: z.enum(IMAGE_ENCODER_NAMES).default('clip-vit-b32'),
    split: SplitSpecSchema.default({ unit: 'prompt', val: 0, seed: 0, repeats: 1 }),
    /** Training seeds, `fusion-head` only (required by it): `clip-iqa` is deterministic. */
    seeds: uniqueList(z.int().min(0).max(2 ** 31 - 1), { allowEmpty: true }).default([]),
    /** Paper: 100. */
    epochs: z.int().min(1, 'must be a positive integer').max(10_000).default(100),
    batchSize: z.int().min(1).max(4096).default(32),
    /** Adam learning rate. Paper: 1e-4. */
    learningRate: z.number().positive().max(1).default(1e-4),
    reportRule: z.enum(REPORT_RULES).default('last'),
    /**
     * `frozen`: encoders fixed, their features extracted once (ONNX) and cached, heads trained on
     * them. `finetune`: both encoders trained end to end with the head (the paper's setting; torch
     * engine only, options in `finetune`).
     */
    trainingMode: z.enum(TRAINING_MODES).default('frozen'),
    /** Fine-tuning options (`trainingMode: finetune` only; defaults applied there). */
    finetune: FinetuneOptionsSchema.optional(),
    /**
     * Training engine: `tfjs` (in the worker's process), `torch` (the Python engine; the worker
     * needs a Python with torch, see AGIQA_PYTHON) or `auto` (torch where the worker has it, else
     * tfjs). The engine, its version, the device and the dtype are recorded on every run.
     */
    trainer: z.enum(TRAINERS).default('auto'),
    /** Which MOS label is regressed (e.g. `quality`, `align`). */
    label: z.string().trim().min(1).default('quality'),
    head: HeadOptionsSchema.default(HeadOptionsSchema.parse({})),
    /** Encoder precision and image resize (defaults: fp32, Pillow-exact). */
    features: FeatureOptionsSchema.default(FeatureOptionsSchema.parse({})),
    /** Encoder name → model id or local folder, overriding the registry for this grid. */
    modelOverrides: z.record(z.string(), z.string().min(1)).optional(),
    /** Cells in flight at once for this sweep. */
    maxParallel: z.int().min(1).max(256).default(4),
    /** Measure each run's inference latency after training (omitted: not measured). */
    timing: LatencyOptionsSchema.optional(),
    /** Options of the `clip-iqa` method. */
    clipIqa: ClipIqaOptionsSchema.default({ prompts: [...CLIP_IQA_DEFAULT_PROMPTS], logitScale: 1 }),
  })
  .strict()
  .superRefine(
    (g, ctx) => {
      const trainsHeads = g.methods.includes('fusion-head');
      for (const key of ['encoders', 'fusions', 'seeds'] as const) {
        // A list that failed its own parse (not an array at all) already has its issue.
        const list: unknown = g[key];
        if (!Array.isArray(list)) continue;
        if (trainsHeads && list.length === 0) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'must list at least one value (the fusion-head method needs it)' });
        } else if (!trainsHeads && list.length > 0) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'applies to the fusion-head method only, which methods does not list' });
        }
      }
    },
    whenValid('methods'),
  )
  .refine((g) => g.trainingMode !== 'finetune' || g.trainer !== 'tfjs', {
    message: 'fine-tuning trains the encoders with PyTorch: use trainer "torch" or "auto" (tfjs trains heads on cached features only)',
    path: ['trainer'],
    ...whenValid('trainingMode', 'trainer'),
  })
  .refine((g) => g.finetune === undefined || g.trainingMode === 'finetune', {
    message: 'finetune options apply to trainingMode "finetune" only',
    path: ['finetune'],
    ...whenValid('finetune', 'trainingMode'),
  })
  .refine((g) => g.trainingMode !== 'finetune' || g.timing === undefined, {
    message: 'timing is measured with the frozen ONNX encoders and a head restored from its checkpoint; it is not available for fine-tuned runs',
    path: ['timing'],
    ...whenValid('trainingMode', 'timing'),
  })
  .refine((g) => g.reportRule !== 'best-on-val' || g.split.val > 0, {
    message: 'best-on-val needs a validation share: set split.val > 0',
    path: ['reportRule'],
    ...whenValid('reportRule', 'split'),
  });
export type GridSpec = z.infer<typeof GridSpecSchema>;
/** What a client may send: defaults not yet applied. */
export type GridSpecInput = z.input<typeof GridSpecSchema>;

interface CellPlace {
  /** Stable key, unique within a sweep (`cellKey`). */
  key: string;
  dataset: string;
  splitRepeat: number;
}

/** A `fusion-head` cell: one head trained for a text encoder × fusion × seed. */
export interface FusionHeadCell extends CellPlace {
  method: 'fusion-head';
  textEncoder: TextEncoderName;
  fusion: FusionName;
  seed: number;
}

/** A `clip-iqa` cell: the zero-shot baseline on one split repeat (no encoder, fusion or seed). */
export interface ClipIqaCell extends CellPlace {
  method: 'clip-iqa';
}

/** One grid cell: everything that distinguishes one run from another in a sweep. */
export type GridCell = FusionHeadCell | ClipIqaCell;

/** A fusion-head cell is keyed `dataset/encoder/fusion/r{repeat}/s{seed}`, a CLIP-IQA cell `dataset/clip-iqa/r{repeat}`. */
export function cellKey(cell: Omit<FusionHeadCell, 'key' | 'method'> | Omit<ClipIqaCell, 'key'>): string {
  if ('method' in cell && cell.method === 'clip-iqa') return `${cell.dataset}/clip-iqa/r${cell.splitRepeat}`;
  const head = cell as Omit<FusionHeadCell, 'key' | 'method'>;
  return `${head.dataset}/${head.textEncoder}/${head.fusion}/r${head.splitRepeat}/s${head.seed}`;
}

/**
 * Cells a grid expands to, without expanding it: per dataset, encoders × fusions × split repeats ×
 * seeds fusion-head cells and split repeats CLIP-IQA cells (as `expandGrid`).
 */
export function gridCellCount(grid: SizedGrid): number {
  const heads = grid.methods.includes('fusion-head') ? grid.encoders.length * grid.fusions.length * grid.seeds.length : 0;
  const zeroShot = grid.methods.includes('clip-iqa') ? 1 : 0;
  return grid.datasets.length * grid.split.repeats * (heads + zeroShot);
}

type SizedGrid = Pick<GridSpec, 'datasets' | 'methods' | 'encoders' | 'fusions' | 'seeds'> & { split: Pick<GridSpec['split'], 'repeats'> };

/**
 * Refuses a grid of more than `maxCells` cells (the deployment's `AGIQA_MAX_SWEEP_CELLS`) with an
 * `invalid_input` that names the limit and the product that exceeds it. `pathPrefix` locates the
 * grid in the request (`grid.` in a schedule). Runs before anything is expanded or written.
 */
export function checkSweepSize(grid: SizedGrid, maxCells: number, pathPrefix = ''): number {
  const cells = gridCellCount(grid);
  if (cells <= maxCells) return cells;
  const heads = `${grid.datasets.length} datasets × ${grid.encoders.length} encoders × ${grid.fusions.length} fusions × ${grid.split.repeats} split repeats × ${grid.seeds.length} seeds`;
  const zeroShot = `${grid.datasets.length} datasets × ${grid.split.repeats} split repeats CLIP-IQA`;
  const product = [grid.methods.includes('fusion-head') ? heads : null, grid.methods.includes('clip-iqa') ? zeroShot : null].filter(Boolean).join(' + ');
  throw invalidInput(
    `the grid has ${cells.toLocaleString('en')} cells (${product}); a sweep may have at most ${maxCells.toLocaleString('en')} (AGIQA_MAX_SWEEP_CELLS): split it into several sweeps`,
    [{ path: pathPrefix ? pathPrefix.replace(/\.$/, '') : '(root)', message: `${cells} cells, more than the limit of ${maxCells} per sweep` }],
  );
}

/**
 * Expands a grid into its cells in a fixed order: per dataset, the fusion-head cells (encoder,
 * fusion, repeat, seed), then the CLIP-IQA cells (repeat). Pure and deterministic: workflow code
 * calls it, and replays must see the same list.
 */
export function expandGrid(grid: GridSpec): GridCell[] {
  const cells: GridCell[] = [];
  for (const dataset of grid.datasets) {
    if (grid.methods.includes('fusion-head')) {
      for (const textEncoder of grid.encoders) {
        for (const fusion of grid.fusions) {
          for (let splitRepeat = 0; splitRepeat < grid.split.repeats; splitRepeat++) {
            for (const seed of grid.seeds) {
              const cell = { dataset, textEncoder, fusion, splitRepeat, seed };
              cells.push({ key: cellKey(cell), method: 'fusion-head', ...cell });
            }
          }
        }
      }
    }
    if (grid.methods.includes('clip-iqa')) {
      for (let splitRepeat = 0; splitRepeat < grid.split.repeats; splitRepeat++) {
        const cell = { method: 'clip-iqa', dataset, splitRepeat } as const;
        cells.push({ key: cellKey(cell), ...cell });
      }
    }
  }
  return cells;
}

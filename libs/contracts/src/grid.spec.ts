import { describe, expect, it } from 'vitest';
import { checkSweepSize, expandGrid, gridCellCount, GridSpecSchema, resolveFinetuneOptions } from './grid.js';
import { AgiqaError } from './errors.js';
import { parseOrThrow } from './validation.js';

const minimal = { encoders: ['bert-base'], fusions: ['concat'], datasets: ['agiqa3k'], seeds: [0] };

describe('GridSpecSchema', () => {
  it('applies the paper defaults to a minimal grid', () => {
    const grid = GridSpecSchema.parse(minimal);
    expect(grid.epochs).toBe(100);
    expect(grid.learningRate).toBe(1e-4);
    expect(grid.imageEncoder).toBe('clip-vit-b32');
    expect(grid.split).toEqual({ unit: 'prompt', val: 0, seed: 0, repeats: 1 });
    expect(grid.head.textPooling).toBe('mean');
  });

  it('rejects an unknown encoder and names the field', () => {
    const error = catchError(() => parseOrThrow(GridSpecSchema, { ...minimal, encoders: ['bert-large'] }, 'grid'));
    expect(error.code).toBe('invalid_input');
    expect(error.details[0].path).toBe('encoders.0');
    expect(error.message).toContain('encoders.0');
  });

  it('rejects an empty list, negative epochs and duplicates, each with its path', () => {
    const error = catchError(() =>
      parseOrThrow(GridSpecSchema, { ...minimal, fusions: [], epochs: -3, seeds: [1, 1] }, 'grid'),
    );
    expect(error.details.map((d) => d.path).sort()).toEqual(['epochs', 'fusions', 'seeds.1']);
  });

  it('names a missing list even when another field is not of its type (a form shows every error at once)', () => {
    const error = catchError(() => parseOrThrow(GridSpecSchema, { ...minimal, encoders: [], epochs: 'ten', reportRule: 'best-on-val' }, 'grid'));
    expect(error.details.map((d) => d.path).sort()).toEqual(['encoders', 'epochs', 'reportRule']);
    // A list that is not a list gets its own type error, not a second one about being empty.
    const notList = catchError(() => parseOrThrow(GridSpecSchema, { ...minimal, seeds: 'all' }, 'grid'));
    expect(notList.details.map((d) => d.path)).toEqual(['seeds']);
    // Not an object at all: one clear issue, never a crash inside a cross-field check.
    for (const grid of [null, [null, null], 'grid', 3]) {
      expect(catchError(() => parseOrThrow(GridSpecSchema, grid, 'grid')).code).toBe('invalid_input');
    }
  });

  it('defaults to trainer auto and frozen encoders', () => {
    expect(GridSpecSchema.parse(minimal)).toMatchObject({ trainer: 'auto', trainingMode: 'frozen' });
    expect(GridSpecSchema.parse(minimal).finetune).toBeUndefined();
  });

  it('accepts fine-tuning with the torch or auto trainer and resolves its options', () => {
    const grid = GridSpecSchema.parse({ ...minimal, trainingMode: 'finetune', trainer: 'torch', finetune: { frozenLayers: 4 } });
    expect(resolveFinetuneOptions(grid)).toEqual({ encoderLearningRate: 1e-4, frozenLayers: 4, bf16: true, gradientCheckpointing: false });
    const own = GridSpecSchema.parse({ ...minimal, trainingMode: 'finetune', learningRate: 1e-3, finetune: { encoderLearningRate: 2e-5 } });
    expect(resolveFinetuneOptions(own).encoderLearningRate).toBe(2e-5);
  });

  it('refuses fine-tuning with tfjs, finetune options on frozen grids, and timing of fine-tuned runs, naming the field', () => {
    const tfjs = catchError(() => parseOrThrow(GridSpecSchema, { ...minimal, trainingMode: 'finetune', trainer: 'tfjs' }, 'grid'));
    expect(tfjs.details[0].path).toBe('trainer');
    expect(tfjs.message).toContain('fine-tuning trains the encoders with PyTorch: use trainer "torch" or "auto"');
    const stray = catchError(() => parseOrThrow(GridSpecSchema, { ...minimal, finetune: { frozenLayers: 2 } }, 'grid'));
    expect(stray.details[0].path).toBe('finetune');
    const timing = catchError(() => parseOrThrow(GridSpecSchema, { ...minimal, trainingMode: 'finetune', timing: {} }, 'grid'));
    expect(timing.details[0].path).toBe('timing');
    const bad = catchError(() => parseOrThrow(GridSpecSchema, { ...minimal, trainingMode: 'finetune', finetune: { frozenLayers: -1, bf16: 'yes' } }, 'grid'));
    expect(bad.details.map((d) => d.path).sort()).toEqual(['finetune.bf16', 'finetune.frozenLayers']);
  });

  it('rejects unknown keys instead of ignoring them', () => {
    const error = catchError(() => parseOrThrow(GridSpecSchema, { ...minimal, epochz: 3 }, 'grid'));
    expect(error.message).toContain('epochz');
  });

  it('rejects a split that leaves no test share', () => {
    const error = catchError(() =>
      parseOrThrow(GridSpecSchema, { ...minimal, split: { train: 0.8, val: 0.2 } }, 'grid'),
    );
    expect(error.details[0].path).toBe('split.val');
  });

  it('rejects best-on-val without a validation share', () => {
    const error = catchError(() => parseOrThrow(GridSpecSchema, { ...minimal, reportRule: 'best-on-val' }, 'grid'));
    expect(error.details[0].path).toBe('reportRule');
  });
});

describe('GridSpecSchema timing', () => {
  it('measures nothing unless asked, and applies documented defaults when asked', () => {
    expect(GridSpecSchema.parse(minimal).timing).toBeUndefined();
    expect(GridSpecSchema.parse({ ...minimal, timing: {} }).timing).toEqual({ batchSizes: [1, 8], warmup: 2, repeats: 10, items: 16 });
  });

  it('rejects a zero batch size, naming it', () => {
    const error = catchError(() => parseOrThrow(GridSpecSchema, { ...minimal, timing: { batchSizes: [0] } }, 'grid'));
    expect(error.details[0].path).toBe('timing.batchSizes.0');
  });
});

describe(expandGrid.name, () => {
  it('expands encoder × fusion × dataset × repeat × seed in a fixed order with unique keys', () => {
    const grid = GridSpecSchema.parse({
      encoders: ['bert-base', 'roberta'],
      fusions: ['concat', 'cosine', 'cross_attention'],
      datasets: ['a', 'b'],
      split: { repeats: 2 },
      seeds: [0, 7],
    });
    const cells = expandGrid(grid);
    expect(cells).toHaveLength(2 * 3 * 2 * 2 * 2);
    expect(new Set(cells.map((c) => c.key)).size).toBe(cells.length);
    expect(cells[0].key).toBe('a/bert-base/concat/r0/s0');
    expect(cells[1].key).toBe('a/bert-base/concat/r0/s7');
    expect(cells.at(-1)?.key).toBe('b/roberta/cross_attention/r1/s7');
    expect(expandGrid(grid)).toEqual(cells);
  });

  it('adds one CLIP-IQA cell per dataset and split repeat, without encoder, fusion or seed', () => {
    const grid = GridSpecSchema.parse({ ...minimal, methods: ['fusion-head', 'clip-iqa'], datasets: ['a', 'b'], split: { repeats: 2 } });
    const keys = expandGrid(grid).map((c) => c.key);
    expect(keys).toEqual([
      'a/bert-base/concat/r0/s0',
      'a/bert-base/concat/r1/s0',
      'a/clip-iqa/r0',
      'a/clip-iqa/r1',
      'b/bert-base/concat/r0/s0',
      'b/bert-base/concat/r1/s0',
      'b/clip-iqa/r0',
      'b/clip-iqa/r1',
    ]);
    expect(expandGrid(grid)[2]).toEqual({ key: 'a/clip-iqa/r0', method: 'clip-iqa', dataset: 'a', splitRepeat: 0 });
  });

  it('counts the cells of every method without expanding, and names each product past the limit', () => {
    const both = GridSpecSchema.parse({ ...minimal, fusions: ['concat', 'cosine'], methods: ['fusion-head', 'clip-iqa'], datasets: ['a', 'b'], split: { repeats: 3 } });
    expect(gridCellCount(both)).toBe(expandGrid(both).length);
    expect(gridCellCount(both)).toBe(18); // 2 datasets × 3 repeats × (2 heads + 1 CLIP-IQA)
    const zeroShot = GridSpecSchema.parse({ methods: ['clip-iqa'], datasets: ['a'], split: { repeats: 4 } });
    expect(gridCellCount(zeroShot)).toBe(4);
    expect(catchError(() => checkSweepSize(both, 10)).message).toContain(
      '(2 datasets × 1 encoders × 2 fusions × 3 split repeats × 1 seeds + 2 datasets × 3 split repeats CLIP-IQA)',
    );
  });
});

describe('GridSpecSchema methods', () => {
  it('runs the trained fusion head by default, and CLIP-IQA with Eq. 2 (raw cosines) and the paper\'s antonyms', () => {
    const grid = GridSpecSchema.parse(minimal);
    expect(grid.methods).toEqual(['fusion-head']);
    expect(grid.clipIqa).toEqual({ prompts: ['Good photo.', 'Bad photo.'], logitScale: 1 });
  });

  it('accepts a CLIP-IQA-only grid without encoders, fusions or seeds', () => {
    const grid = GridSpecSchema.parse({ methods: ['clip-iqa'], datasets: ['agiqa3k'], clipIqa: { logitScale: 100 } });
    expect(grid).toMatchObject({ encoders: [], fusions: [], seeds: [], clipIqa: { logitScale: 100 } });
  });

  it('needs encoders, fusions and seeds for the fusion head, and refuses them without it, naming each', () => {
    const missing = catchError(() => parseOrThrow(GridSpecSchema, { datasets: ['a'] }, 'grid'));
    expect(missing.details.map((d) => d.path)).toEqual(['encoders', 'fusions', 'seeds']);
    expect(missing.message).toContain('fusions: must list at least one value (the fusion-head method needs it)');
    const stray = catchError(() => parseOrThrow(GridSpecSchema, { ...minimal, methods: ['clip-iqa'] }, 'grid'));
    expect(stray.details.map((d) => d.path)).toEqual(['encoders', 'fusions', 'seeds']);
    expect(stray.message).toContain('applies to the fusion-head method only');
  });

  it('rejects an antonym pair of one prompt twice and an unknown method', () => {
    const same = catchError(() =>
      parseOrThrow(GridSpecSchema, { methods: ['clip-iqa'], datasets: ['a'], clipIqa: { prompts: ['Good.', 'Good.'] } }, 'grid'),
    );
    expect(same.details[0].path).toBe('clipIqa.prompts');
    const unknown = catchError(() => parseOrThrow(GridSpecSchema, { ...minimal, methods: ['brisque'] }, 'grid'));
    expect(unknown.details[0].path).toBe('methods.0');
  });
});

function catchError(fn: () => unknown): AgiqaError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AgiqaError) return error;
    throw error;
  }
  throw new Error('expected an AgiqaError');
}

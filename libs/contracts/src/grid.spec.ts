import { describe, expect, it } from 'vitest';
import { expandGrid, GridSpecSchema } from './grid.js';
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

import { GridSpecSchema } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { cellCountOf, DEFAULT_GRID_FORM, gridBody, gridCarry, gridFormValues, numberField, numberListField, type GridFormValues } from './grid-form.js';

const filled: GridFormValues = {
  ...DEFAULT_GRID_FORM,
  name: ' ablation ',
  encoders: ['bert-base', 'distilbert'],
  fusions: ['concat', 'cross_attention'],
  datasets: ['agiqa3k'],
  seeds: '0, 1 2',
  'split.train': '0.8',
};

describe(numberField.name, () => {
  it('parses numbers, leaves empty out and keeps other text for the server to reject', () => {
    expect(numberField(' 1e-4 ')).toBe(0.0001);
    expect(numberField('')).toBeUndefined();
    expect(numberField('ten')).toBe('ten');
  });
});

describe(numberListField.name, () => {
  it('splits on commas and whitespace', () => {
    expect(numberListField('0, 1  2;3')).toEqual([0, 1, 2, 3]);
    expect(numberListField('')).toEqual([]);
    expect(numberListField('1, x')).toEqual([1, 'x']);
  });
});

describe(gridBody.name, () => {
  it('builds a body that the contracts schema accepts', () => {
    const parsed = GridSpecSchema.parse(gridBody(filled));
    expect(parsed.encoders).toEqual(['bert-base', 'distilbert']);
    expect(parsed.seeds).toEqual([0, 1, 2]);
    expect(parsed.split.train).toBe(0.8);
    expect(parsed.learningRate).toBe(0.0001);
    expect(parsed.name).toBe('ablation');
  });

  it('leaves empty optional fields out so server defaults apply', () => {
    const body = gridBody({ ...filled, name: '', 'split.train': '' }) as Record<string, unknown>;
    expect('name' in body).toBe(false);
    expect('train' in (body['split'] as object)).toBe(false);
  });

  it('sends a typo in a number field as text, so the server names the field', () => {
    const result = GridSpecSchema.safeParse(gridBody({ ...filled, epochs: 'ten' }));
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual(['epochs']);
  });

  it('sends a CLIP-IQA-only grid without the trained heads\' encoders, fusions and seeds', () => {
    const body = gridBody({ ...filled, methods: ['clip-iqa'] }) as Record<string, unknown>;
    expect(['encoders', 'fusions', 'seeds'].filter((k) => k in body)).toEqual([]);
    expect(GridSpecSchema.parse(body)).toMatchObject({ methods: ['clip-iqa'], encoders: [], datasets: ['agiqa3k'] });
  });

  it('sends an empty encoder list, which the server rejects on encoders', () => {
    const result = GridSpecSchema.safeParse(gridBody({ ...filled, encoders: [] }));
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['encoders']);
  });
});

describe(gridFormValues.name, () => {
  it('round-trips a parsed grid through the form', () => {
    const grid = GridSpecSchema.parse(gridBody(filled));
    const again = GridSpecSchema.parse(gridBody(gridFormValues(grid)));
    expect(again).toEqual(grid);
  });

  it('keeps the options the form does not edit when they are carried over', () => {
    const grid = GridSpecSchema.parse({
      ...gridBody(filled),
      head: { hiddenUnits: 64, textPooling: 'cls' },
      modelOverrides: { 'bert-base': '/models/bert' },
      features: { dtype: 'q8', resize: 'libvips' },
    });
    const again = GridSpecSchema.parse(gridBody(gridFormValues(grid), gridCarry(grid)));
    expect(again).toEqual(grid);
    expect(GridSpecSchema.parse(gridBody(gridFormValues(grid))).head.hiddenUnits).toBe(512);
  });

  it('round-trips a CLIP-IQA grid with its antonym pair and logit scale carried over', () => {
    const grid = GridSpecSchema.parse({ ...gridBody(filled), methods: ['fusion-head', 'clip-iqa'], clipIqa: { prompts: ['Sharp.', 'Blurry.'], logitScale: 100 } });
    expect(grid.methods).toEqual(['fusion-head', 'clip-iqa']);
    expect(GridSpecSchema.parse(gridBody(gridFormValues(grid), gridCarry(grid)))).toEqual(grid);
    const zeroShot = GridSpecSchema.parse({ methods: ['clip-iqa'], datasets: ['agiqa3k'] });
    expect(GridSpecSchema.parse(gridBody(gridFormValues(zeroShot), gridCarry(zeroShot)))).toEqual(zeroShot);
  });

  it('offers the training mode and the trainer, and carries fine-tuning options only into a fine-tuning grid', () => {
    const grid = GridSpecSchema.parse({ ...gridBody(filled), trainingMode: 'finetune', trainer: 'torch', finetune: { frozenLayers: 6 } });
    const values = gridFormValues(grid);
    expect(values).toMatchObject({ trainingMode: 'finetune', trainer: 'torch' });
    expect(GridSpecSchema.parse(gridBody(values, gridCarry(grid)))).toEqual(grid);
    // Switched back to frozen in the form: the carried fine-tuning options are dropped, not sent.
    const frozen = GridSpecSchema.safeParse(gridBody({ ...values, trainingMode: 'frozen' }, gridCarry(grid)));
    expect(frozen.success && frozen.data.finetune).toBeUndefined();
    expect(gridBody(DEFAULT_GRID_FORM)).toMatchObject({ trainingMode: 'frozen', trainer: 'auto' });
  });

  it('gives the defaults for no grid', () => {
    expect(gridFormValues(null)).toEqual(DEFAULT_GRID_FORM);
  });
});

describe(cellCountOf.name, () => {
  it('multiplies the grid axes, counting distinct seeds', () => {
    expect(cellCountOf({ ...filled, seeds: '0, 1, 1', 'split.repeats': '3' })).toBe(1 * 2 * 2 * 3 * 2);
  });

  it('adds one CLIP-IQA cell per dataset and split repeat, and ignores head axes without the fusion head', () => {
    expect(cellCountOf({ ...filled, methods: ['fusion-head', 'clip-iqa'], 'split.repeats': '2' })).toBe(1 * 2 * (2 * 2 * 3 + 1));
    expect(cellCountOf({ ...filled, methods: ['clip-iqa'], 'split.repeats': '2' })).toBe(2);
  });

  it('is 0 while an axis is empty', () => {
    expect(cellCountOf({ ...filled, datasets: [] })).toBe(0);
  });
});

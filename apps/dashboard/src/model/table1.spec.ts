import type { Table1, TableCell } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { MISSING } from './format.js';
import { selectionLine, sharedRange, table1Heatmap, table1View } from './table1.js';

const cell = (srcc: number, plcc: number, extra: Partial<TableCell> = {}): TableCell => ({
  srcc,
  plcc,
  srccStd: null,
  plccStd: null,
  n: 1,
  optimistic: false,
  inProgress: false,
  runIds: ['r'],
  delta: null,
  ...extra,
});

const setting = { id: 'set_0123456789ab', summary: 'clip-vit-b32, label quality, 100 epochs', paperProtocol: true, fields: {} };

const table: Table1 = {
  dataset: 'agiqa3k',
  selection: { rule: 'paper-protocol', setting, sweep: null, otherSettings: 1 },
  plcc: 'raw',
  inProgress: 'exclude',
  excluded: { duplicates: 0, inProgress: 0, nonFinite: 0 },
  caption: 'caption',
  notes: [],
  fusions: ['concat', 'cosine', 'cross_attention'],
  rows: [
    { textEncoder: 'bert-base', cells: { concat: cell(0.8, 0.82, { delta: { srcc: -0.0579, plcc: -0.0693 } }), cross_attention: cell(0.85, 0.9, { optimistic: true, inProgress: true }) } },
    { textEncoder: 'tiny-bert', cells: { cosine: cell(0.1, 0.12, { n: 3, srccStd: 0.02, plccStd: 0.01 }) } },
  ],
  reported: [
    { textEncoder: 'distilbert', cells: { concat: { srcc: 0.8429, plcc: 0.869 } } },
    { textEncoder: 'roberta', cells: { concat: { srcc: 0.8591, plcc: 0.8796, uncertain: true } } },
    { textEncoder: 'bert_base', cells: { concat: { srcc: 0.8579, plcc: 0.8893 } } },
  ],
};

describe(table1View.name, () => {
  it('lists the paper rows in the paper order, then tiny fixtures', () => {
    expect(table1View(table).rows.map((r) => r.label)).toEqual([
      'DistilBERT',
      'RoBERTa',
      'BERT-base',
      'tiny-bert (random fixture)',
    ]);
  });

  it('matches reported rows given by the paper key to our encoder names', () => {
    const bert = table1View(table).rows.find((r) => r.textEncoder === 'bert-base');
    expect(bert?.cells[0].ours).toMatchObject({ srcc: '0.8000', n: 1, delta: '−0.0579 / −0.0693' });
    expect(bert?.cells[0].reported?.srcc).toBe('0.8579');
  });

  it('shows paper rows without our runs as empty cells, not as errors', () => {
    const distil = table1View(table).rows.find((r) => r.label === 'DistilBERT');
    expect(distil?.cells.every((c) => c.ours === null)).toBe(true);
    expect(distil?.cells[0].reported?.plcc).toBe('0.8690');
  });

  it('flags optimistic, in-progress, uncertain and tiny cells', () => {
    const view = table1View(table);
    expect(view.anyOptimistic).toBe(true);
    expect(view.anyInProgress).toBe(true);
    expect(view.anyUncertain).toBe(true);
    expect(view.anyTiny).toBe(true);
    const tiny = view.rows.find((r) => r.tiny);
    expect(tiny?.cells.every((c) => c.reported === null)).toBe(true);
    expect(tiny?.cells[1].ours?.srcc).toBe('0.1000 ± 0.0200');
  });

  it('reports no results for a table without our rows', () => {
    expect(table1View({ ...table, rows: [] }).hasResults).toBe(false);
  });
});

describe(table1Heatmap.name, () => {
  it('builds an encoder × fusion matrix with gaps for missing cells, rows bottom-up', () => {
    const m = table1Heatmap(table1View(table), 'srcc', 'ours');
    expect(m.x).toEqual(['Concatenation', 'Cosine similarity', 'Cross-attention']);
    expect(m.y).toEqual(['tiny-bert (random fixture)', 'BERT-base', 'RoBERTa', 'DistilBERT']);
    expect(m.z[1]).toEqual([0.8, null, 0.85]);
    expect(m.text[1]).toEqual(['0.8000', MISSING, '0.8500*']);
  });

  it('leaves tiny fixtures out of the paper heatmap and marks uncertain cells', () => {
    const m = table1Heatmap(table1View(table), 'plcc', 'reported');
    expect(m.y).toEqual(['BERT-base', 'RoBERTa', 'DistilBERT']);
    expect(m.z[1][0]).toBe(0.8796);
    expect(m.text[1][0]).toBe('0.8796?');
  });

  it('never puts NaN into the matrix', () => {
    const withNaN: Table1 = { ...table, rows: [{ textEncoder: 'bert-base', cells: { concat: cell(Number.NaN, Number.NaN) } }] };
    const m = table1Heatmap(table1View(withNaN), 'srcc', 'ours');
    expect(m.z.flat().some((v) => typeof v === 'number' && Number.isNaN(v))).toBe(false);
    expect(m.text.flat()).not.toContain('NaN');
  });
});

describe(sharedRange.name, () => {
  it('spans both matrices and widens a single value', () => {
    const a = { x: [], y: [], z: [[0.5, null]], text: [] };
    const b = { x: [], y: [], z: [[0.9]], text: [] };
    expect(sharedRange(a, b)).toEqual({ min: 0.5, max: 0.9 });
    expect(sharedRange(a)).toEqual({ min: 0.49, max: 0.51 });
    expect(sharedRange({ x: [], y: [], z: [[null]], text: [] })).toBeNull();
  });
});

describe(selectionLine.name, () => {
  it('says which setting is shown, why, and that others exist', () => {
    expect(selectionLine(table.selection)).toBe(
      "Setting set_0123456789ab (the paper's protocol (the default grid)): clip-vit-b32, label quality, 100 epochs. 1 other setting(s) have completed runs here: pick one above.",
    );
    expect(selectionLine({ rule: 'sweep', setting, sweep: { id: 's1', name: 'ablation', status: 'completed' }, otherSettings: 0 })).toContain('(sweep ablation)');
    expect(selectionLine({ rule: 'paper-protocol', setting: null, sweep: null, otherSettings: 2 })).toContain('No measured setting shown');
  });
});

import type { Table1, TableCell } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { renderTable1 } from './table1.js';

const cell = (srcc: number, plcc: number, extra: Partial<TableCell> = {}): TableCell => ({
  srcc,
  plcc,
  srccStd: 0.01,
  plccStd: 0.02,
  n: 1,
  optimistic: false,
  inProgress: false,
  runIds: ['r'],
  delta: null,
  ...extra,
});

const table = (extra: Partial<Table1> = {}): Table1 => ({
  dataset: 'agiqa3k',
  selection: {
    rule: 'paper-protocol',
    setting: { id: 'set_0123456789ab', summary: 'clip-vit-b32, label quality, 100 epochs', paperProtocol: true, fields: {} },
    sweep: null,
    otherSettings: 2,
  },
  fusions: ['concat', 'cross_attention'],
  rows: [],
  reported: [],
  plcc: 'raw',
  inProgress: 'exclude',
  excluded: { duplicates: 0, inProgress: 0, nonFinite: 0 },
  caption: 'caption',
  notes: [],
  ...extra,
});

describe(renderTable1.name, () => {
  it('lays out encoder rows × fusion columns with mean ± std, n and Δ, the paper beside them, and the setting', () => {
    const text = renderTable1(
      table({
        rows: [{ textEncoder: 'bert-base', cells: { concat: cell(0.85, 0.88, { srccStd: null, plccStd: null }), cross_attention: cell(0.8812, 0.9111, { n: 3, delta: { srcc: -0.0011, plcc: 0.0004 } }) } }],
        reported: [{ textEncoder: 'bert-base', cells: { concat: { srcc: 0.8579, plcc: 0.8893 }, cross_attention: { srcc: 0.8823, plcc: 0.9173 } } }],
        notes: ['2 other setting(s) have completed runs here'],
      }),
    );
    expect(text).toContain('on agiqa3k');
    expect(text).toContain('0.8500 / 0.8800 (n=1)');
    expect(text).toContain('0.8812 ±0.0100 / 0.9111 ±0.0200 (n=3, Δ −0.0011 / +0.0004)');
    expect(text).toContain('Reported by the paper');
    expect(text).toContain('0.8823 / 0.9173');
    expect(text).toContain("setting set_0123456789ab: clip-vit-b32, label quality, 100 epochs (the paper's protocol)");
    expect(text).toContain('2 other setting(s) have completed runs here');
    expect(text).not.toContain('NaN');
  });

  it('flags optimistic, in-progress and uncertain figures, names the PLCC variant, and says when nothing has finished', () => {
    const text = renderTable1(
      table({
        plcc: 'logistic',
        fusions: ['cosine'],
        rows: [{ textEncoder: 'roberta', cells: { cosine: cell(0.8, 0.81, { optimistic: true, inProgress: true }) } }],
        reported: [{ textEncoder: 'roberta', cells: { cosine: { srcc: 0.8521, plcc: 0.864, uncertain: true } } }],
      }),
    );
    expect(text).toContain('(n=1) * °');
    expect(text).toContain('optimistic');
    expect(text).toContain('includes runs of a sweep still in progress');
    expect(text).toContain('PLCC after the 4-parameter logistic fit');
    expect(text).toContain('0.8521 / 0.8640 ?');
    expect(renderTable1(table({ dataset: null, fusions: [] }))).toContain('no completed runs in this setting yet');
  });
});

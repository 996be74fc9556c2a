import type { Table1 } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { renderTable1 } from './table1.js';

const cell = (srcc: number, plcc: number, runs = 1, optimistic = false) => ({ srcc, plcc, srccStd: 0.01, plccStd: 0.02, runs, optimistic });

describe(renderTable1.name, () => {
  it('lays out encoder rows × fusion columns with 4-decimal SRCC / PLCC and the paper beside them', () => {
    const table: Table1 = {
      dataset: 'agiqa3k',
      setting: {
        imageEncoder: 'clip-vit-b32',
        label: 'quality',
        epochs: 100,
        batchSize: 32,
        learningRate: 1e-4,
        reportRule: 'last',
        trainingMode: 'frozen',
        split: { unit: 'prompt', train: 0.8, val: 0 },
        head: {},
      },
      otherSettings: 2,
      fusions: ['concat', 'cross_attention'],
      rows: [{ textEncoder: 'bert-base', cells: { concat: cell(0.85, 0.88), cross_attention: cell(0.8812, 0.9111, 3) } }],
      reported: [{ textEncoder: 'bert-base', cells: { concat: { srcc: 0.8579, plcc: 0.8893 }, cross_attention: { srcc: 0.8823, plcc: 0.9173 } } }],
    };
    const text = renderTable1(table);
    expect(text).toContain('on agiqa3k');
    expect(text).toContain('0.8500 / 0.8800');
    expect(text).toContain('0.8812 / 0.9111 ±0.0100 (n=3)');
    expect(text).toContain('Reported by the paper');
    expect(text).toContain('0.8823 / 0.9173');
    expect(text).toContain('setting: clip-vit-b32, label quality, 100 epochs, lr 0.0001, batch 32, prompt split 0.8, report last, frozen');
    expect(text).toContain('2 other setting(s) have completed runs on this dataset: show one with --sweep <id>');
    expect(text).not.toContain('NaN');
  });

  it('flags optimistic and uncertain figures and says when nothing has finished', () => {
    const text = renderTable1({
      dataset: null,
      setting: null,
      otherSettings: 0,
      fusions: ['cosine'],
      rows: [{ textEncoder: 'roberta', cells: { cosine: cell(0.8, 0.81, 1, true) } }],
      reported: [{ textEncoder: 'roberta', cells: { cosine: { srcc: 0.8521, plcc: 0.864, uncertain: true } } }],
    });
    expect(text).toContain('0.8000 / 0.8100 *');
    expect(text).toContain('optimistic');
    expect(text).toContain('0.8521 / 0.8640 ?');
    expect(renderTable1({ dataset: null, setting: null, otherSettings: 0, fusions: [], rows: [], reported: [] })).toContain('no completed runs yet');
  });

  it('says when rows come from the random fixture encoders', () => {
    const text = renderTable1({ dataset: 'synth', setting: null, otherSettings: 0, fusions: ['concat'], rows: [{ textEncoder: 'tiny-bert', cells: { concat: cell(0.3, 0.35) } }], reported: [] });
    expect(text).toContain('tiny-bert: randomly initialised fixture encoders');
  });
});

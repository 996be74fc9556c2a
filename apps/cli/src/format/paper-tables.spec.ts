import type { Figure, Table2, Table3, TimingTable } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { renderTable2, renderTable3, renderTiming } from './paper-tables.js';

const reported = (srcc: number, plcc: number, flags: Figure['flags'] = []): Figure => ({
  srcc,
  plcc,
  source: 'reported',
  runIds: [],
  srccStd: null,
  plccStd: null,
  dataset: null,
  flags,
  note: null,
  n: 0,
  inProgress: false,
  delta: null,
});
const aggregation: Pick<Table2, 'plcc' | 'inProgress' | 'excluded' | 'caption' | 'notes'> = {
  plcc: 'raw',
  inProgress: 'exclude',
  excluded: { duplicates: 0, inProgress: 0, nonFinite: 0 },
  caption: 'the caption',
  notes: ['a note'],
};
const selection: Table2['selection'] = { rule: 'paper-protocol', setting: null, sweep: null, otherSettings: 0 };

describe(renderTable2.name, () => {
  it('shows every method × dataset with the source and flags of each figure', () => {
    const table: Table2 = {
      columns: [
        { key: 'agiqa3k', label: 'AGIQA-3K', dataset: 'a3k' },
        { key: 'pku_i2iqa', label: 'PKU-I2IQA', dataset: null },
      ],
      rows: [
        { method: 'CLIPIQA', group: 'clip', proposed: false, source: 'reported', config: null, setting: null, cells: { agiqa3k: reported(0.6846, 0.6987) } },
        {
          method: 'CLIP-BERT-AGIQA (this platform)',
          group: 'clip',
          proposed: true,
          source: 'measured',
          config: { method: 'fusion-head', textEncoder: 'bert-base', fusion: 'cross_attention', imageEncoder: 'clip-vit-b32' },
          setting: null,
          cells: {
            agiqa3k: { ...reported(0.88, 0.91), source: 'measured', runIds: ['r', 's'], n: 2, srccStd: 0.004, plccStd: 0.003, dataset: 'a3k', delta: { srcc: -0.0013, plcc: -0.0053 } },
            pku_i2iqa: reported(0.7349, 0.7868, ['conflict']),
          },
        },
      ],
      rule: 'rule text',
      selection,
      ...aggregation,
    };
    const text = renderTable2(table);
    expect(text).toContain('AGIQA-3K (a3k) SRCC / PLCC');
    expect(text).toContain('0.6846 / 0.6987');
    expect(text).toContain('0.8800 ±0.0040 / 0.9100 ±0.0030 (n=2, Δ −0.0013 / −0.0053) m');
    expect(text).toContain('0.7349 / 0.7868 !');
    expect(text).toContain('the caption');
    expect(text).toContain('a note');
    expect(text).not.toMatch(/NaN|undefined/);
  });
});

describe(renderTable3.name, () => {
  it('lists the methods with their figures', () => {
    const table: Table3 = {
      dataset: null,
      rows: [
        { method: 'PSCR', proposed: false, source: 'reported', figure: reported(0.8394, 0.8859), config: null, setting: null, citation: null, protocol: null },
        {
          method: 'IPCE',
          proposed: false,
          source: 'published',
          figure: { ...reported(0.8841, 0.9246), source: 'published' },
          config: null,
          setting: null,
          citation: { reference: 'Peng et al. 2024', url: 'https://doi.org/x' },
          protocol: { splitUnit: 'not stated', repeats: 'not stated', epochSelection: 'not stated' },
        },
      ],
      rule: 'r',
      selection,
      ...aggregation,
    };
    const text = renderTable3(table);
    expect(text).toMatch(/PSCR\s+0\.8394 \/ 0\.8859/);
    expect(text).toMatch(/IPCE\s+0\.8841 \/ 0\.9246 p/);
    expect(text).toContain('IPCE: Peng et al. 2024 https://doi.org/x');
  });
});

describe(renderTiming.name, () => {
  it('puts our ms per image beside the paper figure, and says when nothing was measured', () => {
    const table: TimingTable = {
      rows: [
        {
          textEncoder: 'bert-base',
          imageEncoder: 'clip-vit-b32',
          fusion: 'cross_attention',
          backend: 'onnxruntime-cpu+tfjs-wasm',
          batchSize: 1,
          host: 'box',
          machine: {},
          stages: {},
          totalMsPerImage: 123.456,
          measurements: 1,
          lastMeasuredAt: '2026-11-26T00:00:00.000Z',
          runIds: [],
          inProgress: false,
          paperMs: 217,
        },
      ],
      paper: { caption: 'GPU server', msPerImage: { bert_base: 217 } },
      inProgress: 'exclude',
      excluded: { duplicates: 0, inProgress: 0, nonFinite: 0 },
      caption: 'c',
      notes: [],
    };
    expect(renderTiming(table)).toMatch(/bert-base\s+clip-vit-b32 \+ cross_attention\s+1\s+box\s+onnxruntime-cpu\+tfjs-wasm\s+123\.46\s+217/);
    expect(renderTiming({ ...table, rows: [] })).toContain('no timing measured yet');
  });
});

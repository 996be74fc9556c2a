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
});

describe(renderTable2.name, () => {
  it('shows every method × dataset with the source and flags of each figure', () => {
    const table: Table2 = {
      columns: [
        { key: 'agiqa3k', label: 'AGIQA-3K', dataset: 'a3k' },
        { key: 'pku_i2iqa', label: 'PKU-I2IQA', dataset: null },
      ],
      rows: [
        { method: 'CLIPIQA', group: 'clip', proposed: false, source: 'reported', config: null, cells: { agiqa3k: reported(0.6846, 0.6987) } },
        {
          method: 'CLIP-BERT-AGIQA (this platform)',
          group: 'clip',
          proposed: true,
          source: 'measured',
          config: { textEncoder: 'bert-base', fusion: 'cross_attention' },
          cells: { agiqa3k: { ...reported(0.88, 0.91), source: 'measured', runIds: ['r'], dataset: 'a3k' }, pku_i2iqa: reported(0.7349, 0.7868, ['conflict']) },
        },
      ],
      rule: 'rule text',
    };
    const text = renderTable2(table);
    expect(text).toContain('AGIQA-3K (a3k) SRCC / PLCC');
    expect(text).toContain('0.6846 / 0.6987');
    expect(text).toContain('0.8800 / 0.9100 m');
    expect(text).toContain('0.7349 / 0.7868 !');
    expect(text).toContain('rule text');
    expect(text).not.toMatch(/NaN|undefined/);
  });
});

describe(renderTable3.name, () => {
  it('lists the methods with their figures', () => {
    const table: Table3 = { dataset: null, rows: [{ method: 'PSCR', proposed: false, source: 'reported', figure: reported(0.8394, 0.8859) }], rule: 'r' };
    expect(renderTable3(table)).toMatch(/PSCR\s+0\.8394 \/ 0\.8859/);
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
          paperMs: 217,
        },
      ],
      paper: { caption: 'GPU server', msPerImage: { bert_base: 217 } },
    };
    expect(renderTiming(table)).toMatch(/bert-base\s+clip-vit-b32 \+ cross_attention\s+1\s+box\s+onnxruntime-cpu\+tfjs-wasm\s+123\.46\s+217/);
    expect(renderTiming({ ...table, rows: [] })).toContain('no timing measured yet');
  });
});

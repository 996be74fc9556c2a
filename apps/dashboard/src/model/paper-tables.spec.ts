import type { Figure, Table2, TimingTable } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { MISSING } from './format.js';
import { figureView, machineLine, table2Bars, table2View, timingBars, timingRows } from './paper-tables.js';

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

const measured = (srcc: number, plcc: number, runIds: string[], std = 0.01): Figure => ({
  srcc,
  plcc,
  source: 'measured',
  runIds,
  srccStd: std,
  plccStd: std,
  dataset: 'agiqa3k',
  flags: [],
  note: null,
  n: runIds.length,
  inProgress: false,
  delta: { srcc: srcc - 0.8813, plcc: plcc - 0.9153 },
});

const table2: Table2 = {
  columns: [
    { key: 'agiqa3k', label: 'AGIQA-3K', dataset: 'agiqa3k' },
    { key: 'pku_i2iqa', label: 'PKU-I2IQA', dataset: null },
  ],
  rows: [
    {
      method: 'CLIP-BERT-AGIQA',
      group: 'clip',
      proposed: true,
      source: 'measured',
      config: { method: 'fusion-head', textEncoder: 'bert-base', fusion: 'cross_attention', imageEncoder: 'clip-vit-b32' },
      setting: null,
      cells: { agiqa3k: measured(0.7, 0.72, ['a', 'b']) },
    },
    { method: 'BRISQUE', group: 'traditional', proposed: false, source: 'reported', config: null, setting: null, cells: { agiqa3k: reported(0.4984, 0.5496), pku_i2iqa: reported(0.4638, 0.5281) } },
    {
      method: 'CLIP-BERT-AGIQA',
      group: 'clip',
      proposed: true,
      source: 'reported',
      config: null,
      setting: null,
      cells: { agiqa3k: reported(0.8813, 0.9153), pku_i2iqa: reported(0.7349, 0.7868, ['conflict']) },
    },
  ],
  rule: 'proposed = BERT-base + cross-attention',
  selection: { rule: 'paper-protocol', setting: null, sweep: null, otherSettings: 0 },
  plcc: 'raw',
  inProgress: 'exclude',
  excluded: { duplicates: 0, inProgress: 0, nonFinite: 0 },
  caption: 'c',
  notes: [],
};

describe(figureView.name, () => {
  it('shows mean ± std for measured figures over several runs, plain figures for reported ones', () => {
    expect(figureView(measured(0.7, 0.72, ['a', 'b']))).toMatchObject({ srcc: '0.7000 ± 0.0100', runs: 2, source: 'measured', delta: '−0.1813 / −0.1953' });
    expect(figureView(reported(0.4984, 0.5496))).toMatchObject({ srcc: '0.4984', plcc: '0.5496', runs: 0 });
    expect(figureView(undefined)).toBeNull();
  });
});

describe(table2View.name, () => {
  it('groups rows in the paper order and keeps measured and reported rows apart', () => {
    const view = table2View(table2);
    expect(view.groups.map((g) => g.label)).toEqual(['Traditional', 'CLIP-based']);
    expect(view.groups[1].rows.map((r) => r.source)).toEqual(['measured', 'reported']);
    expect(view.groups[1].rows[0].config).toBe('BERT-base + Cross-attention');
  });

  it('leaves a column without a figure empty and collects the flags for the legend', () => {
    const view = table2View(table2);
    expect(view.groups[1].rows[0].cells[1]).toBeNull();
    expect(view.groups[1].rows[1].cells[1]?.flags).toEqual(['conflict']);
    expect(view.flags).toEqual(['conflict']);
  });
});

describe(table2Bars.name, () => {
  it('splits bars into reported and measured traces, skipping rows without that column', () => {
    const [rep, meas] = table2Bars(table2, 'pku_i2iqa') as { x: string[]; y: number[] }[];
    expect(rep.x).toEqual(['BRISQUE', 'CLIP-BERT-AGIQA']);
    expect(meas.x).toEqual([]);
    const [, meas3k] = table2Bars(table2, 'agiqa3k') as { x: string[] }[];
    expect(meas3k.x).toEqual(['CLIP-BERT-AGIQA']);
  });
});

const timing: TimingTable = {
  rows: [
    {
      textEncoder: 'tiny-bert',
      imageEncoder: 'tiny-clip',
      fusion: 'cross_attention',
      backend: 'cpu',
      batchSize: 1,
      host: 'box',
      machine: { cpu: 'Xeon' },
      stages: { total: { medianMs: 4.2, p90Ms: 5, samples: 20 }, tokenize: { medianMs: 0.1, p90Ms: 0.2, samples: 20 } },
      totalMsPerImage: 4.2,
      measurements: 1,
      lastMeasuredAt: '2025-01-01T00:00:00.000Z',
      runIds: [],
      inProgress: false,
      paperMs: null,
    },
    {
      textEncoder: 'bert-base',
      imageEncoder: 'clip-vit-b32',
      fusion: 'cross_attention',
      backend: 'cpu',
      batchSize: 1,
      host: 'box',
      machine: {},
      stages: {},
      totalMsPerImage: 434,
      measurements: 2,
      lastMeasuredAt: '2025-01-01T00:00:00.000Z',
      runIds: ['r'],
      inProgress: false,
      paperMs: 217,
    },
  ],
  paper: { caption: 'GPU server', msPerImage: { bert_base: 217, distilbert: 152, roberta: 196 } },
  inProgress: 'exclude',
  excluded: { duplicates: 0, inProgress: 0, nonFinite: 0 },
  caption: 'c',
  notes: [],
};

describe(timingBars.name, () => {
  it('puts the paper figures and each measured configuration on the same encoder axis', () => {
    const { categories, data } = timingBars(timing);
    expect(categories).toEqual(['DistilBERT', 'RoBERTa', 'BERT-base', 'tiny-bert (random fixture)']);
    expect((data[0] as { y: unknown[] }).y).toEqual([152, 196, 217, null]);
    expect(data).toHaveLength(2);
    expect((data[1] as { y: unknown[] }).y).toEqual([null, null, 434, 4.2]);
    expect(data[1].name).toContain('box · cpu');
  });
});

describe(timingRows.name, () => {
  it('shows the ratio to the paper only where the paper has a figure, stages in pipeline order', () => {
    const [tiny, bert] = timingRows(timing);
    expect(tiny).toMatchObject({ tiny: true, paper: MISSING, ratio: MISSING, total: '4.20 ms', machine: 'box · Xeon' });
    expect(tiny.stages.map((s) => s.stage)).toEqual(['tokenize', 'total']);
    expect(bert).toMatchObject({ tiny: false, ratio: '2.00×', paper: '217 ms' });
  });
});

describe(machineLine.name, () => {
  it('names the host and the hardware that is known', () => {
    expect(machineLine('gpu1', { cpu: 'EPYC', gpu: 'A100', other: 1 })).toBe('gpu1 · EPYC · A100');
    expect(machineLine('', null)).toBe('unknown host');
  });

  it('lists the GPUs of a machine recorded by the worker (libs/model machineInfo)', () => {
    expect(machineLine('node7', { cpuModel: 'Xeon', gpu: ['NVIDIA H100', 'NVIDIA H100'] })).toBe('node7 · Xeon · NVIDIA H100, NVIDIA H100');
    expect(machineLine('node8', { cpuModel: 'Xeon', gpu: null })).toBe('node8 · Xeon');
  });
});

import type { SettingsComparison, SettingsList } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { comparisonRows, exportFileName, settingOptions, sweepOptions } from './table-controls.js';

const list: SettingsList = {
  dataset: 'a3k',
  inProgress: 'exclude',
  settings: [
    {
      id: 'set_aaaaaaaaaaaa', summary: 'clip-vit-b32, 100 epochs', paperProtocol: true, fields: {}, replicates: 3, datasets: ['a3k'],
      sweeps: [{ id: 'sweep-1', name: 'paper', status: 'completed', replicates: 3 }], lastFinishedAt: null, inProgress: false,
    },
    {
      id: 'set_bbbbbbbbbbbb', summary: 'clip-vit-b32, 5 epochs', paperProtocol: false, fields: {}, replicates: 1, datasets: ['a3k'],
      sweeps: [{ id: 'sweep-2', name: null, status: 'running', replicates: 1 }], lastFinishedAt: null, inProgress: true,
    },
  ],
};

describe(settingOptions.name, () => {
  it('puts the default first, then each setting with its replicates, the paper protocol named', () => {
    expect(settingOptions(list, 'default')).toEqual([
      { value: '', label: 'default' },
      { value: 'set_aaaaaaaaaaaa', label: "Paper's protocol — clip-vit-b32, 100 epochs (3 replicates)" },
      { value: 'set_bbbbbbbbbbbb', label: 'clip-vit-b32, 5 epochs (1 replicate, in progress)' },
    ]);
  });
});

describe(sweepOptions.name, () => {
  it("lists the picked setting's sweeps, or all of them, named or by id", () => {
    expect(sweepOptions(list, 'set_bbbbbbbbbbbb')).toEqual([
      { value: '', label: 'all sweeps of this setting' },
      { value: 'sweep-2', label: 'sweep-2 (running, 1 replicate)' },
    ]);
    expect(sweepOptions(list, null).map((o) => o.value)).toEqual(['', 'sweep-1', 'sweep-2']);
  });
});

describe(comparisonRows.name, () => {
  it('prints both tests with their Holm-adjusted p and marks what survives the correction', () => {
    const setting = { id: 'set_aaaaaaaaaaaa', summary: 's', paperProtocol: true, fields: {} };
    const comparison: SettingsComparison = {
      dataset: 'a3k', metric: 'srcc', plcc: 'raw', inProgress: 'exclude', correction: 'holm', notes: [],
      a: { ref: 'set_aaaaaaaaaaaa', setting, sweep: null },
      b: { ref: 'sweep-2', setting, sweep: null },
      comparisons: [
        { method: 'fusion-head', textEncoder: 'bert-base', fusion: 'concat', n: 5, unmatchedA: 1, unmatchedB: 0, meanA: 0.8, meanB: 0.82, meanDiff: 0.02, pairedT: { statistic: 4, df: 4, p: 0.016, pHolm: 0.032 }, wilcoxon: { statistic: 0, p: 0.0625, pHolm: 0.125, method: 'exact' }, note: null },
        { method: 'clip-iqa', textEncoder: null, fusion: null, n: 1, unmatchedA: 0, unmatchedB: 0, meanA: 0.6, meanB: 0.6, meanDiff: 0, pairedT: null, wilcoxon: null, note: 'too few pairs' },
      ],
    };
    const [head, zeroShot] = comparisonRows(comparison);
    expect(head).toMatchObject({ cell: 'bert-base + concat', pairs: '5 (+1 / +0 unmatched)', diff: '+0.0200', t: '0.0160 (Holm 0.0320)', wilcoxon: '0.0625 (Holm 0.1250)', significant: true });
    expect(zeroShot).toMatchObject({ cell: 'clip-iqa', t: '—', significant: false, note: 'too few pairs' });
  });
});

describe(exportFileName.name, () => {
  it('names downloads by table and format', () => {
    expect(exportFileName('1', 'latex')).toBe('agiqa-table1.tex');
    expect(exportFileName('timing', 'md')).toBe('agiqa-timing.md');
  });
});

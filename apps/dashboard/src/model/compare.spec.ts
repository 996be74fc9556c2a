import type { RunSignificance, RunSummary } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { MISSING } from './format.js';
import { metricRows, significanceRows } from './compare.js';

const run = (id: string, over: Partial<RunSummary> = {}): RunSummary => ({
  id,
  sweepId: 's',
  cellKey: `agiqa3k/${id}`,
  dataset: 'agiqa3k',
  textEncoder: 'bert-base',
  imageEncoder: 'clip-vit-b32',
  fusion: 'cross_attention',
  splitRepeat: 0,
  seed: 0,
  status: 'completed',
  attempts: 1,
  backend: 'cpu',
  trainingMode: 'frozen',
  reportRule: 'last',
  reportedEpoch: 100,
  epochsDone: 100,
  epochs: 100,
  metrics: { srcc: 0.8747, plcc: 0.9, plccLogistic: null, krcc: 0.7, rmse: 0.4 },
  error: null,
  startedAt: null,
  finishedAt: null,
  ...over,
});

const sig = (over: Partial<RunSignificance> = {}): RunSignificance => ({
  baselineRunId: 'a',
  otherRunId: 'b',
  test: 'fisher',
  metric: 'srcc',
  baseline: 0.8747,
  other: 0.8813,
  between: null,
  n: 597,
  n2: 597,
  z: 1.83,
  p: 0.0672,
  ...over,
});

describe(significanceRows.name, () => {
  it('labels the pair by cell keys and shows the signed difference', () => {
    const [row] = significanceRows({ runs: [run('a'), run('b')], significance: [sig()] });
    expect(row).toMatchObject({ pair: 'agiqa3k/b vs agiqa3k/a', delta: '+0.0066', z: '1.83', p: '0.067', n: '597 / 597', significant: false });
    expect(row.test).toContain('Fisher');
  });

  it('marks p < 0.05 as significant and prints tiny p as a bound', () => {
    const [row] = significanceRows({ runs: [run('a'), run('b')], significance: [sig({ test: 'steiger', p: 0.0001, n2: null })] });
    expect(row).toMatchObject({ p: '< 0.001', significant: true, n: '597' });
  });
});

describe(metricRows.name, () => {
  it('shows missing metrics as dashes, never NaN', () => {
    const [row] = metricRows([run('a', { metrics: null, status: 'failed', reportedEpoch: null })]);
    expect(row.cells.slice(5, 10)).toEqual([MISSING, MISSING, MISSING, MISSING, MISSING]);
    expect(row.cells.join(' ')).not.toContain('NaN');
    expect(row.optimistic).toBe(false);
  });

  it('flags best-on-test runs as optimistic', () => {
    expect(metricRows([run('a', { reportRule: 'best-on-test' })])[0].optimistic).toBe(true);
  });
});

import type { EpochMetricRow } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { epochAxis, overlaidCurves, predictionScatter, runCurves } from './curves.js';

const epoch = (n: number, over: Partial<EpochMetricRow> = {}): EpochMetricRow => ({
  epoch: n,
  trainLoss: 1 / n,
  valSrcc: null,
  valPlcc: null,
  testSrcc: 0.5 + n / 100,
  testPlcc: 0.6 + n / 100,
  durationMs: 10,
  ...over,
});

describe(runCurves.name, () => {
  it('plots test correlations and train loss on a second axis, sorted by epoch', () => {
    const { data, layout } = runCurves([epoch(2), epoch(1)], 2);
    expect(data.map((d) => d.name)).toEqual(['test SRCC', 'test PLCC', 'train loss']);
    expect((data[0] as { x: number[] }).x).toEqual([1, 2]);
    expect((data[2] as { yaxis: string }).yaxis).toBe('y2');
    expect(layout.shapes).toHaveLength(1);
  });

  it('adds validation curves only when the run has them', () => {
    const { data } = runCurves([epoch(1, { valSrcc: 0.4, valPlcc: 0.5 })], null);
    expect(data.map((d) => d.name)).toContain('val SRCC');
  });

  it('marks no epoch when none was reported', () => {
    expect(runCurves([epoch(1)], null).layout.shapes).toEqual([]);
  });

  it('turns non-finite values into gaps', () => {
    const { data } = runCurves([epoch(1, { trainLoss: Number.NaN })], null);
    expect((data[2] as { y: unknown[] }).y).toEqual([null]);
  });
});

describe(epochAxis.name, () => {
  it('ticks every epoch for short runs and whole numbers for long ones', () => {
    expect(epochAxis([1, 2, 3])).toMatchObject({ dtick: 1 });
    expect(epochAxis([1, 100])).toMatchObject({ tickformat: 'd' });
    expect(epochAxis([1, 100])).not.toHaveProperty('dtick');
  });
});

describe(overlaidCurves.name, () => {
  it('draws one trace per run for the chosen metric', () => {
    const traces = overlaidCurves(
      [
        { label: 'a', epochs: [epoch(1), epoch(2)] },
        { label: 'b', epochs: [epoch(1)] },
      ],
      'testPlcc',
    );
    expect(traces.map((t) => t.name)).toEqual(['a', 'b']);
    expect((traces[0] as { y: number[] }).y).toEqual([0.61, 0.62]);
  });
});

describe(predictionScatter.name, () => {
  it('groups points by generator and adds the identity line over their range', () => {
    const traces = predictionScatter([
      { key: 'a.png', generator: 'sd', predicted: 2, mos: 3 },
      { key: 'b.png', generator: 'mj', predicted: 4, mos: 1 },
      { key: 'c.png', generator: 'sd', predicted: Number.NaN, mos: 2 },
    ]);
    expect(traces.map((t) => t.name)).toEqual(['sd', 'mj', 'predicted = MOS']);
    expect((traces[0] as { x: number[] }).x).toEqual([3]);
    expect((traces[2] as { x: number[] }).x).toEqual([1, 4]);
  });

  it('draws nothing for no predictions', () => {
    expect(predictionScatter([])).toEqual([]);
  });
});

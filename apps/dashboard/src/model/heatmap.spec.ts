import { describe, expect, it } from 'vitest';
import { heatCell, heatColour, heatRange, trainedFraction } from './heatmap.js';

const run = (status: 'completed' | 'running' | 'pending' | 'failed' | 'cancelled', srcc: number | null, epochsDone = 10) => ({
  status,
  epochsDone,
  epochs: 10,
  metrics: srcc === null ? null : { srcc, plcc: srcc, plccLogistic: null, krcc: srcc, rmse: 1 - srcc },
});

describe(heatCell.name, () => {
  it('aggregates the completed runs with mean, sample std and n, and lists running epochs', () => {
    const cell = heatCell({ runs: [run('completed', 0.8), run('completed', 0.6), run('running', null, 3), run('pending', null, 0), run('failed', null, 2)] }, 'srcc');
    expect(cell.stat.n).toBe(2);
    expect(cell.stat.mean).toBeCloseTo(0.7, 12);
    expect(cell.stat.std).toBeCloseTo(Math.sqrt(0.02), 12);
    expect(cell).toMatchObject({ running: ['3/10'], pending: 1, failed: 1 });
  });

  it('has no value without completed runs', () => {
    expect(heatCell({ runs: [run('running', null, 1)] }, 'srcc').stat).toEqual({ mean: null, std: null, n: 0 });
  });
});

describe(heatColour.name, () => {
  it('darkens with the metric, reversed for RMSE, and leaves missing cells uncoloured', () => {
    const range = heatRange([heatCell({ runs: [run('completed', 0.2)] }, 'srcc'), heatCell({ runs: [run('completed', 0.9)] }, 'srcc')]);
    expect(range).toEqual({ min: 0.2, max: 0.9 });
    expect(heatColour(0.9, range, 'srcc')).toBe('rgb(21, 101, 192)');
    expect(heatColour(0.2, range, 'srcc')).toBe('rgb(238, 244, 251)');
    expect(heatColour(0.2, range, 'rmse')).toBe('rgb(21, 101, 192)');
    expect(heatColour(null, range, 'srcc')).toBeNull();
  });
});

describe(trainedFraction.name, () => {
  it('counts what a cancelled or failed cell really trained, never 100 % for a cancelled sweep', () => {
    expect(trainedFraction([run('completed', 0.5), run('cancelled', null, 3), run('failed', null, 0), run('pending', null, 0)])).toEqual({ trained: 13, total: 40 });
  });
});

import type { RunSummary } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { cellGrids, defaultCurveRuns } from './cells.js';

let n = 0;
function run(over: Partial<RunSummary>): RunSummary {
  n += 1;
  return {
    id: `r${n}`,
    sweepId: 's',
    cellKey: 'k',
    dataset: 'agiqa3k',
    textEncoder: 'bert-base',
    imageEncoder: 'clip-vit-b32',
    fusion: 'concat',
    splitRepeat: 0,
    seed: 0,
    status: 'completed',
    attempts: 1,
    backend: 'cpu',
    trainingMode: 'frozen',
    reportRule: 'last',
    reportedEpoch: 10,
    epochsDone: 10,
    epochs: 10,
    metrics: null,
    error: null,
    startedAt: null,
    finishedAt: null,
    ...over,
  };
}

const metrics = (srcc: number) => ({ srcc, plcc: srcc, plccLogistic: null, krcc: 0, rmse: 0 });

describe(cellGrids.name, () => {
  it('lays out one encoder × fusion grid per dataset in the paper order', () => {
    const grids = cellGrids([
      run({ textEncoder: 'bert-base', fusion: 'cross_attention' }),
      run({ textEncoder: 'distilbert', fusion: 'concat' }),
      run({ dataset: 'other', textEncoder: 'roberta', fusion: 'cosine' }),
    ]);
    expect(grids.map((g) => g.dataset)).toEqual(['agiqa3k', 'other']);
    expect(grids[0].encoders).toEqual(['distilbert', 'bert-base']);
    expect(grids[0].fusions).toEqual(['concat', 'cross_attention']);
    expect(grids[0].points[0][1]).toBeNull();
    expect(grids[0].points[1][1]?.runs).toHaveLength(1);
  });

  it('follows the grid order when given', () => {
    const grids = cellGrids([run({ textEncoder: 'distilbert' }), run({ textEncoder: 'bert-base' })], { encoders: ['bert-base', 'distilbert'] });
    expect(grids[0].encoders).toEqual(['bert-base', 'distilbert']);
  });

  it('orders runs of a point by repeat then seed, and averages completed SRCC only', () => {
    const grids = cellGrids([
      run({ splitRepeat: 1, seed: 0, metrics: metrics(0.6) }),
      run({ splitRepeat: 0, seed: 1, metrics: metrics(0.8) }),
      run({ splitRepeat: 0, seed: 0, status: 'failed', metrics: metrics(0.1) }),
    ]);
    const point = grids[0].points[0][0];
    expect(point?.runs.map((r) => [r.splitRepeat, r.seed])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
    ]);
    expect(point?.meanSrcc).toBeCloseTo(0.7);
    expect(point?.status).toBe('failed');
  });

  it('has no mean SRCC while nothing completed', () => {
    expect(cellGrids([run({ status: 'running', metrics: null })])[0].points[0][0]?.meanSrcc).toBeNull();
  });
});

describe(defaultCurveRuns.name, () => {
  it('prefers running, then completed runs, skipping pending ones', () => {
    const runs = [run({ id: 'p', status: 'pending' }), run({ id: 'c', status: 'completed' }), run({ id: 'x', status: 'running' }), run({ id: 'f', status: 'failed' })];
    expect(defaultCurveRuns(runs, 2)).toEqual(['x', 'c']);
    expect(defaultCurveRuns(runs)).toEqual(['x', 'c', 'f']);
  });
});

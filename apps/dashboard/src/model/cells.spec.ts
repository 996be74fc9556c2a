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
    method: 'fusion-head',
    textEncoder: 'bert-base',
    imageEncoder: 'clip-vit-b32',
    fusion: 'concat',
    splitRepeat: 0,
    seed: 0,
    status: 'completed',
    attempts: 1,
    backend: 'cpu',
    engine: 'tfjs',
    engineVersion: '4.22.0',
    device: 'cpu',
    deviceName: 'Test CPU',
    dtype: 'float32',
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

  it('gives CLIP-IQA runs (no text encoder, fusion or seed) their own row in a zero-shot column', () => {
    const zeroShot = { method: 'clip-iqa', textEncoder: null, fusion: null, seed: null } as const;
    const grids = cellGrids(
      [run({ fusion: 'concat' }), run({ ...zeroShot, splitRepeat: 1, metrics: metrics(0.4) }), run({ ...zeroShot, splitRepeat: 0, metrics: metrics(0.2) })],
      { encoders: ['bert-base'], fusions: ['concat'] },
    );
    expect(grids[0].encoders).toEqual(['bert-base', 'clip-iqa']);
    expect(grids[0].fusions).toEqual(['concat', 'zero-shot']);
    expect(grids[0].points[0][1]).toBeNull();
    expect(grids[0].points[1][0]).toBeNull();
    expect(grids[0].points[1][1]?.runs.map((r) => r.splitRepeat)).toEqual([0, 1]);
    expect(grids[0].points[1][1]?.meanSrcc).toBeCloseTo(0.3);
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

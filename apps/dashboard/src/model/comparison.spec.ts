import { describe, expect, it } from 'vitest';
import { parcoordsDimensions, seriesCurves } from './comparison.js';

describe(parcoordsDimensions.name, () => {
  it('puts numbers on numeric axes, text on categorical ones, then SRCC and PLCC', () => {
    const dims = parcoordsDimensions({
      dimensions: ['fusion', 'config.learningRate'],
      runs: [
        { id: 'a', series: 'a', cellKey: 'a', status: 'completed', values: { fusion: 'concat', 'config.learningRate': '0.001' }, srcc: 0.8, plcc: 0.7 },
        { id: 'b', series: 'b', cellKey: 'b', status: 'completed', values: { fusion: 'cosine', 'config.learningRate': '0.0001' }, srcc: 0.6, plcc: null },
      ],
    });
    expect(dims.map((d) => d.label)).toEqual(['fusion', 'learningRate', 'SRCC', 'PLCC']);
    expect(dims[0]).toMatchObject({ values: [0, 1], ticktext: ['concat', 'cosine'] });
    expect(dims[1].values).toEqual([0.001, 0.0001]);
    // A run without PLCC sits at the bottom of the axis (NaN would drop its whole line).
    expect(dims[3].values).toEqual([0.7, 0.7]);
  });
});

describe(seriesCurves.name, () => {
  it('draws markers so that a one-epoch run is visible', () => {
    const [trace] = seriesCurves({ series: [{ key: 's', label: 'S', runIds: ['a'], metrics: {} as never }], curves: [{ series: 's', points: [{ epoch: 1, testSrcc: 0.4, testPlcc: 0.4, trainLoss: 1, n: 1 }] }] }, 'testSrcc');
    expect(trace).toMatchObject({ mode: 'lines+markers', name: 'S', x: [1], y: [0.4] });
  });
});

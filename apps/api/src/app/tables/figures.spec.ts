import { describe, expect, it } from 'vitest';
import { measuredFigure, median, reportedFigure, sampleStd } from './figures.js';

describe(measuredFigure.name, () => {
  it('averages runs and keeps their ids as provenance', () => {
    const figure = measuredFigure(
      [
        { id: 'a', srcc: 0.8, plcc: 0.9, reportRule: 'last' },
        { id: 'b', srcc: 0.6, plcc: 0.7, reportRule: 'last' },
      ],
      'agiqa3k',
    );
    expect(figure).toMatchObject({ source: 'measured', runIds: ['a', 'b'], dataset: 'agiqa3k', flags: [] });
    expect(figure?.srcc).toBeCloseTo(0.7, 12);
    expect(figure?.srccStd).toBeCloseTo(Math.SQRT2 * 0.1, 12);
  });

  it('flags a figure as optimistic when any run selected its epoch on the test set', () => {
    const figure = measuredFigure(
      [
        { id: 'a', srcc: 0.8, plcc: 0.9, reportRule: 'last' },
        { id: 'b', srcc: 0.8, plcc: 0.9, reportRule: 'best_on_test' },
      ],
      'd',
    );
    expect(figure?.flags).toEqual(['optimistic']);
  });

  it('leaves out runs with missing or non-finite metrics instead of emitting NaN', () => {
    const figure = measuredFigure(
      [
        { id: 'nan', srcc: Number.NaN, plcc: 0.9, reportRule: 'last' },
        { id: 'null', srcc: null, plcc: null, reportRule: 'last' },
        { id: 'ok', srcc: 0.5, plcc: 0.6, reportRule: 'last' },
      ],
      'd',
    );
    expect(figure?.runIds).toEqual(['ok']);
    expect(figure?.srccStd).toBe(0);
    expect(measuredFigure([{ id: 'nan', srcc: Number.NaN, plcc: Number.NaN, reportRule: 'last' }], 'd')).toBeNull();
  });
});

describe(reportedFigure.name, () => {
  it('marks the paper figure as reported with no runs', () => {
    expect(reportedFigure(0.88, 0.91, ['conflict'], 'n')).toEqual({
      srcc: 0.88,
      plcc: 0.91,
      source: 'reported',
      runIds: [],
      srccStd: null,
      plccStd: null,
      dataset: null,
      flags: ['conflict'],
      note: 'n',
    });
  });
});

describe('statistics helpers', () => {
  it('computes the median of odd and even lists and a zero std for one value', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(sampleStd([5])).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { explorerParams, formatStat, splitConditions } from './explorer.js';

describe(explorerParams.name, () => {
  it('sends each condition as its own filter parameter', () => {
    const params = explorerParams({ filters: splitConditions('fusion=concat; srcc>=0.5\nseed=1|2'), sort: '-srcc', groupBy: '', archived: 'include' }, { limit: 200, offset: 400 });
    expect(params.getAll('filter')).toEqual(['fusion=concat', 'srcc>=0.5', 'seed=1|2']);
    expect(params.toString()).toBe('filter=fusion%3Dconcat&filter=srcc%3E%3D0.5&filter=seed%3D1%7C2&sort=-srcc&archived=include&limit=200&offset=400');
  });
});

describe(formatStat.name, () => {
  it('shows mean ± std (n), a single value without ±, nothing as —', () => {
    expect(formatStat({ mean: 0.81234, std: 0.0123, n: 3 })).toBe('0.8123 ± 0.0123 (n=3)');
    expect(formatStat({ mean: 0.5, std: null, n: 1 })).toBe('0.5000 (n=1)');
    expect(formatStat({ mean: null, std: null, n: 0 })).toBe('—');
  });
});
